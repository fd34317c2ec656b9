"""Closing months: closed figures stay as closed, later changes become catch-ups in the first open month.

Every expected figure here is worked out by hand in the test.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from runtime.ledger.closes import ClosedFigure, ClosedMonth
from runtime.revenue.close import (
    CloseRefused,
    check_close,
    close_month,
    figures_to_close,
    open_months_until,
    with_closes,
)
from runtime.revenue.records import Recognised
from tests.factories.revenue import recognised

JAN, FEB, MAR, APR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)
AT = datetime(2026, 2, 3, 9, 0, 0)
WHO = "Kari Nordmann <kari@example.no>"


def rec(
    month: date, amount: str, *, contract: str = "A", obligation: str = "fee", account: int = 3020, **kw: str
) -> Recognised:
    return recognised(month, amount, contract=contract, obligation=obligation, account=account, **kw)  # type: ignore[arg-type]


def closed(month: date, *figures: tuple[str, str, str]) -> ClosedMonth:
    """A closed month with (contract, obligation, amount) figures on account 3020 in NOK."""
    return ClosedMonth(
        month=month,
        closed_at=AT,
        closed_by=WHO,
        figures=tuple(
            ClosedFigure(contract=c, obligation=o, account=3020, currency="NOK", amount=Decimal(a))
            for c, o, a in figures
        ),
    )


def plain(records: list[Recognised]) -> list[tuple[date, str, str, str, str]]:
    """Records without account and currency, to compare against hand-written expectations."""
    return [(r.month, r.contract, r.obligation, f"{r.amount:f}", r.kind) for r in records]


def test_nothing_closed_gives_the_engines_records_in_order() -> None:
    engine = [rec(FEB, "10.00"), rec(JAN, "5.00", contract="B"), rec(JAN, "7.00")]
    assert with_closes(engine, []) == [rec(JAN, "7.00"), rec(JAN, "5.00", contract="B"), rec(FEB, "10.00")]


def test_unchanged_engine_after_a_close_gives_no_catch_up() -> None:
    engine = [rec(JAN, "1000.00"), rec(FEB, "1000.00")]
    assert with_closes(engine, [closed(JAN, ("A", "fee", "1000.00"))]) == engine


def test_a_change_to_a_closed_month_is_a_catch_up_in_the_first_open_month() -> None:
    engine = [rec(JAN, "1100.00"), rec(FEB, "1000.00"), rec(MAR, "1000.00")]
    out = with_closes(engine, [closed(JAN, ("A", "fee", "1000.00"))])
    assert plain(out) == [
        (JAN, "A", "fee", "1000.00", "scheduled"),
        (FEB, "A", "fee", "1000.00", "scheduled"),
        (FEB, "A", "fee", "100.00", "catch_up"),
        (MAR, "A", "fee", "1000.00", "scheduled"),
    ]
    catch_up = out[2]
    assert catch_up.account == 3020 and catch_up.currency == "NOK"
    assert "2026-01 +100.00" in catch_up.reason and "posted in 2026-02" in catch_up.reason


def test_close_then_back_dated_amendment() -> None:
    """Jan and Feb are closed at 1,000.00 a month; an amendment signed in March, effective 15 January,
    raises the fee so that the engine now says Jan 1,500.00 and Feb 2,000.00. The closed months keep
    1,000.00 each; March, the first open month, gets its own 2,000.00 and a catch-up of 500 + 1,000."""
    before = [rec(JAN, "1000.00"), rec(FEB, "1000.00"), rec(MAR, "1000.00")]
    jan = close_month(before, [], JAN, AT, WHO)
    assert jan == closed(JAN, ("A", "fee", "1000.00"))
    feb = close_month(before, [jan], FEB, AT, WHO)
    assert feb.figures == (
        ClosedFigure(contract="A", obligation="fee", account=3020, currency="NOK", amount=Decimal("1000.00")),
    )

    after = [rec(JAN, "1500.00"), rec(FEB, "2000.00"), rec(MAR, "2000.00"), rec(APR, "2000.00")]
    out = with_closes(after, [jan, feb])
    assert plain(out) == [
        (JAN, "A", "fee", "1000.00", "scheduled"),
        (FEB, "A", "fee", "1000.00", "scheduled"),
        (MAR, "A", "fee", "2000.00", "scheduled"),
        (MAR, "A", "fee", "1500.00", "catch_up"),
        (APR, "A", "fee", "2000.00", "scheduled"),
    ]
    assert "2026-01 +500.00, 2026-02 +1000.00" in out[3].reason
    assert "now recognise 1500.00 NOK more than when they were closed" in out[3].reason
    # Closing March locks its scheduled revenue and the catch-up together.
    mar = close_month(after, [jan, feb], MAR, AT, WHO)
    assert [f.amount for f in mar.figures] == [Decimal("3500.00")]
    assert plain(with_closes(after, [jan, feb, mar])) == [
        (JAN, "A", "fee", "1000.00", "scheduled"),
        (FEB, "A", "fee", "1000.00", "scheduled"),
        (MAR, "A", "fee", "3500.00", "scheduled"),
        (APR, "A", "fee", "2000.00", "scheduled"),
    ]


def test_a_catch_up_closed_with_its_month_is_not_posted_again() -> None:
    engine = [rec(JAN, "1100.00"), rec(FEB, "1000.00"), rec(MAR, "1000.00")]
    jan = closed(JAN, ("A", "fee", "1000.00"))
    feb = close_month(engine, [jan], FEB, AT, WHO)
    assert [f.amount for f in feb.figures] == [Decimal("1100.00")]
    assert plain(with_closes(engine, [jan, feb])) == [
        (JAN, "A", "fee", "1000.00", "scheduled"),
        (FEB, "A", "fee", "1100.00", "scheduled"),
        (MAR, "A", "fee", "1000.00", "scheduled"),
    ]


def test_an_obligation_gone_from_the_engine_is_reversed() -> None:
    engine = [rec(JAN, "1000.00"), rec(FEB, "1000.00")]
    jan = closed(JAN, ("A", "fee", "1000.00"), ("A", "setup", "500.00"))
    out = with_closes(engine, [jan])
    assert plain(out) == [
        (JAN, "A", "fee", "1000.00", "scheduled"),
        (JAN, "A", "setup", "500.00", "scheduled"),
        (FEB, "A", "fee", "1000.00", "scheduled"),
        (FEB, "A", "setup", "-500.00", "catch_up"),
    ]
    assert "2026-01 -500.00" in out[3].reason and "now recognise 500.00 NOK less" in out[3].reason


def test_a_new_account_moves_the_closed_revenue_in_the_first_open_month() -> None:
    engine = [rec(JAN, "1000.00", account=3030), rec(FEB, "1000.00", account=3030)]
    out = with_closes(engine, [closed(JAN, ("A", "fee", "1000.00"))])
    moved = [(r.account, r.amount) for r in out if r.kind == "catch_up"]
    assert moved == [(3020, Decimal("-1000.00")), (3030, Decimal("1000.00"))]


def test_revenue_added_before_the_first_close_is_caught_up() -> None:
    """Months before the first close are locked too: a back-dated contract's December goes to February."""
    engine = [rec(date(2025, 12, 1), "300.00", contract="B"), rec(JAN, "1000.00"), rec(FEB, "1000.00")]
    out = with_closes(engine, [closed(JAN, ("A", "fee", "1000.00"))])
    assert plain(out) == [
        (JAN, "A", "fee", "1000.00", "scheduled"),
        (FEB, "A", "fee", "1000.00", "scheduled"),
        (FEB, "B", "fee", "300.00", "catch_up"),
    ]
    assert "2025-12 +300.00" in out[2].reason


