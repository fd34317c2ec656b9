"""`avtale diff`: what changed between two states of a workspace, in terms and in money.

The two sides are revisions read from git (`runtime.loader.load_revision`) or the working tree
(`runtime.loader.load`), each checked whole. `compiler.changes.compare` says what changed in the
terms and which contracts' billing inputs changed; `compiler.impact.money_impact` lowers and
prices only those, on both sides, over the horizon, and `compiler.revenue_impact.revenue_impact`
makes their revenue plans. The ledger, when there is one, is read (read only) to flag the months
whose changed lines were already invoiced (a change there is a correction at the next bill run)
and the months closed for revenue whose revenue changes (posted as a catch-up in the first open
month).

The report is rendered as text (terms, then a month table per contract, then a one-line summary,
like a terraform plan) or as JSON with the same content. Both are deterministic: sorted by
identity, with no clock in them beyond the as-of date given.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from compiler import model
from compiler.calendar import add_months
from compiler.changes import ObjectChange, WorkspaceChanges, compare
from compiler.impact import ContractImpact, Horizon, Month, money_impact
from compiler.money import minor_unit, round_money
from compiler.revenue_impact import RevenueImpact, RevenueMonth, revenue_impact
from compiler.settings import Settings
from dsl.diagnostics import Diagnostic, Severity, sorted_diagnostics
from runtime.history.git import SHORT, HistoryError, Repo
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger
from runtime.loader import Workspace, WorkspaceError, load, load_revision, read_settings, wait_for_writes
from runtime.memory import no_cyclic_gc
from runtime.processes import split_in_two

ZERO = Decimal(0)
LISTED = 10
"""How many contract ids a plan, customer, metric or index change lists in text before "and N more"."""
USAGE_NOTE = "depends on usage"


@attrs.frozen(kw_only=True)
class Side:
    """One side of the comparison: a revision, or the working tree (`rev` and `commit` None)."""

    rev: str | None
    commit: str | None

    @property
    def name(self) -> str:
        if self.rev is None or self.commit is None:
            return "the working tree"
        return f"{self.rev} ({self.commit[:SHORT]})"


@attrs.frozen(kw_only=True)
class DiffReport:
    old: Side
    new: Side
    as_of: date
    horizon: Horizon
    changes: WorkspaceChanges
    impacts: tuple[ContractImpact, ...]
    """Every affected contract, lowered on both sides, by id."""
    invoiced: frozenset[tuple[str, date]]
    """(contract, month) whose changed lines were already issued."""
    ledger: bool
    """Whether a ledger was read for the invoiced and closed flags."""
    names: dict[str, str] = attrs.field(factory=dict)
    """Customer names by contract id, for the headings (the new side's, else the old side's)."""
    revenue: tuple[RevenueImpact, ...] = ()
    """Every affected contract's revenue on both sides, by id."""
    closed: frozenset[tuple[str, date]] = frozenset()
    """(contract, month) closed for revenue whose revenue changes."""
    latest_closed: date | None = None
    """The latest month closed for revenue (every month up to it is locked)."""

    @property
    def first_open(self) -> date | None:
        """Where a change to closed months is posted as a catch-up."""
        return add_months(self.latest_closed, 1) if self.latest_closed is not None else None

    @property
    def changed(self) -> bool:
        return not self.changes.empty


# ------------------------------------------------------------------ building the report
def _errors(workspace: Workspace) -> list[Diagnostic]:
    return [d for d in sorted_diagnostics(workspace.diagnostics) if d.severity is Severity.ERROR]


def _checked(workspace: Workspace, side: Side, which: str) -> model.Workspace:
    errors = _errors(workspace)
    if errors or workspace.result is None:
        count = len(errors) or 1
        first = f"; the first: {errors[0].message} ({errors[0].span})" if errors else ""
        at = "`avtale check`" if side.rev is None else f"`avtale check --rev {side.rev}`"
        raise HistoryError(
            f"the {which} side, {side.name}, does not check: {count} error{'s' if count != 1 else ''}{first}",
            f"the diff compares checked workspaces; {at} lists the errors",
        )
    return workspace.result.workspace


