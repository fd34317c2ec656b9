"""Gauges (`time_weighted`, `daily_average`, `peak`): a level held from one event to the next, carried
into periods, on Oslo days; every figure worked out by hand in hours."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from runtime.usage import PeriodRequest, Usage

from .helpers import csv, metric, problems, read, total

D = Decimal
HEADER = "id,contract,event,timestamp,gb,amount"
METRICS = (
    metric("disk", "time_weighted", "gb", "storage.level"),
    metric("disk_daily", "daily_average", "gb", "storage.level"),
    metric("disk_peak", "peak", "gb", "storage.level"),
    metric("balance", "time_weighted", "amount", "balance.level", negative=True),
    metric("balance_daily", "daily_average", "amount", "balance.level", negative=True),
    metric("balance_peak", "peak", "amount", "balance.level", negative=True),
    metric("volume", "sum", "amount", "payment.captured"),
)
CONTRACTS = ("A-1", "B-2", "C-3", "D-4", "E-5")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gauges")
    csv(
        folder,
        "events.csv",
        # 100 GB from 20 January (0 before), 160 GB at noon on 10 February, 130 GB at 18:00 the same day
        "s1,A-1,storage.level,2026-01-20T10:00:00+01:00,100,",
        "s2,A-1,storage.level,2026-02-10T12:00:00+01:00,160,",
        "s3,A-1,storage.level,2026-02-10T18:00:00+01:00,130,",
        # B-2 around the summer time change on 29 March (a 23-hour day) and back on 25 October (25 hours)
        "d1,B-2,storage.level,2026-03-28T12:00:00+01:00,10,",
        "d2,B-2,storage.level,2026-03-29T03:00:00+02:00,40,",  # 01:00Z, two hours after midnight
        "d3,B-2,storage.level,2026-10-24T12:00:00+02:00,10,",
        "d4,B-2,storage.level,2026-10-25T12:00:00+01:00,20,",  # 11:00Z, 13 hours after midnight (22:00Z)
        # C-3: a negative balance, the first event at the very start of April
        "b1,C-3,balance.level,2026-04-01T00:00:00+02:00,,-50",
        "b2,C-3,balance.level,2026-04-16T00:00:00+02:00,,-20",
        # D-4: two events at the same instant, written out of order: the greater id (e2) holds
        "e2,D-4,storage.level,2026-05-10T00:00:00+02:00,9,",
        "e1,D-4,storage.level,2026-05-10T00:00:00+02:00,50,",
        # E-5: the smallest value there is for a day, then nothing, on 1 and 2 June; the same negative in July
        "x1,E-5,storage.level,2026-06-01T00:00:00+02:00,0.0000000001,",
        "x2,E-5,storage.level,2026-06-02T00:00:00+02:00,0,",
        "y1,E-5,balance.level,2026-07-01T00:00:00+02:00,,-0.0000000001",
        "y2,E-5,balance.level,2026-07-02T00:00:00+02:00,,0",
        header=HEADER,
    )
    return folder


@pytest.fixture(scope="module")
def usage(folder: Path) -> Iterator[Usage]:
    with read(folder, CONTRACTS, METRICS) as opened:
        assert opened.report.problems == ()
        yield opened


def gauge(usage: Usage, contract: str, kind: str, start: date, end: date) -> tuple[Decimal, ...]:
    """time_weighted, daily_average and peak of the contract's `kind` gauge (disk or balance)."""
    return tuple(total(usage, contract, f"{kind}{suffix}", start, end) for suffix in ("", "_daily", "_peak"))


def test_a_value_carried_in_and_two_changes_in_one_day(usage: Usage) -> None:
    # February has 28 x 24 = 672 hours. 100 GB is carried in from January and holds 9.5 days (228 h),
    # 160 GB 6 h, 130 GB from 18:00 on the 10th to the end (438 h).
    # time weighted: (100 x 228 + 160 x 6 + 130 x 438) / 672 = 80 700 / 672 = 120.0892857142|857 -> ...143
    # daily: 1-9 February 100 (900), the 10th its highest 160, 11-28 February 130 (18 x 130 = 2 340):
    #   3 400 / 28 = 121.4285714285|714 -> ...286
    # peak: 160, held six hours
    assert gauge(usage, "A-1", "disk", date(2026, 2, 1), date(2026, 3, 1)) == (
        D("120.0892857143"),
        D("121.4285714286"),
        D("160"),
    )


def test_before_the_first_event_the_level_is_zero(usage: Usage) -> None:
    # January (744 h): 0 until 10:00 on the 20th, then 100 GB for 11 days and 14 hours (278 h)
    # time weighted: 100 x 278 / 744 = 37.3655913978|49; daily: 12 days at 100 (the 20th's highest) / 31
    # = 38.7096774193|548 -> ...194; peak 100
    assert gauge(usage, "A-1", "disk", date(2026, 1, 1), date(2026, 2, 1)) == (
        D("37.3655913978"),
        D("38.7096774194"),
        D("100"),
    )
    assert gauge(usage, "A-1", "disk", date(2025, 12, 1), date(2026, 1, 1)) == (0, 0, 0)


