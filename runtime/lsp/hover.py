"""Hover texts that explain: what a charge bills next, which plan version applies and why, what an
amendment changes and what it does to billing, what happens on a date, and who a name is.

Every figure comes from the compiler: the checked model, `lower` and `price_schedule` for billing lines,
`compiler.wording` for terms in words, `compiler.impact` for an amendment's money impact. A hover lowers
only the contract under the cursor, so it costs the same at 10 contracts as at 10,000. It never raises:
a workspace the checker could not build (syntax errors) gets what the AST alone can say, or nothing.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

import attrs

from compiler import model
from compiler.billing.lines import (
    BillableLine,
    DiscountLine,
    LineId,
    MinimumLine,
    OneTimeLine,
    RecurringLine,
    UsageLine,
    service_start,
)
from compiler.billing.lower import BillingSchedule, lower
from compiler.billing.price import PricedLine, price_schedule
from compiler.billing.pricing import recurring_terms
from compiler.billing.timeline import Version, build
from compiler.calendar import add_months
from compiler.charges import ChargeBuilder
from compiler.contracts import ContractBuilder, ContractContext
from compiler.cutover import workspace_cutover
from compiler.impact import Horizon, money_impact
from compiler.incremental import Snapshot
from compiler.settings import SETTINGS_FILE
from compiler.wording import (
    amendment_changes_text,
    amendment_extras,
    billing_text,
    charge_text,
    pricing_text,
    usage_rule_text,
)
from dsl import ast
from dsl.diagnostics import Diagnostic
from dsl.printer import quote
from dsl.span import Span
from runtime.cli.schedule import money, unit_price
from runtime.ledger.documents import IssuedLine
from runtime.ledger.store import Ledger
from runtime.lsp.locate import node_path

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
AHEAD_MONTHS = 25
"""How far past the day a charge hover lowers: far enough for the next line of a yearly or two-yearly cycle."""
IMPACT_MONTHS = 12
DAY = timedelta(days=1)


def hover(
    snapshot: Snapshot, path: str, line: int, column: int, today: date, ledger: Ledger | None = None
) -> str | None:
    """Markdown for the 1-based position in `path`, or None where there is nothing to explain."""
    try:
        return _hover(snapshot, path, line, column, today, ledger)
    except Exception:  # a hover is a courtesy: a bug here must not take the editor's server down
        return None


def _hover(snapshot: Snapshot, path: str, line: int, column: int, today: date, ledger: Ledger | None) -> str | None:
    file = snapshot.files.get(path)
    if file is None:
        return None
    nodes = node_path(file, line, column)
    if not nodes:
        return None
    decl, inner = nodes[0], nodes[-1]
    parent = nodes[-2] if len(nodes) > 1 else None
    ws = snapshot.workspace
    names = _Names(snapshot)
    if isinstance(decl, ast.Contract):
        day = _date_at(snapshot.texts.get(path, ""), line, column)
        contract = ws.contracts.get(decl.id.name) if ws is not None else None
        if isinstance(inner, ast.PlanRef) and line == inner.span.line:  # `version D` names a plan version
            return _plan_hover(snapshot, names, decl, contract, inner)
        if day is not None:
            return _date_hover(ws, contract, decl, day, ledger) if ws is not None and contract is not None else None
        if isinstance(inner, ast.Ref):
            return _contract_ref(snapshot, names, decl, contract, inner, parent, today, ledger)
        if isinstance(inner, ast.Amendment) and line == inner.span.line:
            return _amendment_hover(snapshot, decl, contract, inner) if ws is not None and contract else None
        return None
    if isinstance(inner, ast.Ref):
        if isinstance(parent, ast.UsageStmt):
            return names.metric(inner.name)
        if isinstance(parent, ast.Charge) and isinstance(decl, ast.Plan) and inner is parent.id:
            return _plan_charge(ws, decl, inner.name)
        if isinstance(decl, ast.Seller | ast.Customer | ast.Metric | ast.Index | ast.Plan) and inner is decl.id:
            return names.declaration(decl)
    return None


# ------------------------------------------------------------------ references inside a contract
def _contract_ref(
    snapshot: Snapshot,
    names: _Names,
    decl: ast.Contract,
    contract: model.Contract | None,
    ref: ast.Ref,
    parent: object,
    today: date,
    ledger: Ledger | None,
) -> str | None:
    ws = snapshot.workspace
    if ref is decl.id:
        return _contract_summary(contract, names) if contract is not None else None
    if isinstance(parent, ast.CustomerRef):
        return names.customer(ref.name)
    if isinstance(parent, ast.PlanRef):
        return _plan_hover(snapshot, names, decl, contract, parent)
    if isinstance(parent, ast.UsageStmt):
        return names.metric(ref.name)
    if isinstance(parent, ast.IndexationStmt):
        if ref is parent.index:
            return names.index(ref.name)
        if ref is parent.compare:
            return None
    if isinstance(parent, ast.Charge) and ref is not parent.id:
        return None
    charge_refs = (
        ast.Charge,
        ast.ChargeSet,
        ast.RemoveStmt,
        ast.DiscountStmt,
        ast.IndexationStmt,
        ast.ContractSspStmt,
    )
    if isinstance(parent, charge_refs) and ws is not None and contract is not None:
        return _charge_hover(ws, contract, ref.name, today, ledger)
    return None


# ------------------------------------------------------------------ charges
def _charge_hover(
    ws: model.Workspace, contract: model.Contract, charge_id: str, today: date, ledger: Ledger | None
) -> str | None:
    terms = contract.terms
    agreed = dict(terms.versions).get(charge_id) if terms is not None else None
    if not agreed:
        return None
    day = max(today, contract.start)
    horizon = add_months(day, AHEAD_MONTHS)
    timeline = build(contract, ws.indices, horizon)
    versions = timeline.versions[charge_id]
    version = _in_force(versions, day)
    charge = version.charge or next(v.charge for v in reversed(versions) if v.charge is not None)
    out = [f"**{charge_id}** {quote(charge.label)} · contract `{contract.id}`"]
    when = f"on {day}" if version.start <= day else f"from {version.start}"
    if version.charge is None:
        by = f" by amendment {version.amendment}" if version.amendment else ""
        out.append(f"Removed from {version.start}{by}")
    else:
        how = _price_words(charge, contract.currency, ws)
        by = f", as set by amendment {version.amendment}" if version.amendment else ""
        if version.blocked:  # the price shown would be the one before indexation: say only why it is unknown
            out.append(f"In force {when}: price not known: {version.blocked}")
        else:
            out.append(f"In force {when}: {how}{by}")
        if version.note and not version.blocked:
            out.append(f"Price {version.note}")
        life = timeline.end or date.max
        coming = next((v for v in versions if max(day, version.start) < v.start < life), None)
        if coming is not None and coming.charge is None:
            out.append(f"Removed from {coming.start}")
        elif coming is not None and coming.blocked:
            out.append(f"From {coming.start}: price not known yet: {coming.blocked}")
        elif coming is not None and coming.charge is not None and version.start <= day:
            by = f" (amendment {coming.amendment})" if coming.amendment else ""
            out.append(f"From {coming.start}: {_price_words(coming.charge, contract.currency, ws)}{by}")
    out.append(_origin(ws, contract, charge_id, agreed))
    if timeline.end is not None and timeline.end <= today:
        out.append(f"The contract ended {timeline.end - DAY}: nothing more is billed")
        return "  \n".join(out)
    if isinstance(charge.pricing, model.OneTimeFee) and (once := charge.pricing.on or agreed[0].start) < today:
        out.append(f"Billed once, on {once}: no further invoice line")
        return "  \n".join(out)
    schedule = lower(contract, ws.indices, horizon, since=today - DAY)
    out += _next_line(schedule, charge_id, horizon, ledger)
    return "  \n".join(out)


def _in_force(versions: Sequence[Version], day: date) -> Version:
    """The version in force on `day`; the first one when the charge starts later."""
    found = versions[0]
    for version in versions:
        if version.start <= day:
            found = version
    return found


def _price_words(charge: model.Charge, currency: str, ws: model.Workspace) -> str:
    pricing = charge.pricing
    if isinstance(pricing, model.OneTimeFee):
        on = pricing.on.isoformat() if pricing.on else "the start"
        return f"one-time {money(pricing.amount, currency)} {currency} on {on}"
    if isinstance(pricing, model.UsageFee):
        metric = ws.metrics.get(pricing.metric)
        label = f" ({quote(metric.label)})" if metric is not None else ""
        return (
            f"priced from usage of `{pricing.metric}`{label}: {usage_rule_text(pricing.rule)}, "
            f"billed {billing_text(charge.billing or model.Billing(months=1, cycle='monthly', timing='arrears'))}"
        )
    billed = f", billed {billing_text(charge.billing)}" if charge.billing is not None else ""
    if isinstance(pricing, model.TieredFee):  # the tiers, and what the quantity comes to per period
        price, per, quantity = recurring_terms(charge)
        whole = price * quantity
        per_period = f"{unit_price(whole, currency)} {currency} per {per}"
        return f"{pricing_text(pricing)} on quantity {_number(charge.quantity or Decimal(0))}: {per_period}{billed}"
    price, per, quantity = recurring_terms(charge)
    unit = f" per {pricing.unit}" if isinstance(pricing, model.PerUnitFee) and pricing.unit else ""
    amount = f"{unit_price(price, currency)} {currency}{unit} per {per}"
    if isinstance(pricing, model.FlatFee) and quantity == 1:
        return amount + billed
    return f"{_number(quantity)} x {amount}{billed}"


def _origin(ws: model.Workspace, contract: model.Contract, charge_id: str, agreed: Sequence[model.Version]) -> str:
    """Where the charge comes from: the plan version (and what the contract sets on it), the contract, an amendment."""
    first = agreed[0]
    if first.amendment is not None:
        return f"Added by amendment {first.amendment}, effective {first.start}"
    choice = contract.plan
    version = _plan_version(ws, choice)
    planned = next((c for c in version.charges if c.id == charge_id), None) if version is not None else None
    if choice is None or planned is None:
        return "The contract's own charge"
    own = next((c for c in contract.charges if c.id == charge_id), None)
    sets = []
    if own is not None and own.quantity != planned.quantity:
        sets.append("quantity")
    if own is not None and own.pricing != planned.pricing:
        sets.append("price")
    plan = f"Plan `{choice.plan}` version {choice.version}"
    return plan + (f"; {' and '.join(sets)} set by the contract" if sets else "")


def _plan_version(ws: model.Workspace, choice: model.PlanChoice | None) -> model.PlanVersion | None:
    if choice is None:
        return None
    return next((v for v in ws.plans.get(choice.plan, ()) if v.effective == choice.version), None)


def _next_line(schedule: BillingSchedule, charge_id: str, horizon: date, ledger: Ledger | None) -> list[str]:
    """The charge's next billing line in `schedule` (lowered from the day on), priced, with its discounts."""
    own = ("recurring", "one_time", "usage")
    line = next((ln for ln in schedule.lines if ln.id.charge == charge_id and ln.id.kind in own), None)
    if line is None:
        if schedule.end is not None and schedule.end <= horizon:
            return [f"No further invoice line: the contract ends {schedule.end - DAY}"]
        return [f"No invoice line before {horizon}"]
    period = _period(line)
    currency = schedule.currency
    issued = _issued(ledger, schedule.contract)
    invoiced = _invoiced_note(issued, line.id)
    if isinstance(line, UsageLine):
        return [f"Next invoice line: {line.billing_date}, usage {period}, priced from the metered total{invoiced}"]
    if isinstance(line, RecurringLine) and line.blocked:
        return [f"Next invoice line: {line.billing_date}, {period}: cannot be priced yet{invoiced}"]
    discounts = [ln for ln in schedule.lines if isinstance(ln, DiscountLine) and ln.base == line.id]
    priced = price_schedule(attrs.evolve(schedule, lines=(line, *discounts)), {}, line.billing_date).lines
    base = next(p for p in priced if p.id == line.id)
    out = [f"Next invoice line: {line.billing_date}, {period}: {_arithmetic(base, currency)}{invoiced}"]
    for found in priced:
        if found.id.kind == "discount":
            out.append(f"Less {found.label}: {money(found.net, currency)} {currency}")
    last = _last_invoiced(issued, charge_id)
    if last is not None:
        out.append(last)
    return out