def load_side(root: Path, rev: str | None, commit: str | None) -> tuple[Side, Workspace]:
    """The workspace at `root` as committed at `commit` (named `rev` by the user), or the working tree."""
    try:
        if rev is None or commit is None:
            return Side(rev=None, commit=None), load(root)
        return Side(rev=rev, commit=commit), load_revision(root, commit)
    except WorkspaceError as exc:
        where = f"at {rev} ({commit[:SHORT]}): " if rev is not None and commit is not None else ""
        raise HistoryError(f"{where}{exc}", exc.help) from None


def ledger_path(root: Path) -> Path:
    """The ledger the working tree's avtale.toml names: the ledger is not history, it is now."""
    try:
        _, settings, _ = read_settings(root)
    except WorkspaceError:
        settings = Settings()
    return (root / settings.ledger).resolve()


def invoiced_months(ledger: Ledger, impacts: Iterable[ContractImpact]) -> frozenset[tuple[str, date]]:
    """(contract, month) whose changed lines have issued lines under the same identity."""
    found: set[tuple[str, date]] = set()
    with ledger.snapshot():
        for impact in impacts:
            months = [m for m in (*impact.earlier, *impact.months) if m.changed]
            if not months:
                continue
            issued = {line.id for line in ledger.issued_lines(impact.contract)}
            found.update((impact.contract, m.month) for m in months if issued.intersection(m.changed))
    return frozenset(found)


def closed_months(latest: date | None, impacts: Iterable[RevenueImpact]) -> frozenset[tuple[str, date]]:
    """(contract, month) locked for revenue (up to the latest close) whose revenue changes."""
    if latest is None:
        return frozenset()
    return frozenset(
        (impact.contract, m.month)
        for impact in impacts
        for m in (*impact.earlier, *impact.months, *impact.later)
        if m.month <= latest and m.differs
    )


SPLIT_MIN = 16
"""With this many changed contracts or more, half of them are lowered and planned in a forked child."""


def _impacts(
    old: model.Workspace, new: model.Workspace, contracts: list[str], horizon: Horizon, reach: date
) -> tuple[tuple[ContractImpact, ...], tuple[RevenueImpact, ...]]:
    """The billing and revenue impact of the changed `contracts` (sorted), each contract's its own: with many,
    half in a forked child beside the other half here (runtime/processes.py `split_in_two`), in the same order."""

    def both(part: list[str]) -> tuple[tuple[ContractImpact, ...], tuple[RevenueImpact, ...]]:
        billing = money_impact(old, new, part, horizon, reach)
        return billing, revenue_impact(old, new, billing, horizon, reach)

    if len(contracts) < SPLIT_MIN:
        return both(contracts)
    half = len(contracts) // 2
    (billing, revenue), (more_billing, more_revenue) = split_in_two(both, contracts[:half], contracts[half:])
    return billing + more_billing, revenue + more_revenue