def test_a_period_without_events_holds_the_level_carried_in(usage: Usage) -> None:
    # nothing after 10 February: 130 GB all of March, by every measure
    assert gauge(usage, "A-1", "disk", date(2026, 3, 1), date(2026, 4, 1)) == (130, 130, 130)
    assert gauge(usage, "B-2", "disk", date(2026, 1, 1), date(2026, 2, 1)) == (0, 0, 0)  # nothing yet
    assert gauge(usage, "E-5", "disk", date(2026, 8, 1), date(2026, 9, 1)) == (0, 0, 0)  # back to 0 on 2 June


def test_the_23_hour_day_of_summer_time(usage: Usage) -> None:
    # 29 March is 23 hours: 10 GB for the 2 hours to 03:00 CEST, then 40 GB for 21 hours
    # time weighted: (10 x 2 + 40 x 21) / 23 = 860 / 23 = 37.3913043478|26 (24 hours would give 37.5)
    assert gauge(usage, "B-2", "disk", date(2026, 3, 29), date(2026, 3, 30)) == (D("37.3913043478"), 40, 40)
    # 28-30 March, 71 hours: 0 until noon on the 28th, then 10 GB: 10 x 12 + 860 + 40 x 24 = 1 940;
    # 1 940 / 71 = 27.3239436619|718 -> ...620; daily: 10 (the 28th's highest), 40, 40 -> 90 / 3 = 30
    assert gauge(usage, "B-2", "disk", date(2026, 3, 28), date(2026, 3, 31)) == (D("27.323943662"), 30, 40)


def test_the_25_hour_day_when_summer_time_ends(usage: Usage) -> None:
    # 25 October is 25 hours: 10 GB for 13 hours, 20 GB for 12: (130 + 240) / 25 = 14.8
    assert gauge(usage, "B-2", "disk", date(2026, 10, 25), date(2026, 10, 26)) == (D("14.8"), 20, 20)


def test_negative_levels_when_the_metric_allows_them(usage: Usage) -> None:
    # April (720 h): -50 for 15 days, -20 for 15 days: (-50 x 360 - 20 x 360) / 720 = -35, daily the same.
    # The first event is at midnight on 1 April: the 0 before it is held for no time, so the peak is -20.
    assert gauge(usage, "C-3", "balance", date(2026, 4, 1), date(2026, 5, 1)) == (-35, -35, -20)
    # March: 0 all month
    assert gauge(usage, "C-3", "balance", date(2026, 3, 1), date(2026, 4, 1)) == (0, 0, 0)
    # 31 March to 1 April: 0 for the first day, -50 for the second (the peak 0 is the first day's)
    assert gauge(usage, "C-3", "balance", date(2026, 3, 31), date(2026, 4, 2)) == (-25, -25, 0)


def test_a_negative_level_is_refused_without_negative_allowed(tmp_path: Path) -> None:
    csv(tmp_path, "events.csv", "n1,A-1,storage.level,2026-02-10T12:00:00+01:00,-5,", header=HEADER)
    with read(tmp_path, CONTRACTS, METRICS) as opened:
        assert problems(opened) == [
            ("malformed", "events.csv", 1, "`gb` `-5` is negative, which metric `disk` does not allow"),
        ]
        assert total(opened, "A-1", "disk", date(2026, 2, 1), date(2026, 3, 1)) == 0


def test_a_missing_level_names_the_gauge(tmp_path: Path) -> None:
    csv(tmp_path, "events.csv", "n1,A-1,storage.level,2026-02-10T12:00:00+01:00,,", header=HEADER)
    with read(tmp_path, CONTRACTS, METRICS) as opened:
        assert problems(opened) == [
            ("malformed", "events.csv", 1, "metric `disk` reads the level in `gb`, but this event has none"),
        ]


def test_equal_instants_the_greatest_id_holds(usage: Usage) -> None:
    # e1 (50) and e2 (9) at the same instant: e2 holds from midnight on 10 May; e1 never holds
    # 10 May alone: 9 by every measure; May: 9 GB for 22 of 31 days: 9 x 22 / 31 = 6.3870967741|935
    assert gauge(usage, "D-4", "disk", date(2026, 5, 10), date(2026, 5, 11)) == (9, 9, 9)
    assert gauge(usage, "D-4", "disk", date(2026, 5, 1), date(2026, 6, 1)) == (D("6.3870967742"), D("6.3870967742"), 9)


