"""The cut-over from the old billing: `billed_through` in a contract, or for all of them in avtale.toml.

Billing periods that end on or before the date were invoiced by whatever billed the customer before
Avtale; lowering keeps them apart (compiler/billing/lower.py) so that no bill run can invoice them.
What the checker guards: a minimum commitment year that runs across the cut-over needs to know what the
old billing already invoiced toward it, and the contract has to say so; Avtale never guesses it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from compiler import model
from compiler.billing.periods import billing_periods
from compiler.calendar import add_months
from compiler.charges import check_not_negative
from dsl import ast
from dsl.diagnostics import Diagnostic, Label, error, warning
from dsl.printer import format_decimal, statement_text
from dsl.span import Span


def workspace_cutover(through: date | None, span: Span) -> model.Cutover | None:
    """The avtale.toml setting, for every contract without a `billed_through` of its own."""
    if through is None:
        return None
    return model.Cutover(through=through, toward_minimum=None, span=span, from_settings=True)


def straddled_year(start: date, first_day: date, end: date | None = None) -> tuple[date, date] | None:
    """The contract year [start, end) that runs across the cut-over, if one does: it began before Avtale's
    first day and ends after it. A contract whose term `end`s (exclusive) by that day has none left."""
    if first_day <= start or (end is not None and end <= first_day):
        return None
    years = 0
    while add_months(start, 12 * (years + 1)) <= first_day:
        years += 1
    year_start, year_end = add_months(start, 12 * years), add_months(start, 12 * (years + 1))
    if year_start == first_day:
        return None
    return year_start, min(year_end, end) if end is not None else year_end


def contract_cutover(
    contract_id: str,
    stmt: ast.BilledThroughStmt | None,
    default: model.Cutover | None,
    start: date,
    minimum: ast.MinimumStmt | None,
    sink: list[Diagnostic],
    end: date | None = None,
) -> model.Cutover | None:
    """The contract's cut-over, checked: its own statement, else the workspace's. `end` is the day after the
    term's last day, if the term ends."""
    if stmt is None:
        if default is None or default.first_day <= start:
            return None  # started after the old billing stopped: nothing was billed elsewhere
        year = straddled_year(start, default.first_day, end) if minimum is not None else None
        if year is not None and minimum is not None:
            # the primary span is the minimum: the date is in avtale.toml, where the amount cannot go
            where = (minimum.span, Label(default.span, "the workspace's cut-over"), ", in the contract")
            sink.append(_uncounted(contract_id, default.through, year[0], *where))
        return default
    if not 1970 <= stmt.through.year <= 2100:
        sink.append(
            error(
                "E0519",
                f"contract `{contract_id}` is billed through {stmt.through}, outside the years Avtale bills",
                stmt.span,
                label="expected a day from 1970 to 2100",
                help="write the last day the old billing invoiced, such as `billed_through 2026-02-28`",
            )
        )
        return None
    counted = stmt.toward_minimum
    cutover = model.Cutover(through=stmt.through, toward_minimum=counted, span=stmt.span, from_settings=False)
    if stmt.through < start:
        sink.append(
            warning(
                "W0502",
                f"contract `{contract_id}` is billed through a day before it starts",
                stmt.span,
                label=f"billed through {stmt.through}, starts {start}",
                help="remove `billed_through`: nothing of this contract was billed elsewhere; "
                "or correct the date if it is a typo",
            )
        )
    check_not_negative(stmt.toward_minimum, "an amount counted toward the minimum", stmt.span, sink)
    year = straddled_year(start, cutover.first_day, end)
    without = f"remove `counting ... toward minimum`: `{statement_text(ast.BilledThroughStmt(through=stmt.through))}`"
    if counted is not None and minimum is None:
        sink.append(
            error(
                "E0517",
                f"contract `{contract_id}` counts {format_decimal(counted)} toward a minimum it does not have",
                stmt.span,
                label="no `minimum` in this contract",
                help=without,
            )
        )
    elif counted is not None and year is None:
        sink.append(
            error(
                "E0517",
                f"contract `{contract_id}` counts {format_decimal(counted)} toward no contract year",
                stmt.span,
                label=f"the term ended {end}, before the cut-over"
                if end is not None and end <= cutover.first_day
                else f"{cutover.first_day} starts a contract year: no year runs across the cut-over",
                help=without,
            )
        )
    elif minimum is not None and year is not None and stmt.toward_minimum is None:
        sink.append(_uncounted(contract_id, stmt.through, year[0], stmt.span, Label(minimum.span, "the minimum"), ""))
    return cutover