def build_report(
    old: tuple[Side, model.Workspace],
    new: tuple[Side, model.Workspace],
    as_of: date,
    months: int,
    ledger: Ledger | None,
) -> tuple[DiffReport, list[str]]:
    """Compare two checked workspaces, lowering only the contracts whose inputs changed; flag the
    months already invoiced when there is a ledger. The report, and warnings to print."""
    changes = compare(old[1], new[1])
    horizon = Horizon.starting(as_of, months)
    warnings: list[str] = []
    invoiced: frozenset[tuple[str, date]] = frozenset()
    latest: date | None = None
    if ledger is not None:
        try:
            latest = max((c.month for c in ledger.closed_months()), default=None)
        except LedgerError as exc:
            warnings.append(f"warning: cannot read the ledger, so invoiced and closed months are not flagged: {exc}")
            ledger = None
    # revenue is compared up to the first open month at least: a closed month beyond the horizon that
    # the change touches is part of the catch-up
    reach = max(horizon.end, add_months(latest, 1)) if latest is not None else horizon.end
    impacts, revenue = _impacts(old[1], new[1], sorted({a.contract for a in changes.affected}), horizon, reach)
    if ledger is not None:
        try:
            invoiced = invoiced_months(ledger, impacts)
        except LedgerError as exc:
            warnings.append(f"warning: cannot read the ledger, so invoiced and closed months are not flagged: {exc}")
            ledger = None
            latest = None
    names: dict[str, str] = {}
    for side in (old[1], new[1]):  # the new side's name wins
        for impact in impacts:
            contract = side.contracts.get(impact.contract)
            if contract is not None and contract.customer in side.customers:
                names[impact.contract] = side.customers[contract.customer].name
    report = DiffReport(
        old=old[0],
        new=new[0],
        as_of=as_of,
        horizon=horizon,
        changes=changes,
        impacts=impacts,
        invoiced=invoiced,
        ledger=ledger is not None,
        names=names,
        revenue=revenue,
        closed=closed_months(latest, revenue),
        latest_closed=latest,
    )
    return report, warnings


def diff(root: Path, revs: Sequence[str], as_of: date, months: int) -> tuple[DiffReport, list[str]]:
    """The report for `avtale diff [REV] [REV]` on the workspace at `root`, and warnings to print."""
    with no_cyclic_gc():  # two whole models in memory: the collector's scans of them would free nothing
        try:
            return _diff(root, revs, as_of, months)
        finally:
            wait_for_writes()  # the revisions' caches, written while the report was made


def _diff(root: Path, revs: Sequence[str], as_of: date, months: int) -> tuple[DiffReport, list[str]]:
    if len(revs) > 2:
        raise HistoryError(
            f"avtale diff takes at most two revisions, not {len(revs)}",
            "`avtale diff` compares HEAD with the working tree, `avtale diff REV` REV with the working tree, "
            "`avtale diff OLD NEW` two revisions",
        )
    repo = Repo.at(root)
    wanted: list[str | None] = ["HEAD", None] if not revs else [revs[0], None] if len(revs) == 1 else list(revs)
    # every revision resolved before anything is loaded: an unknown one is named at once, and both
    # sides are read from the commits named now, whatever moves meanwhile
    commits = [repo.resolve(rev) if rev is not None else None for rev in wanted]
    sides = []
    for rev, commit, which in zip(wanted, commits, ("old", "new"), strict=True):
        side, workspace = load_side(root, rev, commit)
        sides.append((side, _checked(workspace, side, which)))
    warnings: list[str] = []
    path = ledger_path(root)
    ledger: Ledger | None = None
    if path.exists():
        try:
            ledger = Ledger.open(path, create=False, read_only=True)
        except LedgerError as exc:
            warnings.append(f"warning: cannot read the ledger, so invoiced and closed months are not flagged: {exc}")
    try:
        report, more = build_report(sides[0], sides[1], as_of, months, ledger)
    finally:
        if ledger is not None:
            ledger.close()
    return report, warnings + more


# ------------------------------------------------------------------ words and figures
def money(value: Decimal, currency: str) -> str:
    return f"{round_money(value, currency):,.{minor_unit(currency)}f}"


def signed(value: Decimal, currency: str) -> str:
    text = money(value, currency)
    return f"+{text}" if value > 0 else text


def signed_total(value: Decimal, currency: str) -> str:
    """`+NOK 12,450.00`, `-EUR 10.00`, `NOK 0.00`."""
    sign = "+" if value > 0 else "-" if value < 0 else ""
    return f"{sign}{currency} {money(abs(value), currency)}"


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else many or word + 's'}"