def _arithmetic(priced: PricedLine, currency: str) -> str:
    """`25 x 149.00 = 3 725.00 NOK`, or the pieces of a prorated period and their sum."""
    line = priced.line
    total = f"{money(priced.net, currency)} {currency}"
    if isinstance(line, RecurringLine):
        pieces = line.pieces
        if len(pieces) == 1 and pieces[0].proration.is_whole and pieces[0].proration.whole == 1:
            piece = pieces[0]
            if piece.quantity == 1:
                return total
            return f"{_number(piece.quantity)} x {unit_price(piece.price, currency)} = {total}"
        parts = " + ".join(
            f"{_number(p.quantity)} x {unit_price(p.price, currency)}/{p.per} x {p.proration.describe()}"
            for p in pieces
        )
        return f"{parts} = {total}"
    return total


def _issued(ledger: Ledger | None, contract: str) -> list[IssuedLine]:
    return ledger.issued_lines(contract) if ledger is not None else []


def _invoiced_note(issued: Iterable[IssuedLine], line: LineId) -> str:
    numbers = sorted({i.number for i in issued if i.id == line and i.series == "invoice"})
    return f" (already invoiced: invoice {', '.join(str(n) for n in numbers)})" if numbers else ""


def _last_invoiced(issued: Iterable[IssuedLine], charge_id: str) -> str | None:
    mine = [i for i in issued if i.charge == charge_id and i.kind != "discount" and i.series == "invoice"]
    if not mine:
        return None
    last = max(mine, key=lambda i: (i.billing_start, i.number))
    return f"Last invoiced: invoice {last.number}, {last.billing_start} – {last.billing_end - DAY}"


