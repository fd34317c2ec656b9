"""The cut-over from the old billing: `billed_through` in a contract, or for all of them in avtale.toml.

Billing periods that end on or before the date were invoiced by whatever billed the customer before
Avtale; lowering keeps them apart (compiler/billing/lower.py) so that no bill run can invoice them.
What the checker guards: a minimum commitment year that runs across the cut-over needs to know what the
old billing already invoiced toward it, and the contract has to say so; Avtale never guesses it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from compiler import model
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


def straddled_year(start: date, first_day: date) -> tuple[date, date] | None:
    """The contract year [start, end) that runs across the cut-over, if one does: it began before Avtale's
    first day and ends after it."""
    if first_day <= start:
        return None
    years = 0
    while add_months(start, 12 * (years + 1)) <= first_day:
        years += 1
    year_start, year_end = add_months(start, 12 * years), add_months(start, 12 * (years + 1))
    return None if year_start == first_day else (year_start, year_end)


def contract_cutover(
    contract_id: str,
    stmt: ast.BilledThroughStmt | None,
    default: model.Cutover | None,
    start: date,
    minimum: ast.MinimumStmt | None,
    sink: list[Diagnostic],
) -> model.Cutover | None:
    """The contract's cut-over, checked: its own statement, else the workspace's."""
    if stmt is None:
        if default is None or default.first_day <= start:
            return None  # started after the old billing stopped: nothing was billed elsewhere
        year = straddled_year(start, default.first_day) if minimum is not None else None
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
    year = straddled_year(start, cutover.first_day)
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
                label=f"{cutover.first_day} starts a contract year: no year runs across the cut-over",
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