def _contracts_phrase(change: ObjectChange) -> str:
    ids = change.contracts
    verb = "follow" if change.kind == "plan" else "use"
    if len(ids) == 1:
        verb += "s"
    if not ids:
        return f"no contract {verb} it" if change.kind == "plan" else "no contract uses it"
    shown = ", ".join(ids[:LISTED]) + (f" and {len(ids) - LISTED} more" if len(ids) > LISTED else "")
    return f"{_plural(len(ids), 'contract')} {verb} it: {shown}"


_MARK = {"added": "+", "removed": "-", "changed": "~"}
Row = tuple[str, str, str, str, str, str, str, str]
"""label, billing before, after, difference, revenue before, after, difference, notes."""


def _usage_note(billing: bool, revenue: bool) -> str | None:
    which = [word for word, flag in (("billing", billing), ("revenue", revenue)) if flag]
    return f"{USAGE_NOTE}: {' and '.join(which)}" if which else None


def _notes(report: DiffReport, contract: str, billing: Month | None, revenue: RevenueMonth | None) -> str:
    notes = []
    month = billing.month if billing is not None else revenue.month if revenue is not None else None
    if billing is not None and billing.differs and (contract, month) in report.invoiced:
        notes.append("invoiced")
    if revenue is not None and revenue.differs and (contract, month) in report.closed:
        notes.append("closed")
    usage = _usage_note(billing is not None and billing.usage, revenue is not None and revenue.usage)
    if usage:
        notes.append(usage)
    if billing is not None and billing.blocked_before != billing.blocked_after:
        notes.append("blocked lines differ")
    return "; ".join(notes)


def _figures(currency: str, before: Decimal, after: Decimal) -> tuple[str, str, str]:
    return money(before, currency), money(after, currency), signed(after - before, currency)


def _earlier_row(
    report: DiffReport, contract: str, currency: str, billing: list[Month], revenue: list[RevenueMonth]
) -> Row:
    months = sorted({m.month for m in billing} | {m.month for m in revenue})
    reach = _month(months[0])
    if len(months) > 1:
        reach = f"{_plural(len(months), 'month')} from {reach} to {_month(months[-1])}"
    notes = [reach]
    invoiced = [m for m in billing if (contract, m.month) in report.invoiced]
    if invoiced:
        notes.append(_plural(len(invoiced), "invoiced month"))
    closed = [m for m in revenue if (contract, m.month) in report.closed]
    if closed:
        notes.append(_plural(len(closed), "closed month"))
    usage = _usage_note(any(m.usage for m in billing), any(m.usage for m in revenue))
    if usage:
        notes.append(usage)
    return (
        "earlier",
        *_figures(currency, sum((m.before for m in billing), ZERO), sum((m.after for m in billing), ZERO)),
        *_figures(currency, sum((m.before for m in revenue), ZERO), sum((m.after for m in revenue), ZERO)),
        "; ".join(notes),
    )


def _catch_up(report: DiffReport, contract: str, currency: str, revenue: Iterable[RevenueMonth]) -> str | None:
    """What the change does to closed months, and where it is posted instead."""
    closed = [m for m in revenue if m.currency == currency and (contract, m.month) in report.closed]
    if not closed or report.first_open is None:
        return None
    span = _month(closed[0].month) + (f" to {_month(closed[-1].month)}" if len(closed) > 1 else "")
    known = sum((m.difference for m in closed), ZERO)
    usage = " and usage revenue may change" if any(m.usage for m in closed) else ""
    where = f"{_month(report.first_open)}, the first open month"
    beyond = _beyond(report, closed, currency)
    return (
        f"closed {'months' if len(closed) > 1 else 'month'} {span}: revenue {signed(known, currency)}{usage}; "
        f"{beyond}closed figures are never rewritten: the difference is posted as a catch-up in {where}"
    )