def _uncounted(contract_id: str, through: date, year: date, span: Span, other: Label, where: str) -> Diagnostic:
    """E0518: a minimum year runs across the cut-over and the contract does not say what was billed in it."""
    example = statement_text(ast.BilledThroughStmt(through=through, toward_minimum=Decimal("0.00")))
    return error(
        "E0518",
        f"contract `{contract_id}` has a minimum commitment year that runs across the cut-over",
        span,
        label=f"the contract year from {year} was billed elsewhere up to {through}",
        help=f"say what the old billing invoiced in that year{where}: `{example.replace('0.00', 'AMOUNT')}`",
        labels=(other,),
    )


def check_allowances(
    contract_id: str,
    cutover: model.Cutover,
    terms: model.Terms,
    start: date,
    anchor: int | None,
    end: date | None,
    sink: list[Diagnostic],
) -> None:
    """E0524: included units, or a flat amount billed when a period is unused, that the old billing already
    counted. A charge in force across the cut-over whose billing period the cut-over splits would get a fresh,
    whole allowance (or an unused flat) for that period's last part; a rollover balance was built under the old
    billing and Avtale cannot know it."""
    first_day = cutover.first_day
    if first_day <= start or (end is not None and end <= first_day):
        return
    for _, history in terms.versions:
        before = [v for v in history if v.start < first_day]
        charge = before[-1].charge if before else None
        if charge is None or not isinstance(charge.pricing, model.UsageFee):
            continue
        allowance = charge.pricing.allowance
        rule = charge.pricing.rule
        flat = isinstance(rule, model.Tiered) and rule.flat_at_zero
        if allowance is None and not flat:
            continue
        months = charge.billing.months if charge.billing is not None else 1
        split = next(
            (
                p
                for p in billing_periods(start, end, months, anchor, first_day + timedelta(days=1), after=first_day)
                if p.start < first_day < p.end
            ),
            None,
        )
        where = Label(cutover.span, "the workspace's cut-over" if cutover.from_settings else "the cut-over")
        if allowance is not None and allowance.rollover_max is not None:
            sink.append(
                error(
                    "E0524",
                    f"charge `{charge.id}` of contract `{contract_id}` rolls included units over across the "
                    f"cut-over after {cutover.through}",
                    charge.span,
                    label="`rollover` carries a balance from period to period",
                    help="the units carried under the old billing are not known to Avtale, and starting them "
                    "from zero would drop them silently: remove `rollover max "
                    f"{format_decimal(allowance.rollover_max)}` (each period then has its "
                    f"{format_decimal(allowance.units)} units), or bill the contract in Avtale from its start",
                    labels=(where,),
                )
            )
        elif split is not None:
            last = split.end - timedelta(days=1)
            before_day = split.start - timedelta(days=1)
            sink.append(
                error(
                    "E0524",
                    f"the cut-over after {cutover.through} falls inside a billing period ({split.start} – {last}) "
                    f"of charge `{charge.id}`, which has "
                    + ("included units" if allowance is not None else "a flat amount billed when unused"),
                    charge.span,
                    label=f"`included {format_decimal(allowance.units)}` per billing period"
                    if allowance is not None
                    else "`unused bills flat` once per billing period",
                    help=(
                        "the old billing gave that period's included units, and Avtale would give its part a "
                        "whole allowance again"
                        if allowance is not None
                        else "whether the period was unused depends on its usage before the cut-over too, which "
                        "the old billing invoiced"
                    )
                    + ": put the cut-over on the period's boundary "
                    f"(`billed_through {before_day}` or `billed_through {last}`"
                    + (", in the contract or in avtale.toml)" if cutover.from_settings else ")"),
                    labels=(where,),
                )
            )
