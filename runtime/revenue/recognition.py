"""Revenue recognised per contract, obligation and calendar month, up to a day (docs/revenue.md).

Under IFRS 15 the fixed obligations follow the contract's revenue plan (compiler/revenue), with a
modification's cumulative catch-up as a record of its own; usage (variable consideration, ¶85) is
revenue in the month it was used, in Europe/Oslo days as the meter counts them; a minimum true-up
is revenue in the last month of the contract year it tops up. Under the `invoiced` policy each
issued line is revenue over its own service period [period_start, period_end), by days,
cumulatively rounded; a credit note's lines count negative.

A month is recognised once it has ended: every calendar month whose last day is on or before
`through`. Records come sorted by contract, obligation, month and kind, so the same inputs give
the same records in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal

import attrs

from compiler import model
from compiler.billing.lines import DiscountLine, DrawdownLine, MinimumLine, PrepaidLine, UsageLine
from compiler.billing.lower import BillingSchedule, lower, usage_lines
from compiler.billing.price import PricedLine, UsageKey, price_schedule, usage_line_requests
from compiler.calendar import add_duration
from compiler.money import allocate
from compiler.revenue.consideration import whole
from compiler.revenue.methods import first_of_month, months_between, next_month, spread_daily
from compiler.revenue.plan import plan_and_schedule, policy_of
from compiler.revenue.records import RevenuePlan
from compiler.revenue.variable import landing
from dsl.ast import Aggregation
from runtime.ledger.documents import DraftLine, IssuedDocument
from runtime.revenue.cutover import BilledBefore, billed_before
from runtime.revenue.records import Recognised, RecognitionKind

ZERO = Decimal(0)
DEFAULT_REVENUE_ACCOUNT = model.Accounts().revenue

Key = tuple[str, date, RecognitionKind]
"""(obligation, month, kind) within one contract."""

PREPAID_OBLIGATION = "prepaid credit"
"""The obligation of a prepaid credit and its drawdowns: a space no charge id can hold, so that no charge's
revenue is filed with the breakage. The true-up's obligation stays `minimum` (closed months in existing
ledgers hold it); E0310 keeps charges from taking that id."""


def cutoff(through: date) -> date:
    """The first day of the first month not yet ended on `through`: months before it are recognised."""
    return first_of_month(through + timedelta(days=1))


def recognise(
    model: model.Workspace,
    ledger_documents: Iterable[IssuedDocument],
    usage_totals_by_month: Mapping[UsageKey, Decimal],
    through: date,
    plans: dict[str, RevenuePlan] | None = None,
) -> list[Recognised]:
    """Revenue for every contract, obligation and calendar month ended on or before `through`.

    `usage_totals_by_month` holds the metered totals `usage_requests` asks for (the usage of each
    billing period and of its part in each calendar month); `ledger_documents` the issued invoices
    and credit notes (only the `invoiced` policy reads them). With `plans`, each revenue plan made
    (horizon `cutoff(through)`) is put there, so that the remaining schedule need not plan again."""
    issued = issued_by_contract(ledger_documents)
    records: list[Recognised] = []
    for cid in sorted(model.contracts):
        found, plan = contract_records(model.contracts[cid], model, issued.get(cid, ()), usage_totals_by_month, through)
        records += found
        if plans is not None and plan is not None:
            plans[cid] = plan
    return records


def issued_by_contract(ledger_documents: Iterable[IssuedDocument]) -> dict[str, list[IssuedDocument]]:
    issued: dict[str, list[IssuedDocument]] = {}
    for document in ledger_documents:
        issued.setdefault(document.contract, []).append(document)
    return issued


def contract_records(
    contract: model.Contract,
    workspace: model.Workspace,
    documents: Iterable[IssuedDocument],
    usage: Mapping[UsageKey, Decimal],
    through: date,
) -> tuple[list[Recognised], RevenuePlan | None]:
    """One contract's part of `recognise`, and the revenue plan it was made from (None when none was:
    the `invoiced` policy, or a contract that starts after the months recognised)."""
    end = cutoff(through)
    if contract.start >= end:
        return [], None
    policy, _ = policy_of(contract, workspace.seller)
    if policy == "invoiced":
        before = billed_before(contract, workspace.indices)
        return _records(contract, workspace, _invoiced(contract, documents, before, end)), None
    found, plan = _ifrs15(contract, workspace, usage, through, end)
    return _records(contract, workspace, found), plan


def usage_requests(model: model.Workspace, through: date) -> list[UsageKey]:
    """The metered totals `recognise` needs: each usage line's pieces billed by `through`, and each
    piece's part in every calendar month it touches. Sorted, each once."""
    wanted: set[UsageKey] = set()
    for cid in sorted(model.contracts):
        wanted.update(contract_usage_requests(model.contracts[cid], model, through))
    return sorted(wanted)