def _plan_charge(ws: model.Workspace | None, decl: ast.Plan, charge_id: str) -> str | None:
    if ws is None:
        return None
    version = next((v for v in ws.plans.get(decl.id.name, ()) if v.effective == decl.effective), None)
    charge = next((c for c in version.charges if c.id == charge_id), None) if version is not None else None
    if charge is None:
        return None
    return f"**{charge_id}** {charge_text(charge)}  \nPlan `{decl.id.name}` version {decl.effective}"


# ------------------------------------------------------------------ plan references
def _plan_hover(
    snapshot: Snapshot, names: _Names, decl: ast.Contract, contract: model.Contract | None, ref: ast.PlanRef
) -> str | None:
    ws = snapshot.workspace
    name = ref.plan.name
    versions = ws.plans.get(name) if ws is not None else None
    if not versions:
        return names.plan(name)
    label = quote(versions[-1].label)
    every = ", ".join(str(v.effective) for v in versions)
    if contract is None or contract.plan is None:
        return f"**plan `{name}`** {label}  \nVersions: {every}"
    choice = contract.plan
    out = [f"**plan `{name}`** {label}: version {choice.version} applies"]
    if choice.pinned:
        out.append(f"Why: pinned by `version {choice.version}` in the contract")
    else:
        why = _followed_note(snapshot, decl)
        reason = why.split("; newer version")[0] if why else f"chosen by the signing date ({contract.signed})"
        out.append(f"Why: {reason}; pin it with `plan {name} version {choice.version}`")
    newer = [str(v.effective) for v in versions if v.effective > choice.version]
    older = [str(v.effective) for v in versions if v.effective < choice.version]
    if newer:
        out.append(f"Newer version{'s' if len(newer) > 1 else ''} {', '.join(newer)} not followed (grandfathered)")
    else:
        out.append("No newer version")
    if older:
        out.append(f"Older: {', '.join(older)}")
    return "  \n".join(out)