def _beyond(report: DiffReport, closed: list[RevenueMonth], currency: str) -> str:
    """The closed months after the horizon, which its table does not show: `2026-03 lies beyond the horizon
    (revenue 1,019.17 -> 1,529.65, +510.48); `."""
    later = [m for m in closed if m.month >= report.horizon.end]
    if not later:
        return ""
    names = ", ".join(_month(m.month) for m in later)
    before = sum((m.before for m in later), ZERO)
    after = sum((m.after for m in later), ZERO)
    usage = ", and usage revenue may change" if any(m.usage for m in later) else ""
    verb = "lies" if len(later) == 1 else "lie"
    return (
        f"{names} {verb} beyond the horizon (revenue {money(before, currency)} -> {money(after, currency)}, "
        f"{signed(after - before, currency)}{usage}); "
    )


def _table(report: DiffReport, impact: ContractImpact, revenue: RevenueImpact | None) -> list[str]:
    lines: list[str] = []
    first, last = report.horizon.first, report.horizon.end - timedelta(days=1)
    span = f"{_month(first)} to {_month(last)}"
    revenue_months = revenue.months if revenue is not None else ()
    revenue_earlier = revenue.earlier if revenue is not None else ()
    revenue_later = revenue.later if revenue is not None else ()
    for currency in sorted(set(impact.currencies) | set(revenue.currencies if revenue is not None else ())):
        billing = {m.month: m for m in impact.months if m.currency == currency}
        recognised = {m.month: m for m in revenue_months if m.currency == currency}
        shown = sorted({m for m, b in billing.items() if b.differs} | {m for m, r in recognised.items() if r.differs})
        earlier = [m for m in impact.earlier if m.currency == currency]
        earlier_revenue = [m for m in revenue_earlier if m.currency == currency]
        later_revenue = [m for m in revenue_later if m.currency == currency]
        if not shown and not earlier and not earlier_revenue and not later_revenue:
            lines.append(f"billing and revenue unchanged, {span}")
            continue
        rows: list[Row] = []
        if earlier or earlier_revenue:
            rows.append(_earlier_row(report, impact.contract, currency, earlier, earlier_revenue))
        zero = (ZERO, ZERO)
        for month in shown:
            b, r = billing.get(month), recognised.get(month)
            rows.append(
                (
                    _month(month),
                    *_figures(currency, *((b.before, b.after) if b is not None else zero)),
                    *_figures(currency, *((r.before, r.after) if r is not None else zero)),
                    _notes(report, impact.contract, b, r),
                )
            )
        billed = impact.total(currency)
        earned = revenue.total(currency) if revenue is not None else zero
        label = _plural(report.horizon.months, "month")
        rows.append((label, *_figures(currency, *billed), *_figures(currency, *earned), span))
        head: Row = (currency, "before", "after", "difference", "before", "after", "difference", "")
        widths = [max(len(row[i]) for row in [head, *rows]) for i in range(7)]
        group = 2 + widths[1] + widths[2] + widths[3] + 4
        groups = "billing".center(group).rstrip(), "revenue".center(group)
        lines.append((" " * widths[0] + groups[0].ljust(group) + groups[1]).rstrip())
        for row in [head, *rows]:
            cells = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in range(1, 7)]
            text = "  ".join(cells[:4]) + "    " + "  ".join(cells[4:])
            lines.append(f"{text}  {row[7]}".rstrip())
        for m in (billing[month] for month in shown if month in billing):
            for reason in m.blocked_before:
                lines.append(f"{_month(m.month)} before, not priced: {reason}")
            for reason in m.blocked_after:
                lines.append(f"{_month(m.month)} after, not priced: {reason}")
        note = _catch_up(report, impact.contract, currency, (*revenue_earlier, *revenue_months, *revenue_later))
        if note:
            lines.append(note)
    return lines


def _header(report: DiffReport) -> list[str]:
    first, last = report.horizon.first, report.horizon.end - timedelta(days=1)
    return [
        f"Comparing {report.old.name} with {report.new.name}",
        f"Billing by month of billing date, {_month(first)} to {_month(last)} ({report.horizon.months} months "
        f"from the as-of date {report.as_of.isoformat()}): net amounts before VAT; usage lines are not priced "
        f"(marked `{USAGE_NOTE}`)",
        "Revenue by calendar month as each side's revenue plan recognises it (the contract's revenue policy); "
        f"revenue from usage is not known (marked `{USAGE_NOTE}`)",
    ]


