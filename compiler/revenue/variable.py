"""Which month(s) a variable line's revenue lands in: one rule for recognition at run time
(runtime/revenue/recognition.py) and for the revenue columns of `avtale diff`
(compiler/revenue_impact.py), so that what the diff marks and adds is what recognition books.

Under IFRS 15 (docs/revenue.md):

- usage and the discounts on it are revenue in the months of use (¶B16): the months of the line's
  period, split by the usage metered in each (the meter is the caller's; by days without one);
- a minimum true-up is revenue in the last month of the contract year it tops up;
- a prepaid credit and its drawdowns add up to the breakage, revenue when the year's credit expires
  (¶B46): at the end of the contract year, or of the contract when it ends inside the year; a drawdown
  whose usage is served past the expiry lands in the month its usage ends.

Under `invoiced` every line issued is revenue over its own service period, by days, cumulatively
rounded; a prepaid credit's line keeps its whole contract year as its period when the contract ends
inside it, so its days stop with the contract.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

import attrs

from compiler.revenue.methods import first_of_month, months_between, next_month, spread_daily
from compiler.revenue.records import Policy

How = Literal["use", "days", "month"]


@attrs.frozen
class Landing:
    """Where a line's revenue is recognised: over the months of [start, end), by usage (`use`) or by
    days (`days`), or wholly in the month starting `start` (`month`, then `end` is the next month)."""

    start: date
    end: date
    how: How

    def months(self) -> list[date]:
        """The first day of every month the revenue may land in."""
        return list(months_between(self.start, self.end))

    def spread(self, amount: Decimal, currency: str) -> list[tuple[date, Decimal]]:
        """`amount` per month, for a landing by days or in one month (usage needs its meter: by days here)."""
        if self.how == "month":
            return [(self.start, amount)]
        return spread_daily(amount, self.start, self.end, currency)


def _one_month(day: date) -> Landing:
    """The month holding the last day before `day`."""
    month = first_of_month(day - timedelta(days=1))
    return Landing(month, next_month(month), "month")


def landing(
    kind: str,
    start: date,
    end: date,
    policy: Policy,
    *,
    life_end: date | None = None,
    year: tuple[date, date] | None = None,
    served: date | None = None,
) -> Landing:
    """Where the revenue of a line of `kind` (a LineId kind) over the period [start, end) lands.

    `life_end` is the day after the contract's last day when it ends (a term without renewal, or a
    termination); `year` a drawdown's contract year (its prepaid credit's period), `served` the day
    after the last day of the usage it draws for. Fixed lines under IFRS 15 follow the revenue plan,
    not this rule: asking for one is a mistake (ValueError)."""
    if policy == "invoiced":
        stop = end
        if kind == "prepaid" and life_end is not None and life_end > start:
            stop = min(end, life_end)
        return Landing(start, stop, "days")
    if kind in ("usage", "discount"):
        return Landing(start, end, "use")
    if kind == "minimum":
        return _one_month(end)
    if kind in ("prepaid", "drawdown"):
        first, last = (start, end) if kind == "prepaid" or year is None else year
        expiry = min(last, life_end) if life_end is not None and life_end > first else last
        return _one_month(max(expiry, served) if kind == "drawdown" and served is not None else expiry)
    raise ValueError(f"a {kind} line is not variable consideration under IFRS 15: the revenue plan holds it")