def _followed_note(snapshot: Snapshot, decl: ast.Contract) -> str | None:
    """The label of the checker's N0301 note on the contract's plan: the rule that chose the version."""
    mine = f"contract `{decl.id.name}` follows plan"
    found = snapshot.diagnostics
    # sorted by file first: look only at the contract's file (the memo keeps the note of an unchanged contract)
    first = bisect_left(found, decl.span.file, key=lambda d: d.span.file)
    last = bisect_right(found, decl.span.file, lo=first, key=lambda d: d.span.file)
    for note in found[first:last]:
        if note.code == "N0301" and note.message.startswith(mine):
            return note.label
    return None


# ------------------------------------------------------------------ amendments
def _amendment_hover(
    snapshot: Snapshot, decl: ast.Contract, contract: model.Contract, node: ast.Amendment
) -> str | None:
    ws = snapshot.workspace
    assert ws is not None
    amendment = next((a for a in contract.amendments if a.number == node.number), None)
    if amendment is None:
        return None
    head = (
        f"**amendment {amendment.number}** {quote(amendment.reason)}: signed {amendment.signed}, "
        f"effective {amendment.effective}"
    )
    out = [head]
    words = amendment_changes_text(contract, amendment, _before(contract, amendment))
    out += [f"- {w}" for w in [*words, *amendment_extras(amendment)]]
    before = _rebuilt(snapshot, ws, decl, lambda a: a.number < amendment.number)
    later = any(a.number > amendment.number for a in contract.amendments)
    after = _rebuilt(snapshot, ws, decl, lambda a: a.number <= amendment.number) if later else contract
    if before is None or after is None:
        return "  \n".join(out)
    horizon = Horizon.starting(amendment.effective, IMPACT_MONTHS)
    impact = money_impact(
        attrs.evolve(ws, contracts={contract.id: before}),
        attrs.evolve(ws, contracts={contract.id: after}),
        [contract.id],
        horizon,
    )[0]
    last = add_months(horizon.first, IMPACT_MONTHS - 1)
    span = f"{horizon.first:%Y-%m} to {last:%Y-%m}"
    for currency in impact.currencies:
        was, now = impact.total(currency)
        change = now - was
        sign = "+" if change > 0 else ""
        out.append(
            f"Billing {span}: {money(was, currency)} -> {money(now, currency)} {currency} "
            f"({sign}{money(change, currency)})"
        )
    if any(m.usage for m in impact.months):
        out.append("Usage lines change too: their amounts depend on usage and are not counted")
    return "  \n".join(out)