def _differences(months: Iterable[Month | RevenueMonth]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for m in months:
        totals[m.currency] = totals.get(m.currency, ZERO) + m.difference
    return totals


def _every(impact: ContractImpact | RevenueImpact) -> tuple[Month | RevenueMonth, ...]:
    later = impact.later if isinstance(impact, RevenueImpact) else ()
    return (*impact.earlier, *impact.months, *later)


VARIABLE_KINDS = (
    ("usage lines", ("usage", "discount")),
    ("prepaid credits", ("prepaid", "drawdown")),
    ("minimum true-ups", ("minimum",)),
)
"""What the summary calls each kind of variable line that differs."""


def _variable_phrase(report: DiffReport) -> str | None:
    """`usage lines changed in 2 contracts, prepaid credits changed in 1 contract (depends on usage)`: what
    differs among the lines whose amounts depend on usage, in the contracts where a month is marked."""
    marked = {i.contract for i in report.impacts if any(m.usage for m in _every(i))}
    marked |= {r.contract for r in report.revenue if any(m.usage for m in _every(r))}
    parts = []
    for words, kinds in VARIABLE_KINDS:
        count = sum(
            1 for i in report.impacts if i.contract in marked and any(line.id.kind in kinds for line in i.variable)
        )
        if count:
            parts.append(f"{words} changed in {_plural(count, 'contract')}")
    return f"{', '.join(parts)} ({USAGE_NOTE})" if parts else None


def _money_phrase(what: str, report: DiffReport, impacts: Sequence[ContractImpact] | Sequence[RevenueImpact]) -> str:
    """`billing +NOK 540.00 over 3 months (+NOK 200.00 in earlier months) in 2 contracts`."""
    months = _plural(report.horizon.months, "month")
    amounts = [signed_total(v, c) for c, v in sorted(_differences(m for i in impacts for m in i.months).items()) if v]
    phrase = f"{what} {' and '.join(amounts)} over {months}" if amounts else f"{what} unchanged over {months}"
    earlier = _differences(m for i in impacts for m in i.earlier)
    later = _differences(m for i in impacts if isinstance(i, RevenueImpact) for m in i.later)
    aside = []
    for where, totals in (("earlier months", earlier), ("closed months after the horizon", later)):
        moves = [signed_total(v, c) for c, v in sorted(totals.items()) if v]
        if moves:
            aside.append(f"{' and '.join(moves)} in {where}")
    if aside:
        phrase += f" ({', '.join(aside)})"
    moved = sum(1 for i in impacts if any(m.difference for m in _every(i)))
    if moved:
        phrase += f" in {_plural(moved, 'contract')}"
    return phrase


def summary(report: DiffReport) -> str:
    if not report.changed:
        return f"No changes: {report.old.name} and {report.new.name} hold the same terms."
    counts: dict[tuple[str, str], int] = {}
    for change in report.changes.changes:
        counts[change.kind, change.status] = counts.get((change.kind, change.status), 0) + 1
    nouns = {"plan": ("plan version", "plan versions"), "index": ("index", "indices")}
    parts = []
    for kind in ("contract", "plan", "customer", "metric", "index", "seller"):
        for status in ("added", "removed", "changed"):
            count = counts.get((kind, status), 0)
            if count:
                one, many = nouns.get(kind, (kind, kind + "s"))
                parts.append(f"{_plural(count, one, many)} {status}")
    parts.append(_money_phrase("billing", report, report.impacts))
    parts.append(_money_phrase("revenue", report, report.revenue))
    variable = _variable_phrase(report)
    if variable:
        parts.append(variable)
    if report.ledger:
        parts.append(f"{_plural(len(report.invoiced), 'invoiced month')} affected")
        parts.append(f"{_plural(len(report.closed), 'closed month')} affected")
    else:
        parts.append("no ledger, so no invoiced or closed month checked")
    return ", ".join(parts) + "."


def render_text(report: DiffReport) -> str:
    out = _header(report)
    impacts = {i.contract: i for i in report.impacts}
    revenue = {r.contract: r for r in report.revenue}
    contract_changes = {c.id: c for c in report.changes.changes if c.kind == "contract"}
    reasons = {a.contract: a.reasons for a in report.changes.affected}
    for change in report.changes.changes:
        if change.kind == "contract":
            continue
        out.append("")
        out.append(
            f"{_MARK[change.status]} {change.name}" + (f" {change.status}" if change.status != "changed" else "")
        )
        out += [f"    {line}" for line in change.terms]
        if change.kind != "seller":
            out.append(f"    {_contracts_phrase(change)}")
    moved = {i.contract for i in report.impacts if i.differs} | {r.contract for r in report.revenue if r.differs}
    for cid in sorted(contract_changes.keys() | moved):
        own = contract_changes.get(cid)
        mark = _MARK[own.status] if own is not None else "~"
        name = report.names.get(cid)
        status = f" {own.status}" if own is not None and own.status != "changed" else ""
        out.append("")
        out.append(f"{mark} contract {cid}{status}" + (f" ({name})" if name else ""))
        if own is not None:
            out += [f"    {line}" for line in own.terms]
        inherited = [r for r in reasons.get(cid, ()) if not r.startswith("contract ")]
        out += [f"    {reason}" for reason in inherited]
        impact = impacts.get(cid)
        if impact is not None:
            out += [f"    {line}" for line in _table(report, impact, revenue.get(cid))]
    out.append("")
    out.append(summary(report))
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ JSON
def _side_json(side: Side) -> dict[str, Any]:
    return {"rev": side.rev, "commit": side.commit, "working_tree": side.rev is None}


def _month_json(report: DiffReport, contract: str, m: Month) -> dict[str, Any]:
    return {
        "month": _month(m.month),
        "before": _exact(m.before, m.currency),
        "after": _exact(m.after, m.currency),
        "difference": _exact(m.difference, m.currency),
        "invoiced": (contract, m.month) in report.invoiced,
        "depends_on_usage": m.usage,
        "changed_lines": [
            {
                "kind": line.kind,
                "charge": line.charge,
                "discount": line.discount,
                "period_start": line.period_start.isoformat(),
                "period_end": line.period_end.isoformat(),
            }
            for line in m.changed
        ],
        "blocked_before": list(m.blocked_before),
        "blocked_after": list(m.blocked_after),
    }


def _impact_json(report: DiffReport, impact: ContractImpact) -> list[dict[str, Any]]:
    billing = []
    for currency in impact.currencies:
        before, after = impact.total(currency)
        billing.append(
            {
                "currency": currency,
                "months": [_month_json(report, impact.contract, m) for m in impact.months if m.currency == currency],
                "earlier": [_month_json(report, impact.contract, m) for m in impact.earlier if m.currency == currency],
                "total": {
                    "before": _exact(before, currency),
                    "after": _exact(after, currency),
                    "difference": _exact(after - before, currency),
                },
            }
        )
    return billing


def _exact(value: Decimal, currency: str) -> str:
    """An amount as an exact decimal string at the currency's minor unit (`0.00`, not `0`)."""
    return f"{round_money(value, currency):f}"


def _revenue_month_json(report: DiffReport, contract: str, m: RevenueMonth) -> dict[str, Any]:
    return {
        "month": _month(m.month),
        "before": _exact(m.before, m.currency),
        "after": _exact(m.after, m.currency),
        "difference": _exact(m.difference, m.currency),
        "closed": (contract, m.month) in report.closed,
        "depends_on_usage": m.usage,
    }


def _revenue_json(report: DiffReport, impact: RevenueImpact) -> list[dict[str, Any]]:
    revenue = []
    for currency in impact.currencies:
        before, after = impact.total(currency)
        every = [m for m in _every(impact) if m.currency == currency]
        closed = [m for m in every if (impact.contract, m.month) in report.closed]
        revenue.append(
            {
                "currency": currency,
                "months": [
                    _revenue_month_json(report, impact.contract, m) for m in impact.months if m.currency == currency
                ],
                "earlier": [
                    _revenue_month_json(report, impact.contract, m) for m in impact.earlier if m.currency == currency
                ],
                "later": [
                    _revenue_month_json(report, impact.contract, m) for m in impact.later if m.currency == currency
                ],
                "total": {
                    "before": _exact(before, currency),
                    "after": _exact(after, currency),
                    "difference": _exact(after - before, currency),
                },
                "catch_up": {
                    "closed_months": [_month(m.month) for m in closed],
                    "amount": _exact(sum((m.difference for m in closed), ZERO), currency),
                    "depends_on_usage": any(m.usage for m in closed),
                    "posted_in": _month(report.first_open) if report.first_open is not None else None,
                    "beyond_horizon": [_month(m.month) for m in closed if m.month >= report.horizon.end],
                }
                if closed
                else None,
            }
        )
    return revenue


def _amounts(totals: dict[str, Decimal]) -> dict[str, str]:
    """The currencies whose total moves: none when the text says `unchanged`."""
    return {c: _exact(v, c) for c, v in sorted(totals.items()) if v}


def render_json(report: DiffReport) -> str:
    impacts = {i.contract: i for i in report.impacts}
    revenue = {r.contract: r for r in report.revenue}
    data = {
        "old": _side_json(report.old),
        "new": _side_json(report.new),
        "as_of": report.as_of.isoformat(),
        "horizon": {
            "from": _month(report.horizon.first),
            "to": _month(report.horizon.end - timedelta(days=1)),
            "months": report.horizon.months,
        },
        "usage": "usage lines are not priced and usage revenue is not known; a month where they differ has "
        "depends_on_usage",
        "changed": report.changed,
        "changes": [
            {
                "kind": c.kind,
                "id": c.id,
                "version": c.version.isoformat() if c.version else None,
                "status": c.status,
                "terms": list(c.terms),
                "contracts": list(c.contracts),
            }
            for c in report.changes.changes
        ],
        "contracts": [
            {
                "contract": a.contract,
                "customer_name": report.names.get(a.contract),
                "changed": a.changed,
                "reasons": list(a.reasons),
                "billing_differs": impacts[a.contract].differs if a.contract in impacts else False,
                "billing": _impact_json(report, impacts[a.contract]) if a.contract in impacts else [],
                "revenue_policy": {
                    "before": revenue[a.contract].policy_before if a.contract in revenue else None,
                    "after": revenue[a.contract].policy_after if a.contract in revenue else None,
                },
                "revenue_differs": revenue[a.contract].differs if a.contract in revenue else False,
                "revenue": _revenue_json(report, revenue[a.contract]) if a.contract in revenue else [],
            }
            for a in report.changes.affected
        ],
        "summary": {
            "text": summary(report),
            "billing_difference": _amounts(_differences(m for i in report.impacts for m in i.months)),
            "billing_earlier_difference": _amounts(_differences(m for i in report.impacts for m in i.earlier)),
            "revenue_difference": _amounts(_differences(m for r in report.revenue for m in r.months)),
            "revenue_earlier_difference": _amounts(_differences(m for r in report.revenue for m in r.earlier)),
            "revenue_later_difference": _amounts(_differences(m for r in report.revenue for m in r.later)),
            "invoiced_months": [
                {"contract": contract, "month": _month(month)} for contract, month in sorted(report.invoiced)
            ],
            "closed_months": [
                {"contract": contract, "month": _month(month)} for contract, month in sorted(report.closed)
            ],
            "latest_closed": _month(report.latest_closed) if report.latest_closed is not None else None,
            "first_open": _month(report.first_open) if report.first_open is not None else None,
            "ledger": report.ledger,
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
