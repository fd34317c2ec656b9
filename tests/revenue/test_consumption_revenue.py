"""Revenue (IFRS 15, as consumed) of prices that follow consumption: a price per event is recognised at what its
events' fees add up to, and a usage period that runs across a month end is split by what was used in each month,
which for an averaged gauge is its level times its days, not the level alone. Figures hand-computed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from runtime.billing.expected import UsageKey
from runtime.revenue.recognition import recognise, usage_requests
from tests.factories.workspaces import PRELUDE, contract, workspace

D = Decimal


def revenue(ws_text: str, prelude: str, metered: Mapping[tuple[object, ...], Decimal], through: date) -> dict[str, D]:
    ws = workspace(ws_text, prelude)
    wanted: Sequence[UsageKey] = usage_requests(ws, through)
    missing = [key for key in wanted if key[1:] not in metered]
    assert not missing, missing
    usage = {key: metered[key[1:]] for key in wanted}
    return {f"{r.obligation} {r.month:%Y-%m}": r.amount for r in recognise(ws, [], usage, through)}


def test_a_price_per_event_is_revenue_at_the_sum_of_its_event_fees() -> None:
    prelude = PRELUDE + '\nmetric paid "Betalt" { events "card.paid"  sum amount }\n'
    body = '  charge card "Kort" {\n    usage paid\n    percentage 1.4% + 2.00 per event min 3.00 per event\n  }'
    ws = workspace(contract(body), prelude)
    [per_event] = [key for key in usage_requests(ws, date(2026, 2, 1)) if len(key) == 5]
    january = (date(2026, 1, 1), date(2026, 2, 1))
    # January's events: 100.00 and 1 000.00 paid; fees 1.4 % + 2.00 each, at least 3.00:
    # 3.40 + 16.00 = 19.40 (what the usage store sums per event)
    metered = {("paid", *january): D("1100"), ("paid", *january, per_event[4]): D("19.40")}
    assert revenue(contract(body), prelude, metered, date(2026, 2, 1)) == {"card 2026-01": D("19.40")}


def test_an_averaged_gauge_splits_a_period_across_months_by_level_times_days() -> None:
    prelude = PRELUDE + '\nmetric storage "Lagring" { events "storage.level"  time_weighted gb }\n'
    body = '  charge storage "Lagring" {\n    usage storage\n    per_unit 1.00\n  }'
    text = contract(body, start="2026-01-15")
    # one period, 15 January to 14 February: 100 GB for the 17 days of January, 200 GB for the 14 of February,
    # so the period's average is (100 x 17 + 200 x 14) / 31 = 4 500 / 31 = 145.1612903226 GB, billed 145.16.
    metered = {
        ("storage", date(2026, 1, 15), date(2026, 2, 15)): D("145.1612903226"),
        ("storage", date(2026, 1, 15), date(2026, 2, 1)): D("100"),
        ("storage", date(2026, 2, 1), date(2026, 2, 15)): D("200"),
    }
    # split 1 700 : 2 800 GB-days: 145.16 x 17/45 = 54.838..., 145.16 x 28/45 = 90.321...; the øre left over goes
    # to the larger remainder (January). By the levels alone (100 : 200) January would get 48.39.
    assert revenue(text, prelude, metered, date(2026, 2, 28)) == {
        "storage 2026-01": D("54.84"),
        "storage 2026-02": D("90.32"),
    }


def test_a_peak_splits_by_days_since_peaks_do_not_add_up() -> None:
    prelude = PRELUDE + '\nmetric users "Brukere" { events "users.level"  peak users }\n'
    body = '  charge users "Brukere" {\n    usage users\n    per_unit 10.00\n  }'
    text = contract(body, start="2026-01-15")
    # the period's peak is 30 users: 300.00, split by days 17 : 14 = 164.516... and 135.483...
    metered = {
        ("users", date(2026, 1, 15), date(2026, 2, 15)): D("30"),
        ("users", date(2026, 1, 15), date(2026, 2, 1)): D("30"),
        ("users", date(2026, 2, 1), date(2026, 2, 15)): D("12"),
    }
    assert revenue(text, prelude, metered, date(2026, 2, 28)) == {
        "users 2026-01": D("164.52"),
        "users 2026-02": D("135.48"),
    }