def _before(contract: model.Contract, amendment: model.Amendment) -> Callable[[str], model.Charge | None]:
    """The charge as it stood just before the amendment took effect (earlier amendments applied)."""
    versions = dict(contract.terms.versions) if contract.terms is not None else {}

    def was(charge: str) -> model.Charge | None:
        found = None
        for v in versions.get(charge, ()):
            if v.start < amendment.effective or (
                v.start == amendment.effective and (v.amendment or 0) < amendment.number
            ):
                found = v.charge
        return found

    return was


def _rebuilt(
    snapshot: Snapshot, ws: model.Workspace, decl: ast.Contract, keep: Callable[[ast.Amendment], bool]
) -> model.Contract | None:
    """The contract checked again with only the amendments `keep` accepts: one contract, not the workspace."""
    body = tuple(s for s in decl.body if not isinstance(s, ast.Amendment) or keep(s))
    sink: list[Diagnostic] = []
    seller = ws.seller
    cutover = workspace_cutover(snapshot.settings.billed_through, Span(SETTINGS_FILE, 0, 0, 0, 0))
    ctx = ContractContext(
        customers=ws.customers,
        plans=ws.plans,
        indices=ws.indices,
        charges=ChargeBuilder(ws.metrics, seller.mva if seller else True, sink),
        default_currency=seller.currency if seller else "NOK",
        default_due_days=seller.due_days if seller else 14,
        sink=sink,
        cutover=cutover,
    )
    return ContractBuilder(ctx).build(attrs.evolve(decl, body=body))


# ------------------------------------------------------------------ dates
def _date_at(text: str, line: int, column: int) -> date | None:
    """The date literal under the cursor, if any."""
    lines = text.split("\n", line)  # splits no further than the line wanted
    if not 1 <= line <= len(lines):
        return None
    for found in DATE.finditer(lines[line - 1]):
        if found.start() < column <= found.end():
            try:
                return date.fromisoformat(found.group())
            except ValueError:
                return None
    return None


