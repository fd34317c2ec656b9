"""Revenue of a prepaid credit (docs/revenue.md, "Prepaid credit"): under IFRS 15 usage is revenue as it is
consumed, at its full price, and the credit and its drawdowns are revenue when the year's credit expires, so that
what they add up to, the unused balance, is breakage (¶B44-B47); under `invoiced` every invoice line is revenue
over its own service period. Figures hand-computed beside each case; VAT 25 %."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from compiler.model import Accounts
from runtime.billing.expected import UsageKey
from runtime.billing.run import apply
from runtime.ledger.store import Ledger
from runtime.revenue.journal import journal
from runtime.revenue.recognition import recognise, usage_requests
from runtime.revenue.records import Recognised
from tests.factories.workspaces import contract, workspace

D = Decimal
API = '  charge api "API" {\n    usage calls\n    per_unit 2.00\n  }\n'
ENDED = '\n  amendment 1 "Oppsagt" signed 2026-05-10 effective 2026-05-01 {\n    terminate\n  }'


def by_month(**calls: int) -> dict[date, Decimal]:
    """Calls per month of 2026: by_month(jan=1000)."""
    names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    return {date(2026, names.index(name) + 1, 1): D(total) for name, total in calls.items()}


def meter_of(calls: Mapping[date, Decimal]):  # type: ignore[no-untyped-def]
    """A meter over whole months of `calls`: a request sums the months it covers."""

    def meter(requests: Sequence[UsageKey]) -> dict[UsageKey, Decimal]:
        found: dict[UsageKey, Decimal] = {}
        for key in requests:
            start, end = key[2], key[3]
            assert start.day == 1 and end.day == 1, key
            found[key] = sum((v for first, v in calls.items() if start <= first < end), D(0))
        return found

    return meter


def table(records: list[Recognised]) -> dict[tuple[str, str], Decimal]:
    return {(r.obligation, f"{r.month:%Y-%m}"): r.amount for r in records}


def ifrs15(body: str, calls: Mapping[date, Decimal], through: date) -> dict[tuple[str, str], Decimal]:
    ws = workspace(contract(body))
    usage = meter_of(calls)(usage_requests(ws, through))
    return table(recognise(ws, [], usage, through))


def test_a_year_with_breakage_is_usage_as_consumed_and_the_unused_credit_when_it_expires() -> None:
    body = API + "  prepaid 10_000.00 per contract year on api"
    calls = by_month(jan=1_000, feb=1_500)
    # January 1,000 x 2.00 = 2,000, February 1,500 x 2.00 = 3,000: revenue as consumed, at the full price.
    # The credit (10,000) and its drawdowns (-2,000, -3,000) are revenue when the year ends: 5,000 of breakage
    # in December, the last month of the contract year
    assert ifrs15(body, calls, date(2026, 12, 31)) == {
        ("api", "2026-01"): D("2000.00"),
        ("api", "2026-02"): D("3000.00"),
        ("prepaid credit", "2026-12"): D("5000.00"),
    }
    # before the year ends the unused 5,000 is a contract liability, not revenue
    assert ifrs15(body, calls, date(2026, 11, 30)) == {
        ("api", "2026-01"): D("2000.00"),
        ("api", "2026-02"): D("3000.00"),
    }


def test_a_credit_used_up_leaves_no_breakage_and_overage_is_usage() -> None:
    body = API + "  prepaid 3_000.00 per contract year on api"
    # 2,000 + 2,000 consumed; the credit 3,000 - 2,000 - 1,000 drawn = 0 left: no breakage. Revenue 4,000 in all,
    # what is billed: the credit 3,000 and 1,000 of overage
    assert ifrs15(body, by_month(jan=1_000, feb=1_000), date(2026, 12, 31)) == {
        ("api", "2026-01"): D("2000.00"),
        ("api", "2026-02"): D("2000.00"),
    }


def test_a_termination_inside_the_year_recognises_the_breakage_when_the_contract_ends() -> None:
    body = API + "  prepaid 10_000.00 per contract year on api" + ENDED
    # January to April 1,000 calls each: 4 x 2,000 = 8,000 consumed; 10,000 - 8,000 = 2,000 expires with the
    # contract on 1 May: breakage in April, its last month
    found = ifrs15(
        body.replace("term 12 months", "term 36 months"),
        by_month(jan=1_000, feb=1_000, mar=1_000, apr=1_000),
        date(2026, 6, 30),
    )
    assert found[("prepaid credit", "2026-04")] == D("2000.00")
    assert sum(found.values()) == D("10000.00")


def test_the_journal_balances_and_a_year_ends_with_nothing_deferred(tmp_path: Path) -> None:
    ws = workspace(contract(API + "  prepaid 10_000.00 per contract year on api"))
    calls = by_month(jan=1_000, feb=1_500)
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        apply(ws, ledger, meter_of(calls), date(2027, 1, 1))
        documents = ledger.documents()
    through = date(2026, 12, 31)
    records = recognise(ws, documents, meter_of(calls)(usage_requests(ws, through)), through)
    entries = journal(documents, records, Accounts(), date(2000, 1, 1), date(2100, 1, 1))
    balance: dict[int, Decimal] = defaultdict(Decimal)
    for entry in entries:
        assert sum(x.debit for x in entry.lines) == sum(x.credit for x in entry.lines), entry.id
        for x in entry.lines:
            balance[x.account] += x.debit - x.credit
    # billed net 10,000 (the credit; usage 5,000 and drawdowns -5,000) = recognised 2,000 + 3,000 + 5,000 of
    # breakage: nothing is left on deferred revenue (2965) or unbilled (1530); revenue (3020) is credited 10,000
    assert (balance[2965], balance[1530], balance[3020]) == (D(0), D(0), D("-10000.00"))
    assert balance[1500] == D("12500.00")  # receivable: 10,000 + 25 % VAT


def test_the_invoiced_policy_recognises_every_line_over_its_service_period(tmp_path: Path) -> None:
    text = contract(API + "  prepaid 10_000.00 per contract year on api\n  revenue_policy invoiced")
    ws = workspace(text)
    calls = by_month(jan=1_000)
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        apply(ws, ledger, meter_of(calls), date(2026, 2, 1))
        documents = ledger.documents()
    found = table(recognise(ws, documents, {}, date(2026, 1, 31)))
    # the credit over its contract year by days: 10,000 x 31/365 = 849.315... = 849.32 in January; January's usage
    # 2,000 and its drawdown -2,000 over January: 0
    assert found == {("prepaid credit", "2026-01"): D("849.32")}


def test_under_the_invoiced_policy_a_terminated_contracts_credit_ends_with_it(tmp_path: Path) -> None:
    body = API + "  prepaid 3_650.00 per contract year on api\n  revenue_policy invoiced" + ENDED
    ws = workspace(contract(body))
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        apply(ws, ledger, meter_of({}), date(2026, 1, 1))
        documents = ledger.documents()
    found = table(recognise(ws, documents, {}, date(2026, 12, 31)))
    # the line keeps its contract year (2026-01-01 to 2027-01-01) and its 3,650.00, but the contract ends on 1 May:
    # 3,650 over the 120 days it lasts (31 + 28 + 31 + 30), 30.4166... a day: January 31 days = 942.916... = 942.92,
    # to February 59 days: 1,794.58 - 942.92 = 851.66, to March 90 days: 2,737.50 - 1,794.58 = 942.92, April the rest
    # 3,650 - 2,737.50 = 912.50; nothing after April
    assert found == {
        ("prepaid credit", "2026-01"): D("942.92"),
        ("prepaid credit", "2026-02"): D("851.66"),
        ("prepaid credit", "2026-03"): D("942.92"),
        ("prepaid credit", "2026-04"): D("912.50"),
    }