def test_averages_round_half_up_to_ten_decimals(usage: Usage) -> None:
    # 0.0000000001 for one day of two: 0.00000000005, rounded up (half to even would give 0)
    assert gauge(usage, "E-5", "disk", date(2026, 6, 1), date(2026, 6, 3)) == (
        D("0.0000000001"),
        D("0.0000000001"),
        D("0.0000000001"),
    )
    # and away from zero below it: -0.00000000005 -> -0.0000000001; the peak is the second day's 0
    assert gauge(usage, "E-5", "balance", date(2026, 7, 1), date(2026, 7, 3)) == (
        D("-0.0000000001"),
        D("-0.0000000001"),
        D(0),
    )


def test_gauges_per_event_prices_and_totals_in_one_call(usage: Usage) -> None:
    asked = [
        PeriodRequest("A-1", "disk", date(2026, 2, 1), date(2026, 3, 1)),
        ("A-1", "disk_daily", date(2026, 2, 1), date(2026, 3, 1)),
        ("B-2", "disk", date(2026, 10, 25), date(2026, 10, 26)),
        ("C-3", "balance_peak", date(2026, 4, 1), date(2026, 5, 1)),
        ("A-1", "volume", date(2026, 2, 1), date(2026, 3, 1)),
    ]
    found = usage.meter(asked)
    assert list(found) == asked  # as in the tests above; A-1 has no payments
    assert list(found.values()) == [D("120.0892857143"), D("121.4285714286"), D("14.8"), D(-20), D(0)]


def test_the_summary_shows_each_month_s_gauge(usage: Usage) -> None:
    summary = usage.summary(date(2026, 1, 1), date(2026, 3, 1))
    disk = {(t.month, t.events, t.total) for t in summary.totals if (t.contract, t.metric) == ("A-1", "disk")}
    # January and February as above; January and February together (1 416 h):
    # (100 x 278 + 80 700) / 1 416 = 108 500 / 1 416 = 76.6242937853|107
    assert disk == {
        ("2026-01", 1, D("37.3655913978")),
        ("2026-02", 2, D("120.0892857143")),
        (None, 3, D("76.6242937853")),
    }
    peak = {(t.month, t.total) for t in summary.totals if (t.contract, t.metric) == ("A-1", "disk_peak")}
    assert peak == {("2026-01", D(100)), ("2026-02", D(160)), (None, D(160))}


def test_the_summary_shows_a_level_held_without_events(usage: Usage) -> None:
    summary = usage.summary(date(2026, 3, 1), date(2026, 4, 1))
    found = {(t.contract, t.metric, t.month): (t.events, t.total) for t in summary.totals if t.metric == "disk"}
    # A-1's 130 GB holds all March without an event; B-2 (743 hours): 0 until noon on the 28th (11:00Z),
    # 10 GB to 01:00Z on the 29th (14 h), 40 GB to 22:00Z on the 31st (69 h): 2 900 / 743 = 3.9030955585|46
    assert found == {
        ("A-1", "disk", "2026-03"): (0, D(130)),
        ("A-1", "disk", None): (0, D(130)),
        ("B-2", "disk", "2026-03"): (2, D("3.9030955585")),
        ("B-2", "disk", None): (2, D("3.9030955585")),
    }


def test_the_largest_level_over_a_year_stays_exact(tmp_path: Path) -> None:
    # 18 digits before the point and 10 after, held all of 2026 and carried in from 2025: its integral in
    # microseconds has 32 digits before the point, beyond DECIMAL(38, 10) but not the exact parts
    largest = "-999999999999999999.9999999999"
    csv(tmp_path, "events.csv", f"b1,A-1,balance.level,2025-12-31T12:00:00+01:00,,{largest}", header=HEADER)
    with read(tmp_path, CONTRACTS, METRICS) as opened:
        assert gauge(opened, "A-1", "balance", date(2026, 1, 1), date(2027, 1, 1)) == (D(largest),) * 3


def test_a_range_from_a_date_after_the_last_event_shows_the_levels_still_held(usage: Usage) -> None:
    # no event from 1 November 2026 on, and no end: the range shows November, where each level still holds
    summary = usage.summary(date(2026, 11, 1))
    assert summary.months == ("2026-11",)
    found = {(t.contract, t.metric, t.month): (t.events, t.total) for t in summary.totals if t.metric == "disk"}
    # A-1's 130 GB since 10 February and B-2's 20 GB since 25 October, all November: 130 and 20
    assert found == {
        ("A-1", "disk", "2026-11"): (0, D(130)),
        ("A-1", "disk", None): (0, D(130)),
        ("B-2", "disk", "2026-11"): (0, D(20)),
        ("B-2", "disk", None): (0, D(20)),
        ("D-4", "disk", "2026-11"): (0, D(9)),
        ("D-4", "disk", None): (0, D(9)),
        ("E-5", "disk", "2026-11"): (0, D(0)),
        ("E-5", "disk", None): (0, D(0)),
    }
