"""Properties of the roll-forward and balances, checked against sums taken directly over the inputs."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.revenue.records import Recognised
from runtime.revenue.reports import Billed, balances, rollforward

MONTHS = [date(2025 + (m // 12), m % 12 + 1, 1) for m in range(14)]  # January 2025 to February 2026
cents = st.integers(-50_000, 200_000).map(lambda c: Decimal(c).scaleb(-2))
contracts = st.sampled_from(["A", "B", "C"])
currencies = st.sampled_from(["NOK", "EUR"])

records = st.lists(
    st.builds(
        Recognised,
        contract=contracts,
        obligation=st.sampled_from(["fee", "seats"]),
        month=st.sampled_from(MONTHS),
        amount=cents,
        currency=currencies,
        account=st.just(3020),
    ),
    max_size=30,
)
bills = st.lists(
    st.builds(
        Billed, contract=contracts, currency=currencies, day=st.dates(date(2025, 1, 1), date(2026, 2, 28)), amount=cents
    ),
    max_size=15,
)
ranges = st.tuples(st.integers(0, 13), st.integers(0, 13)).map(sorted)


def balance_at_end(
    month: date, currency: str, recognised: list[Recognised], billed: list[Billed]
) -> dict[str, Decimal]:
    """Each contract's billed less recognised up to the end of `month`, summed the obvious way."""
    out: dict[str, Decimal] = {}
    for b in billed:
        if b.currency == currency and (b.day.year, b.day.month) <= (month.year, month.month):
            out[b.contract] = out.get(b.contract, Decimal(0)) + b.amount
    for r in recognised:
        if r.currency == currency and r.month <= month:
            out[r.contract] = out.get(r.contract, Decimal(0)) - r.amount
    return out


@settings(max_examples=200, deadline=None)
@given(records, bills, ranges)
def test_the_rollforward_balances(recognised: list[Recognised], billed: list[Billed], span: list[int]) -> None:
    first, last = MONTHS[span[0]], MONTHS[span[1]]
    rows = rollforward(recognised, billed, first, last)
    for row in rows:
        assert row.deferred_opening + row.deferred_billed - row.deferred_recognised == row.deferred_closing
        assert row.asset_opening + row.asset_recognised - row.asset_billed == row.asset_closing
        assert row.deferred_billed + row.asset_billed == row.billed
        assert row.deferred_recognised + row.asset_recognised == row.recognised
        assert row.deferred_closing >= 0 and row.asset_closing >= 0
        assert row.billed == sum(
            (b.amount for b in billed if b.currency == row.currency and b.day.replace(day=1) == row.month), Decimal(0)
        )
        assert row.recognised == sum(
            (r.amount for r in recognised if r.currency == row.currency and r.month == row.month), Decimal(0)
        )
        ends = balance_at_end(row.month, row.currency, recognised, billed)
        assert row.deferred_closing == sum((v for v in ends.values() if v > 0), Decimal(0))
        assert row.asset_closing == sum((-v for v in ends.values() if v < 0), Decimal(0))
    for currency in {row.currency for row in rows}:
        mine = [row for row in rows if row.currency == currency]
        assert [row.month for row in mine] == MONTHS[span[0] : span[1] + 1]
        for before, after in itertools.pairwise(mine):
            assert after.deferred_opening == before.deferred_closing
            assert after.asset_opening == before.asset_closing


@settings(max_examples=200, deadline=None)
@given(records, bills, st.sampled_from(MONTHS))
def test_balances_at_a_month_end_agree_with_the_rollforward(
    recognised: list[Recognised], billed: list[Billed], month: date
) -> None:
    end = ([*MONTHS, date(2026, 3, 1)])[MONTHS.index(month) + 1].toordinal() - 1
    rows, totals = balances(recognised, billed, date.fromordinal(end))
    by_currency = {row.currency: row for row in rollforward(recognised, billed, month, month)}
    for total in totals:
        if total.currency in by_currency:
            assert total.liability == by_currency[total.currency].deferred_closing
            assert total.asset == by_currency[total.currency].asset_closing
    for row in rows:
        assert row.billed - row.recognised == row.liability - row.asset
        assert row.liability >= 0 and row.asset >= 0
        later = sum(
            (
                r.amount
                for r in recognised
                if r.contract == row.contract and r.currency == row.currency and r.month > month
            ),
            Decimal(0),
        )
        assert row.within_12_months + row.later == later
