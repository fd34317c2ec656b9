"""Per-event prices: each event's fee (percentage + fixed fee, held between a per-event minimum and
maximum) summed over the period, metered by hand against PerEvent requests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from compiler.billing.pricing.base import PerEvent
from runtime.usage import PeriodRequest, Usage, UsageError

from .helpers import csv, metric, read

D = Decimal
INF = D("Infinity")
MAR, APR, MAY = date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)
METRICS = (
    metric("volume", "sum", "amount", "payment.captured", negative=True),
    metric("calls", "count", None, "api.request"),
)
HEADER = "id,contract,event,timestamp,amount"
CARD = PerEvent(percent=D("1.4"), fee=D("2.00"), minimum=D("3.00"), maximum=D("50.00"))


@pytest.fixture(scope="module")
def usage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Usage]:
    folder = tmp_path_factory.mktemp("per_event")
    csv(
        folder,
        "events.csv",
        # A-1 in March: 100.00, 10.00 and 10 000.00
        "p1,A-1,payment.captured,2026-03-02T10:00:00+01:00,100.00",
        "p2,A-1,payment.captured,2026-03-03T10:00:00+01:00,10.00",
        "p3,A-1,payment.captured,2026-03-31T23:30:00+02:00,10000.00",  # 21:30Z: still 31 March in Oslo
        # 22:30Z on 31 March is 00:30 on 1 April in Oslo (summer time): April's
        "p4,A-1,payment.captured,2026-03-31T22:30:00Z,200.00",
        # B-2 in April: a refund, netted because the metric allows negative amounts
        "r1,B-2,payment.captured,2026-04-10T12:00:00+02:00,-100.00",
        "r2,B-2,payment.captured,2026-04-11T12:00:00+02:00,0.0000000001",
        "c1,A-1,api.request,2026-03-05T12:00:00+01:00,",
        header=HEADER,
    )
    with read(folder, metrics=METRICS) as opened:
        assert opened.report.problems == ()
        yield opened


def fees(usage: Usage, contract: str, start: date, end: date, price: PerEvent) -> Decimal:
    key = (contract, "volume", start, end, price)
    return usage.meter([key])[key]


def test_each_limit_and_the_fixed_fee(usage: Usage) -> None:
    # 100.00 x 1.4% + 2.00 = 3.40 (inside the limits)
    # 10.00 x 1.4% + 2.00 = 2.14, raised to the minimum 3.00
    # 10 000.00 x 1.4% + 2.00 = 142.00, capped at the maximum 50.00
    # 3.40 + 3.00 + 50.00 = 56.40
    assert fees(usage, "A-1", MAR, APR, CARD) == D("56.40")


def test_without_limits(usage: Usage) -> None:
    # 1.4% + 2.00 with neither limit: 3.40 + 2.14 + 142.00 = 147.54
    assert fees(usage, "A-1", MAR, APR, PerEvent(D("1.4"), D("2.00"), -INF, INF)) == D("147.54")
    # 1.4% alone: 1.40 + 0.14 + 140.00 = 141.54, the same as 1.4% of the sum 10 110.00
    assert fees(usage, "A-1", MAR, APR, PerEvent(D("1.4"), D(0), -INF, INF)) == D("141.54")


def test_only_a_minimum_or_only_a_maximum(usage: Usage) -> None:
    # min 3.00: 3.40 + 3.00 (2.14 raised) + 142.00 = 148.40
    assert fees(usage, "A-1", MAR, APR, PerEvent(D("1.4"), D("2.00"), D("3.00"), INF)) == D("148.40")
    # max 50.00: 3.40 + 2.14 + 50.00 (142.00 capped) = 55.54
    assert fees(usage, "A-1", MAR, APR, PerEvent(D("1.4"), D("2.00"), -INF, D("50.00"))) == D("55.54")
    # a minimum above every fee: 3 events x 200.00 = 600.00; a maximum below every fee: 3 x 1.00
    assert fees(usage, "A-1", MAR, APR, PerEvent(D("1.4"), D("2.00"), D("200.00"), INF)) == D("600.00")
    assert fees(usage, "A-1", MAR, APR, PerEvent(D("1.4"), D("2.00"), -INF, D("1.00"))) == D("3.00")


def test_oslo_dates_decide_the_period(usage: Usage) -> None:
    # p4 (22:30Z on 31 March) is April's: 200.00 x 1.4% + 2.00 = 4.80
    assert fees(usage, "A-1", APR, MAY, CARD) == D("4.80")
    # March and April together: 56.40 + 4.80
    assert fees(usage, "A-1", MAR, MAY, CARD) == D("61.20")


def test_a_period_without_events_pays_nothing_whatever_the_minimum(usage: Usage) -> None:
    assert fees(usage, "A-1", MAY, date(2026, 6, 1), CARD) == D(0)
    assert fees(usage, "C-3", MAR, APR, CARD) == D(0)  # no such contract in the usage


def test_negative_amounts_and_exact_tiny_fees(usage: Usage) -> None:
    # -100.00 x 1.4% + 2.00 = 0.60, raised to 3.00; 0.0000000001 x 1.4% + 2.00 = 2.0000000000014, raised to 3.00
    assert fees(usage, "B-2", APR, MAY, CARD) == D("6.00")
    # unclamped the fees are exact to 13 decimals: 0.60 + 2.0000000000014
    assert fees(usage, "B-2", APR, MAY, PerEvent(D("1.4"), D("2.00"), -INF, INF)) == D("2.6000000000014")
    # 1.25% of 0.0000000001 is 0.00000000000125, 14 decimals; -1.25 + 0.00000000000125
    assert fees(usage, "B-2", APR, MAY, PerEvent(D("1.25"), D(0), -INF, INF)) == D("-1.24999999999875")


def test_one_call_meters_totals_and_several_prices_keyed_as_asked(usage: Usage) -> None:
    bare = PerEvent(D("2"), D(0), -INF, INF)
    asked = [
        PeriodRequest("A-1", "volume", MAR, APR),
        ("A-1", "volume", MAR, APR, CARD),
        ("A-1", "volume", MAR, APR, bare),
        ("A-1", "calls", MAR, APR),
        ("B-2", "volume", APR, MAY, CARD),
    ]
    found = usage.meter(asked)
    assert list(found) == asked
    # 10 110.00 in all; 56.40 as above; 2% of each: 2.00 + 0.20 + 200.00; one call; B-2 as above
    assert list(found.values()) == [D("10110"), D("56.40"), D("202.20"), D(1), D("6.00")]
    assert str(found[asked[1]]) == "56.4"  # trailing zeros dropped, as for every total


def test_only_a_sum_metric_has_per_event_prices(usage: Usage) -> None:
    with pytest.raises(ValueError, match="needs a `sum` metric"):
        usage.meter([("A-1", "calls", MAR, APR, CARD)])


def test_a_rate_too_fine_to_compute_exactly_is_an_error(usage: Usage) -> None:
    # 1.123456789% is 0.01123456789, 11 decimals: with an amount's 10 the fee would need 21
    fine = PerEvent(D("1.123456789"), D(0), -INF, INF)
    with pytest.raises(UsageError, match="too many decimals") as raised:
        usage.meter([("A-1", "volume", MAR, APR, fine)])
    assert "at most 8 decimals" in raised.value.help
    # 8 decimals are fine: 1.12345678% of 10 110.00 is 113.5814804580 (rates are applied event by event:
    # 1.1234567800 + 0.1123456780 + 112.3456780000)
    ok = PerEvent(D("1.12345678"), D(0), -INF, INF)
    assert usage.meter([("A-1", "volume", MAR, APR, ok)])[("A-1", "volume", MAR, APR, ok)] == D("113.581480458")


def test_a_fee_too_large_for_the_finest_price_of_the_call_names_the_contract_metric_and_period(
    tmp_path: Path,
) -> None:
    largest = "999999999999999999.9999999999"  # 18 digits before the point, the most a value may have
    csv(tmp_path, "events.csv", f"big,A-1,payment.captured,2026-03-10T12:00:00+01:00,{largest}", header=HEADER)
    # 1.12345678% is 0.0112345678, 10 decimals: with an amount's 10, fees of this call have 20, leaving 18
    # before the point; 100% + 1.00 of the amount is 1 000 000 000 000 000 000.9999999999, 19 digits
    fine = PerEvent(D("1.12345678"), D(0), -INF, INF)
    whole = PerEvent(D(100), D("1.00"), -INF, INF)
    with read(tmp_path, metrics=METRICS) as opened, pytest.raises(UsageError) as raised:
        opened.meter([("A-1", "volume", MAR, APR, fine), ("A-1", "volume", MAR, APR, whole)])
    assert str(raised.value) == (
        "a fee per event on metric `volume` for contract A-1 from 2026-03-01 to 2026-03-31 "
        "does not fit in 18 digits before the point"
    )
    assert raised.value.help.startswith(f"its largest amount is {largest} (event `big`); fees are computed with 20")
