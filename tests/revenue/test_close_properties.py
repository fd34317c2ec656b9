"""Properties of closing: closed months never change, and catch-ups move revenue without losing any.

The oracles are sums taken directly over the records and the closed figures, not the code under test.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.ledger.closes import ClosedMonth
from runtime.revenue.close import close_month, with_closes
from runtime.revenue.records import Recognised

MONTHS = [date(2026, m, 1) for m in range(1, 9)]
AT = datetime(2026, 9, 1, 12, 0, 0)

records = st.builds(
    Recognised,
    contract=st.sampled_from(["A", "B"]),
    obligation=st.sampled_from(["fee", "seats"]),
    month=st.sampled_from(MONTHS),
    amount=st.integers(-100_000, 100_000).map(lambda cents: Decimal(cents).scaleb(-2)),
    currency=st.sampled_from(["NOK", "EUR"]),
    account=st.sampled_from([3020, 3030]),
    kind=st.sampled_from(["scheduled", "catch_up"]),
)
engines = st.lists(records, max_size=25)


def per_key(items: list[Recognised], month: date | None = None) -> Counter[tuple[str, str, int, str]]:
    """Amounts summed per contract, obligation, account and currency (in one month, if given); zeros dropped."""
    sums: Counter[tuple[str, str, int, str]] = Counter()
    for r in items:
        if month is None or r.month == month:
            sums[(r.contract, r.obligation, r.account, r.currency)] += r.amount  # type: ignore[assignment]
    return Counter({k: v for k, v in sums.items() if v != 0})


def close_in_turn(engines_over_time: list[list[Recognised]]) -> list[ClosedMonth]:
    """Close January, February, ... each with the engine as it then stands."""
    closes: list[ClosedMonth] = []
    for engine, month in zip(engines_over_time, MONTHS, strict=False):
        closes.append(close_month(engine, closes, month, AT, "someone"))
    return closes


@settings(max_examples=200, deadline=None)
@given(st.lists(engines, min_size=1, max_size=5), engines)
def test_closed_months_never_change(history: list[list[Recognised]], later: list[Recognised]) -> None:
    closes = close_in_turn(history)
    out = with_closes(later, closes)
    for closed in closes:
        figures = Counter({(f.contract, f.obligation, f.account, f.currency): f.amount for f in closed.figures})
        assert per_key(out, closed.month) == figures


@settings(max_examples=200, deadline=None)
@given(st.lists(engines, min_size=1, max_size=5), engines)
def test_catch_ups_keep_the_engines_total(history: list[list[Recognised]], later: list[Recognised]) -> None:
    closes = close_in_turn(history)
    assert per_key(with_closes(later, closes)) == per_key(later)


@settings(max_examples=200, deadline=None)
@given(st.lists(engines, min_size=1, max_size=5), engines)
def test_only_the_first_open_month_moves(history: list[list[Recognised]], later: list[Recognised]) -> None:
    closes = close_in_turn(history)
    first_open = MONTHS[len(closes)] if len(closes) < len(MONTHS) else None
    out = with_closes(later, closes)
    for month in MONTHS[len(closes) :]:
        if month != first_open:
            assert per_key(out, month) == per_key(later, month)
    assert all(r.month == first_open and r.reason for r in out if r not in later and r.kind == "catch_up")


@settings(max_examples=100, deadline=None)
@given(engines, st.integers(1, 6))
def test_closing_an_unchanged_engine_posts_nothing(engine: list[Recognised], months: int) -> None:
    closes = close_in_turn([engine] * months)
    out = with_closes(engine, closes)
    assert not [r for r in out if r.kind == "catch_up" and r not in engine]