def contract_usage_requests(contract: model.Contract, workspace: model.Workspace, through: date) -> set[UsageKey]:
    """One contract's part of `usage_requests`."""
    end = cutoff(through)
    wanted: set[UsageKey] = set()
    if contract.start >= end or policy_of(contract, workspace.seller)[0] == "invoiced" or not _has_usage(contract):
        return wanted
    cid = contract.id
    # the usage lines alone (compiler/billing/lower.py `usage_lines`): the same as the whole lowering's
    metered = usage_lines(whole(contract), workspace.indices, end + timedelta(days=1))
    wanted.update(usage_line_requests(cid, metered, through))  # what pricing asks for, per-event sums included
    for line in metered:
        if line.billing_date > through:
            continue
        for piece in line.pieces:
            for month in months_between(piece.start, piece.end):
                wanted.add((cid, piece.metric, max(piece.start, month), min(piece.end, next_month(month))))
    return wanted


# ------------------------------------------------------------------ IFRS 15
def _ifrs15(
    contract: model.Contract,
    workspace: model.Workspace,
    usage: Mapping[UsageKey, Decimal],
    through: date,
    end: date,
) -> tuple[dict[Key, tuple[Decimal, str]], RevenuePlan]:
    plan, lowered = plan_and_schedule(contract, workspace, end)
    found = _planned(plan, end)
    if _has_usage(contract) or contract.minimum is not None:
        schedule = lowered if lowered is not None else _schedule(contract, workspace, end)
        if contract.minimum is None:  # price only the usage and its discounts: the rest is in the plan
            metered = {ln.id for ln in schedule.lines if isinstance(ln, UsageLine)}
            lines = tuple(
                ln
                for ln in schedule.lines
                if isinstance(ln, UsageLine | PrepaidLine | DrawdownLine)
                or (isinstance(ln, DiscountLine) and ln.base in metered)
            )
            schedule = attrs.evolve(schedule, lines=lines)
        priced = price_schedule(schedule, usage, through)
        functions = {m.id: m.function for m in workspace.metrics.values()}
        _variable(priced.lines, usage, end, contract.currency, found, functions, schedule.end)
    return found, plan


def _planned(plan: RevenuePlan, end: date) -> dict[Key, tuple[Decimal, str]]:
    found: dict[Key, tuple[Decimal, str]] = {}
    catch_ups: dict[tuple[str, date], tuple[Decimal, str]] = {}
    for modification in plan.modifications:
        month = first_of_month(modification.effective)
        for charge, amount in modification.catch_up:
            name = charge.split(" (", 1)[0]
            before = catch_ups.get((name, month), (ZERO, ""))[0]
            catch_ups[name, month] = (before + amount, modification.why)
    for obligation in plan.obligations:
        for entry in obligation.months:
            if entry.month < end:
                _add(found, (obligation.charge, entry.month, "scheduled"), entry.amount)
    for (charge, month), (amount, why) in catch_ups.items():
        if month < end and amount:
            # the catch-up is inside the month's planned revenue: show it apart, with its reason
            _add(found, (charge, month, "scheduled"), -amount)
            _add(found, (charge, month, "catch_up"), amount, why)
    return found