def _date_hover(
    ws: model.Workspace, contract: model.Contract, decl: ast.Contract, day: date, ledger: Ledger | None
) -> str:
    schedule = lower(contract, ws.indices, add_months(day, 13) + DAY, since=day - DAY)
    events: list[str] = []
    if contract.signed == day:
        events.append("the contract is signed")
    if contract.start == day:
        events.append("the contract starts")
    for a in contract.amendments:
        if a.signed == day:
            events.append(f"amendment {a.number} is signed")
        if a.effective == day:
            events.append(f"amendment {a.number} takes effect ({quote(a.reason)})")
    billed = [ln for ln in schedule.lines if ln.billing_date == day]
    events += _billed_words(schedule, billed, _issued(ledger, contract.id))
    starting = sorted(
        {
            f"{_period(ln)} of {ln.id.charge} starts (billed {ln.billing_date})"
            for ln in schedule.lines
            if service_start(ln) == day and ln.billing_date != day and ln.id.kind in ("recurring", "usage")
        }
    )
    events += starting
    if day in schedule.term_ends:
        renews = contract.terms is not None and contract.terms.renewal.kind == "renew"
        events.append("a term ends: " + ("the contract renews" if renews and schedule.end != day else "its last day"))
    if schedule.end == day and day not in schedule.term_ends:
        events.append(f"the contract has ended (its last day was {day - DAY})")
    for end, deadline in zip(schedule.term_ends, schedule.notice_deadlines, strict=False):
        if deadline == day:
            events.append(f"last day to give notice before the term ends {end}")
    timeline = build(contract, ws.indices, add_months(day, 1))
    for charge_id, versions in timeline.versions.items():
        events += [f"{charge_id} price {v.note}" for v in versions if v.start == day and v.note]
    for named in timeline.discounts:
        d = named.discount
        if d.start == day:
            events.append(f"discount {quote(d.label)} ({_number(d.percent)}%) starts")
        if d.until == day:
            events.append(f"discount {quote(d.label)} ends")
    if contract.cutover is not None and contract.cutover.through == day:
        events.append("the last day the old billing invoiced (`billed_through`)")
    head = f"**{day}** · contract `{contract.id}`"
    if not events:
        later = next((ln.billing_date for ln in schedule.lines if ln.billing_date > day), None)
        return head + "  \nNothing is billed or changes on this day" + (f"; next billing {later}" if later else "")
    return "  \n".join([head, *(f"- {e}" for e in events)])


def _billed_words(schedule: BillingSchedule, billed: list[BillableLine], issued: list[IssuedLine]) -> list[str]:
    """What is billed on the day: fixed lines and their discounts priced, the rest said in words."""
    currency = schedule.currency
    fixed = [ln for ln in billed if isinstance(ln, RecurringLine | OneTimeLine) and not _blocked(ln)]
    fixed_ids = {(ln.id, ln.tax) for ln in fixed}
    discounts = [ln for ln in billed if isinstance(ln, DiscountLine) and (ln.base, ln.tax) in fixed_ids]
    priced = {
        (p.id, p.tax): p
        for p in price_schedule(attrs.evolve(schedule, lines=(*fixed, *discounts)), {}, schedule.horizon).lines
    }
    words = []
    for ln in billed:
        found = priced.get((ln.id, ln.tax))
        note = _invoiced_note(issued, ln.id)
        if found is not None:
            words.append(f"billed: {ln.label}, {_period(ln, found)}: {money(found.net, currency)} {currency}{note}")
        elif isinstance(ln, UsageLine):
            words.append(f"billed: {ln.label}, usage {_period(ln)}, priced from the metered total{note}")
        elif isinstance(ln, MinimumLine):
            year = f"{ln.id.period_start} – {ln.id.period_end - DAY}"
            words.append(f"minimum true-up for the contract year {year} (up to {money(ln.minimum, currency)})")
        elif isinstance(ln, RecurringLine) and ln.blocked:
            words.append(f"billed: {ln.label}, {_period(ln)}: cannot be priced: {ln.blocked}")
        elif isinstance(ln, DiscountLine):
            words.append(f"billed: {ln.label}, on usage")
    return words


def _blocked(line: BillableLine) -> bool:
    return isinstance(line, RecurringLine) and line.blocked is not None


