"""Events are dated in Europe/Oslo local time, across midnight and both DST changes.

2026: summer time starts 2026-03-29 at 01:00 UTC (02:00 CET -> 03:00 CEST) and
ends 2026-10-25 at 01:00 UTC (03:00 CEST -> 02:00 CET).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from .helpers import csv, read

CASES = [
    # (timestamp, local date)
    ("2026-03-31T22:30:00Z", date(2026, 4, 1)),  # 00:30 CEST
    ("2026-03-31T21:59:59Z", date(2026, 3, 31)),  # 23:59:59 CEST
    ("2026-03-31T22:00:00Z", date(2026, 4, 1)),  # midnight exactly belongs to the new day
    ("2026-01-31T23:00:00Z", date(2026, 2, 1)),  # 00:00 CET
    ("2026-01-31T22:59:59Z", date(2026, 1, 31)),
    ("2026-01-31T23:30:00+00:00", date(2026, 2, 1)),
    ("2026-02-01T04:29:00+05:30", date(2026, 1, 31)),  # 22:59 UTC, 23:59 CET: the date in the offset is not the date
    ("2026-01-31T18:00:00-06:00", date(2026, 2, 1)),  # 00:00 UTC, 01:00 CET
    # spring forward on 2026-03-29
    ("2026-03-28T22:59:59Z", date(2026, 3, 28)),  # 23:59:59 CET
    ("2026-03-28T23:00:00Z", date(2026, 3, 29)),  # 00:00 CET
    ("2026-03-29T00:59:59Z", date(2026, 3, 29)),  # 01:59:59 CET, just before the change
    ("2026-03-29T01:00:00Z", date(2026, 3, 29)),  # 03:00 CEST
    ("2026-03-29T21:59:59Z", date(2026, 3, 29)),  # 23:59:59 CEST: the 23-hour day ends
    ("2026-03-29T22:00:00Z", date(2026, 3, 30)),  # 00:00 CEST
    ("2026-03-29T23:30:00+01:00", date(2026, 3, 30)),  # 22:30 UTC is 00:30 CEST
    # fall back on 2026-10-25
    ("2026-10-24T21:59:59Z", date(2026, 10, 24)),  # 23:59:59 CEST
    ("2026-10-24T22:00:00Z", date(2026, 10, 25)),  # 00:00 CEST
    ("2026-10-25T00:30:00Z", date(2026, 10, 25)),  # 02:30 CEST, the first 02:30
    ("2026-10-25T01:30:00Z", date(2026, 10, 25)),  # 02:30 CET, the second
    ("2026-10-25T22:59:59Z", date(2026, 10, 25)),  # 23:59:59 CET: the 25-hour day ends
    ("2026-10-25T23:00:00Z", date(2026, 10, 26)),  # 00:00 CET
    ("2026-10-25T23:30:00+01:00", date(2026, 10, 25)),
]


@pytest.mark.parametrize(("timestamp", "local"), CASES)
def test_an_event_falls_on_its_oslo_date(tmp_path: Path, timestamp: str, local: date) -> None:
    csv(tmp_path, "e.csv", f"e1,A-1,api.request,{timestamp},,,")
    with read(tmp_path) as usage:
        assert not usage.report.problems
        totals = usage.meter(
            [
                ("A-1", "calls", local, local + timedelta(days=1)),
                ("A-1", "calls", local - timedelta(days=1), local),
                ("A-1", "calls", local + timedelta(days=1), local + timedelta(days=2)),
            ]
        )
    assert list(totals.values()) == [1, 0, 0]


def test_monthly_periods_split_at_oslo_midnight(tmp_path: Path) -> None:
    csv(
        tmp_path,
        "e.csv",
        "a,A-1,api.request,2026-03-31T21:30:00Z,,,",  # 23:30 on 31 March
        "b,A-1,api.request,2026-03-31T22:30:00Z,,,",  # 00:30 on 1 April
        "c,A-1,api.request,2026-04-30T21:59:00Z,,,",  # 23:59 on 30 April
        "d,A-1,api.request,2026-04-30T22:00:00Z,,,",  # 00:00 on 1 May
    )
    march = ("A-1", "calls", date(2026, 3, 1), date(2026, 4, 1))
    april = ("A-1", "calls", date(2026, 4, 1), date(2026, 5, 1))
    may = ("A-1", "calls", date(2026, 5, 1), date(2026, 6, 1))
    with read(tmp_path) as usage:
        assert usage.meter([march, april, may]) == {march: 1, april: 2, may: 1}
        assert usage.summary().months == ("2026-03", "2026-04", "2026-05")