def _variable(
    lines: Iterable[PricedLine],
    usage: Mapping[UsageKey, Decimal],
    end: date,
    currency: str,
    found: dict[Key, tuple[Decimal, str]],
    functions: Mapping[str, Aggregation],
    life_end: date | None = None,
) -> None:
    """Usage in the month of use (split by the usage metered in each month, else by days), its
    discounts alike, and minimum true-ups in the last month of their contract year. A prepaid credit and its
    drawdowns are the obligation `prepaid`, recognised when the year's credit expires: the last month of the
    contract year (or of the contract, ended inside it), so that what they add up to is the breakage (¶B46)."""
    weights: dict[object, list[tuple[date, Decimal]]] = {}
    for priced in lines:
        line = priced.line
        if isinstance(line, UsageLine):
            split = _usage_months(line, usage, functions)
            weights[line.id, line.tax] = split
            _spread(found, line.id.charge, priced.net, split, end, currency)
        elif isinstance(line, MinimumLine | PrepaidLine | DrawdownLine) and priced.net:
            year = line.year if isinstance(line, DrawdownLine) else line.id
            where = landing(
                line.id.kind,
                line.id.period_start,
                line.id.period_end,
                "ifrs15",
                life_end=life_end,
                year=(year.period_start, year.period_end),
                served=priced.end if isinstance(line, DrawdownLine) else None,
            )
            obligation = "minimum" if isinstance(line, MinimumLine) else PREPAID_OBLIGATION
            for month, amount in where.spread(priced.net, currency):
                if month < end:
                    _add(found, (obligation, month, "scheduled"), amount)
    for priced in lines:
        line = priced.line
        if isinstance(line, DiscountLine) and (line.base, line.tax) in weights:
            _spread(found, line.id.charge, priced.net, weights[line.base, line.tax], end, currency)


ADDITIVE = frozenset({"count", "sum"})
"""Aggregations whose month parts add up to the period's total."""
LEVELS = frozenset({"time_weighted", "daily_average"})
"""Gauges averaged over time: a month part's level times its days is the unit-days used in it."""


def _usage_months(
    line: UsageLine, usage: Mapping[UsageKey, Decimal], functions: Mapping[str, Aggregation]
) -> list[tuple[date, Decimal]]:
    """How much of the line's usage fell in each calendar month: the metered part of each month (for an
    averaged gauge, its level times its days), or the days when nothing (or no part) was metered, or when
    the metric's parts do not add up (a maximum, a latest value, distinct keys, a peak)."""
    metered: dict[date, Decimal] = {}
    days: dict[date, Decimal] = {}
    known = True
    for piece in line.pieces:
        function = functions.get(piece.metric)
        known = known and (function in ADDITIVE or function in LEVELS)
        for month in months_between(piece.start, piece.end):
            start, stop = max(piece.start, month), min(piece.end, next_month(month))
            part = usage.get((line.id.contract, piece.metric, start, stop))
            known = known and part is not None
            weight = (part or ZERO) * (stop - start).days if function in LEVELS else (part or ZERO)
            metered[month] = metered.get(month, ZERO) + weight
            days[month] = days.get(month, ZERO) + (stop - start).days
    use = metered if known and any(v > 0 for v in metered.values()) else days
    return sorted(use.items())


def _spread(
    found: dict[Key, tuple[Decimal, str]],
    obligation: str,
    amount: Decimal,
    split: list[tuple[date, Decimal]],
    end: date,
    currency: str,
) -> None:
    if not amount or not split:
        return
    shares = allocate(amount, [max(w, ZERO) for _, w in split], currency)
    for (month, _), share in zip(split, shares, strict=True):
        if month < end and share:
            _add(found, (obligation, month, "scheduled"), share)