# ------------------------------------------------------------------ declarations in one line
class _Names:
    """One-line summaries of declarations: from the checked model, else from the AST."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.ws = snapshot.workspace

    def declaration(self, decl: object) -> str | None:
        if isinstance(decl, ast.Customer):
            return self.customer(decl.id.name)
        if isinstance(decl, ast.Metric):
            return self.metric(decl.id.name)
        if isinstance(decl, ast.Index):
            return self.index(decl.id.name)
        if isinstance(decl, ast.Plan):
            return self.plan(decl.id.name)
        if isinstance(decl, ast.Seller):
            seller = self.ws.seller if self.ws is not None else None
            if seller is None:
                return None
            mva = " MVA" if seller.mva else ""
            return f"**seller `{seller.id}`** {quote(seller.name)}, orgnr {seller.orgnr}{mva}"
        return None

    def customer(self, name: str) -> str | None:
        found = self.ws.customers.get(name) if self.ws is not None else None
        if found is None:
            return self._from_ast(ast.Customer, name, "customer")
        who = "consumer" if found.consumer else f"orgnr {found.orgnr}"
        parts = [f"**customer `{name}`** {quote(found.name)}, {who}"]
        if found.peppol:
            parts.append(f"PEPPOL {found.peppol}")
        if found.address is not None:
            parts.append(f"{found.address.city} ({found.address.country})")
        parts.append(f"language {found.language}")
        return ", ".join(parts)

    def metric(self, name: str) -> str | None:
        found = self.ws.metrics.get(name) if self.ws is not None else None
        if found is None:
            return self._from_ast(ast.Metric, name, "metric")
        what = "count" if found.function == "count" else f"{found.function} of `{found.field}`"
        events = ", ".join(quote(e) for e in found.events)
        return f"**metric `{name}`** {quote(found.label)}: {what} over events {events}"

    def index(self, name: str) -> str | None:
        found = self.ws.indices.get(name) if self.ws is not None else None
        if found is None:
            return self._from_ast(ast.Index, name, "index")
        latest = f", latest {found.values[-1][0]} = {_number(found.values[-1][1])}" if found.values else ""
        return f"**index `{name}`** {quote(found.label)}: {len(found.values)} values{latest}"

    def plan(self, name: str) -> str | None:
        versions = self.ws.plans.get(name) if self.ws is not None else None
        if not versions:
            return self._from_ast(ast.Plan, name, "plan")
        dates = ", ".join(str(v.effective) for v in versions)
        charges = ", ".join(c.id for c in versions[-1].charges)
        return f"**plan `{name}`** {quote(versions[-1].label)}: versions {dates}  \nCharges (latest): {charges}"

    def _from_ast(self, kind: type, name: str, word: str) -> str | None:
        """What the declaration says, read from the parsed files when the checker has no model of it."""
        for file in self.snapshot.files.values():
            for decl in file.decls if file is not None else ():
                if isinstance(decl, kind) and decl.id.name == name:
                    label = getattr(decl, "label", None)
                    if isinstance(decl, ast.Customer):
                        label = next((s.value for s in decl.body if isinstance(s, ast.NameStmt)), None)
                    text = f"**{word} `{name}`**" + (f" {quote(label)}" if label else "")
                    return text + f"  \n{decl.span.file}:{decl.span.line} (not checked: the workspace has errors)"
        return None


def _contract_summary(contract: model.Contract, names: _Names) -> str:
    customer = names.ws.customers.get(contract.customer) if names.ws is not None else None
    who = f" {quote(customer.name)}" if customer is not None else ""
    plan = f", plan `{contract.plan.plan}` version {contract.plan.version}" if contract.plan else ""
    term = f", term {contract.term.count} {contract.term.unit}s" if contract.term is not None else ""
    return f"**contract `{contract.id}`** for `{contract.customer}`{who}{plan}  \nStarts {contract.start}{term}"


# ------------------------------------------------------------------ small words
def _period(line: BillableLine, priced: PricedLine | None = None) -> str:
    """The days a line bills, with its last day (as invoices show it); a priced line knows them best (a
    discount covers only its window)."""
    if isinstance(line, OneTimeLine):
        return "once"
    if priced is not None:
        return f"period {priced.start} – {priced.end - DAY}"
    start = service_start(line)
    end = line.pieces[-1].end if isinstance(line, RecurringLine | UsageLine) and line.pieces else line.id.period_end
    return f"period {start} – {end - DAY}"


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"