def test_engine_catch_ups_in_open_months_pass_through() -> None:
    modification = rec(FEB, "40.00", kind="catch_up", reason="amendment 2, cumulative catch-up")
    assert with_closes([rec(JAN, "10.00"), modification], [closed(JAN, ("A", "fee", "10.00"))]) == [
        rec(JAN, "10.00"),
        modification,
    ]


def test_figures_to_close_sums_per_key_and_leaves_out_zero() -> None:
    records = [
        rec(JAN, "100.00"),
        rec(JAN, "25.50", kind="catch_up", reason="x"),
        rec(JAN, "10.00", obligation="seats"),
        rec(JAN, "-10.00", obligation="seats", kind="catch_up", reason="y"),
        rec(JAN, "5.00", currency="EUR"),
        rec(FEB, "99.00"),
    ]
    assert figures_to_close(records, JAN) == (
        ClosedFigure(contract="A", obligation="fee", account=3020, currency="EUR", amount=Decimal("5.00")),
        ClosedFigure(contract="A", obligation="fee", account=3020, currency="NOK", amount=Decimal("125.50")),
    )


# ------------------------------------------------------------------ the rules for closing
ENGINE = [rec(JAN, "1000.00"), rec(FEB, "1000.00"), rec(MAR, "1000.00")]