# ----------------------------------------------------------------- invoiced
def _invoiced(
    contract: model.Contract, documents: Iterable[IssuedDocument], before: Iterable[BilledBefore], end: date
) -> dict[Key, tuple[Decimal, str]]:
    """Each issued line over its service period, and each line the old billing invoiced before the cut-over.
    A prepaid credit's line keeps its whole contract year as its period when an amendment terminates the
    contract inside it: its revenue is spread over the days the contract lasts, so it ends with the contract."""
    found: dict[Key, tuple[Decimal, str]] = {}
    last = _life_end(contract)
    for old in before:
        for month, part in spread_daily(old.net, old.start, old.end, old.currency):
            if month < end:
                _add(found, (old.charge, month, "scheduled"), part)
    for line, amount in billed_lines(documents):
        obligation = PREPAID_OBLIGATION if line.kind == "prepaid" else line.charge
        where = landing(line.kind, line.period_start, line.period_end, "invoiced", life_end=last)
        for month, part in where.spread(amount, contract.currency):
            if month < end:
                _add(found, (obligation, month, "scheduled"), part)
    return found


def billed_lines(documents: Iterable[IssuedDocument]) -> list[tuple[DraftLine, Decimal]]:
    """Each billed line with its corrections folded in: per line identity and VAT group (what a bill run
    reconciles), the net of its invoice lines less its credit-note lines, with the latest line's service
    period. A correction carries the period the terms now give the line (docs/billing.md, "Bill runs"):
    a termination's credit the days kept, a raised price the whole period. So revenue is what the line now
    bills over the days it now bills, the same to the øre as a line issued so in the first place; a
    correction spread over its own period would put a back-dated termination's credit on the days kept."""
    folded: dict[tuple[object, ...], tuple[DraftLine, Decimal]] = {}
    ordered = sorted(documents, key=lambda doc: (doc.issued_at_run, doc.series == "credit_note", doc.number))
    for document in ordered:
        sign = -1 if document.kind == "credit_note" else 1
        for line in document.lines:
            key: tuple[object, ...] = (line.kind, line.charge, line.discount, line.billing_start, line.billing_end)
            key += (line.vat_category, line.vat_rate)
            net = folded.get(key, (line, ZERO))[1] + sign * line.net_amount
            folded[key] = (line, net)  # the latest line's period
    return [(line, net) for line, net in folded.values() if net]


# ------------------------------------------------------------------ helpers
def _add(found: dict[Key, tuple[Decimal, str]], key: Key, amount: Decimal, reason: str = "") -> None:
    before, why = found.get(key, (ZERO, ""))
    found[key] = (before + amount, reason or why)


def _records(
    contract: model.Contract, workspace: model.Workspace, found: dict[Key, tuple[Decimal, str]]
) -> list[Recognised]:
    accounts = _accounts(contract, workspace)
    return [
        Recognised(
            contract=contract.id,
            obligation=obligation,
            month=month,
            amount=amount,
            currency=contract.currency,
            account=accounts.get(obligation, accounts[""]),
            kind=kind,
            reason=why if kind == "catch_up" else "",
        )
        for (obligation, month, kind), (amount, why) in sorted(found.items(), key=lambda item: item[0])
        if amount
    ]


def _accounts(contract: model.Contract, workspace: model.Workspace) -> dict[str, int]:
    """Each charge's revenue account: its own `account`, else the seller's revenue account."""
    default = workspace.seller.accounts.revenue if workspace.seller else DEFAULT_REVENUE_ACCOUNT
    accounts = {"": default}
    for cid, history in contract.terms.versions if contract.terms else ():
        for version in history:
            if version.charge is not None and version.charge.account is not None:
                accounts[cid] = version.charge.account
    return accounts


def _life_end(contract: model.Contract) -> date | None:
    """The day after the contract's last day, if it ends: a term without renewal, or an amendment's termination."""
    terms = contract.terms
    if terms is None:
        return None
    end = add_duration(contract.start, terms.term) if terms.term is not None and terms.renewal.kind == "none" else None
    if terms.terminated is not None:
        end = terms.terminated if end is None else min(end, terms.terminated)
    return end


def _has_usage(contract: model.Contract) -> bool:
    histories = contract.terms.versions if contract.terms else ()
    return any(
        v.charge is not None and isinstance(v.charge.pricing, model.UsageFee)
        for _, history in histories
        for v in history
    )


def _schedule(contract: model.Contract, workspace: model.Workspace, end: date) -> BillingSchedule:
    return lower(whole(contract), workspace.indices, end + timedelta(days=1))
