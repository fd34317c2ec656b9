"""Each aggregation against totals worked out by hand, and periods as one query."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from runtime.usage import PeriodRequest, Usage, meter_usage

from .helpers import CONTRACTS, METRICS, csv, read, total

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("usage")
    csv(
        tmp_path,
        "events.csv",
        # calls: A-1 has 3 in January (two event names), 1 in February; B-2 has 1
        "c1,A-1,api.request,2026-01-05T10:00:00+01:00,1,,",
        "c2,A-1,webhook.delivered,2026-01-06T10:00:00+01:00,,,",
        "c3,A-1,api.request,2026-01-31T12:00:00Z,1,,",
        "c4,A-1,api.request,2026-02-01T12:00:00Z,1,,",
        "c5,B-2,api.request,2026-01-10T12:00:00Z,1,,",
        # volume: 100.50 + 20.25 + 0.10 = 120.85 in January for A-1
        "p1,A-1,payment.captured,2026-01-02T09:00:00+01:00,1,100.50,",
        "p2,A-1,payment.captured,2026-01-03T09:00:00+01:00,1,20.25,",
        "p3,A-1,payment.captured,2026-01-04T09:00:00+01:00,1,0.10,",
        "p4,A-1,payment.captured,2026-02-04T09:00:00+01:00,1,-5,",
        # storage: max 640 in January (a later smaller snapshot does not lower it)
        "s1,A-1,storage.snapshot,2026-01-01T03:00:00+01:00,600,,",
        "s2,A-1,storage.snapshot,2026-01-08T03:00:00+01:00,640,,",
        "s3,A-1,storage.snapshot,2026-01-15T03:00:00+01:00,610.5,,",
        # users: u1 twice, u2, u3 -> 3 distinct in January; u1 again in February -> 1
        "l1,A-1,login,2026-01-02T08:00:00+01:00,,,u1",
        "l2,A-1,login,2026-01-03T08:00:00+01:00,,,u1",
        "l3,A-1,login,2026-01-04T08:00:00+01:00,,,u2",
        "l4,A-1,login,2026-01-05T08:00:00+01:00,,,u3",
        "l5,A-1,login,2026-02-05T08:00:00+01:00,,,u1",
        # seats: the last by time is 25 (written before 30 in the file, but later)
        "q2,A-1,seats.set,2026-01-20T10:00:00+01:00,25,,",
        "q1,A-1,seats.set,2026-01-10T10:00:00+01:00,30,,",
        # equal times: the greater id (q4) is the latest
        "q4,B-2,seats.set,2026-01-10T10:00:00+01:00,7,,",
        "q3,B-2,seats.set,2026-01-10T09:00:00Z,9,,",
    )
    return tmp_path


@pytest.fixture(scope="module")
def usage(folder: Path) -> Iterator[Usage]:
    with read(folder) as opened:
        yield opened


@pytest.mark.parametrize(
    ("contract", "metric", "start", "end", "expected"),
    [
        ("A-1", "calls", JAN, FEB, "3"),
        ("A-1", "calls", FEB, MAR, "1"),
        ("A-1", "calls", JAN, MAR, "4"),
        ("B-2", "calls", JAN, FEB, "1"),
        ("A-1", "volume", JAN, FEB, "120.85"),
        ("A-1", "volume", JAN, MAR, "115.85"),
        ("A-1", "storage", JAN, FEB, "640"),
        ("A-1", "users", JAN, FEB, "3"),
        ("A-1", "users", FEB, MAR, "1"),
        ("A-1", "users", JAN, MAR, "3"),
        ("A-1", "seats", JAN, FEB, "25"),
        ("B-2", "seats", JAN, FEB, "7"),
        ("A-1", "calls", date(2026, 1, 6), date(2026, 1, 7), "1"),
    ],
)
def test_each_aggregation_matches_the_hand_computed_total(
    usage: Usage, contract: str, metric: str, start: date, end: date, expected: str
) -> None:
    assert not usage.report.problems
    assert str(total(usage, contract, metric, start, end)) == expected


def test_periods_without_events_are_zero(usage: Usage) -> None:
    for metric in ("calls", "volume", "storage", "users", "seats"):
        assert total(usage, "B-2", metric, MAR, date(2026, 4, 1)) == 0
    assert total(usage, "NOT-A-CONTRACT", "calls", JAN, FEB) == 0


def test_many_periods_in_one_call_keyed_by_the_request_as_given(folder: Path) -> None:
    plain = ("A-1", "volume", JAN, FEB)
    named = PeriodRequest("A-1", "calls", JAN, FEB)
    with read(folder) as usage:
        totals = usage.meter([plain, named, plain])
    assert list(totals) == [plain, named]
    assert totals[plain] == Decimal("120.85") and totals[named] == 3
    assert totals[PeriodRequest(*plain)] == Decimal("120.85")  # a PeriodRequest is that tuple


def test_meter_usage_reads_and_meters_in_one_call(folder: Path) -> None:
    request = PeriodRequest("A-1", "storage", JAN, FEB)
    result = meter_usage(folder, METRICS, CONTRACTS, [request])
    assert result.totals == {request: Decimal(640)}
    assert result.report.events == 21 and not result.report.blocking


def test_a_request_for_an_unknown_metric_or_an_empty_period_is_a_programming_error(folder: Path) -> None:
    with read(folder) as usage:
        with pytest.raises(ValueError, match="no metric `nope`"):
            usage.meter([("A-1", "nope", JAN, FEB)])
        with pytest.raises(ValueError, match="is empty"):
            usage.meter([("A-1", "calls", FEB, JAN)])
        assert usage.meter([]) == {}


def test_summary_totals_per_month_and_over_the_range(folder: Path) -> None:
    with read(folder) as usage:
        summary = usage.summary()
        ranged = usage.summary(FEB, MAR)
    rows = {(t.contract, t.metric, t.month): (t.events, t.total) for t in summary.totals}
    assert summary.months == ("2026-01", "2026-02")
    assert rows[("A-1", "users", "2026-01")] == (4, Decimal(3))
    assert rows[("A-1", "users", "2026-02")] == (1, Decimal(1))
    assert rows[("A-1", "users", None)] == (5, Decimal(3))  # distinct over the range, not 3 + 1
    assert rows[("A-1", "volume", None)] == (4, Decimal("115.85"))
    assert rows[("A-1", "storage", None)] == (3, Decimal(640))
    keys = [(t.contract, t.metric, t.month or "~") for t in summary.totals]
    assert keys == sorted(keys)
    assert {(t.contract, t.metric, t.month) for t in ranged.totals} == {
        ("A-1", "calls", "2026-02"),
        ("A-1", "calls", None),
        ("A-1", "volume", "2026-02"),
        ("A-1", "volume", None),
        ("A-1", "users", "2026-02"),
        ("A-1", "users", None),
    }