def refusal(
    month: date, as_of: date, closes: list[ClosedMonth], billed: date | None = date(2026, 6, 1), **kw: bool
) -> str:
    with pytest.raises(CloseRefused) as caught:
        check_close(month, as_of, closes, ENGINE, billed, **kw)
    return f"{caught.value.message} | {caught.value.help}"


def test_a_month_that_has_ended_may_be_closed() -> None:
    check_close(JAN, FEB, [], ENGINE, date(2026, 2, 1))
    check_close(FEB, MAR, [closed(JAN)], ENGINE, date(2026, 2, 28))


def test_a_month_that_has_not_ended_is_refused() -> None:
    text = refusal(JAN, date(2026, 1, 31), [])
    assert "2026-01 has not ended on 2026-01-31" in text and "on or after 2026-02-01" in text


def test_a_closed_month_is_refused() -> None:
    assert "2026-01 is already closed" in refusal(JAN, APR, [closed(JAN)])
    assert "2026-01 is already closed" in refusal(JAN, APR, [closed(JAN), closed(FEB)])
    text = refusal(date(2025, 12, 1), APR, [closed(JAN), closed(FEB)])
    assert "2025-12 is before the first closed month, 2026-01, so it is locked" in text


def test_months_are_closed_in_order() -> None:
    text = refusal(MAR, APR, [closed(JAN)])
    assert "2026-03 cannot be closed before 2026-02" in text and "`avtale close 2026-02` first" in text


def test_the_first_close_may_not_leave_earlier_revenue_open() -> None:
    text = refusal(FEB, APR, [])
    assert "2026-01 has recognised revenue and is not closed" in text and "`avtale close 2026-01`" in text
    check_close(date(2025, 12, 1), APR, [], ENGINE, date(2026, 6, 1))  # nothing before December


def test_a_month_not_yet_billed_is_refused_unless_allowed() -> None:
    text = refusal(JAN, APR, [], billed=date(2026, 1, 30))
    assert "the latest bill run was as of 2026-01-30" in text
    assert "`avtale bill --as-of 2026-01-31 --apply`" in text and "--allow-unbilled" in text
    assert "no bill run has been applied" in refusal(JAN, APR, [], billed=None)
    check_close(JAN, APR, [], ENGINE, None, allow_unbilled=True)


def test_open_months_until() -> None:
    assert open_months_until(MAR, [], ENGINE) == [JAN, FEB, MAR]
    assert open_months_until(JAN, [], ENGINE) == [JAN]
    assert open_months_until(MAR, [closed(JAN)], ENGINE) == [FEB, MAR]
    assert open_months_until(date(2025, 11, 1), [], ENGINE) == [date(2025, 11, 1)]
