"""The remaining schedule (`avtale revenue waterfall` past --as-of) and the remaining performance obligations
(`avtale revenue balances`) of an `invoiced` contract and of contracts with an amendment that takes effect after
the cut-off: worked out by hand here, end to end through the command line.

Every contract runs a year from 1 January 2026 (365 days, no renewal) and the reports are as of 30 June 2026, so
July 2026 on is scheduled. Ratably daily, the revenue before a day is round(price x days since 1 January / 365);
the days before the 1st of July to January are 181, 212, 243, 273, 304, 334, 365.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from compiler.revenue.plan import known_plan, revenue_plan
from runtime.revenue.recognition import cutoff
from runtime.revenue.reports_schedule import remaining_schedule
from runtime.revenue.workers import recognise_with_schedule
from tests.factories.cli import bill, run
from tests.factories.workspaces import PRELUDE, contract
from tests.factories.workspaces import workspace as checked

D = Decimal


HEAD = """
contract C-1 {
  customer buyer
  signed 2026-01-01
  start 2026-01-01
  term 12 months
  no renewal
"""

PLATFORM = """
  charge platform "Plattform" {
    flat 1_200.00 per month
  }
"""

MONTHS = ("2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12")
# 14,400.00 over 2026 by days, as it stands with no amendment: 7,140.82 before July (14,400 x 181/365 = 7,140.82);
# July 8,363.84 - 7,140.82 (x 212/365 = 8,363.84), August 9,586.85 - 8,363.84, September 10,770.41 - 9,586.85,
# October 11,993.42 - 10,770.41, November 13,176.99 - 11,993.42, December 14,400.00 - 13,176.99.
AS_SIGNED = ("1223.02", "1223.01", "1183.56", "1223.01", "1183.57", "1223.01")


def workspace(root: Path, body: str) -> Path:
    root.mkdir(parents=True)
    (root / "avtale.toml").write_text("", encoding="utf-8")
    (root / "seller.avt").write_text(PRELUDE, encoding="utf-8")
    (root / "c-1.avt").write_text(HEAD + body + "}\n", encoding="utf-8")
    return root


def ok(root: Path, *args: str) -> str:
    code, out, err = run(root, *args)
    assert code == 0, out + err
    return out


def scheduled(root: Path, as_of: str = "2026-06-30") -> dict[str, tuple[str, str]]:
    """C-1's July to December in the waterfall: month -> (amount, catch-up part), each month scheduled."""
    out = ok(root, "revenue", "waterfall", "--from", "2026-07", "--to", "2026-12", "--as-of", as_of, "--csv")
    rows = [row for row in csv.DictReader(io.StringIO(out)) if row["contract"] == "C-1"]
    assert {row["status"] for row in rows} == {"scheduled"}
    found: dict[str, tuple[D, D]] = {}
    for row in rows:  # one row per obligation and month: add the obligations up
        amount, catch_up = found.get(row["month"], (D(0), D(0)))
        found[row["month"]] = (amount + D(row["amount"]), catch_up + D(row["catch_up"]))
    return {month: (f"{a:.2f}", f"{c:.2f}") for month, (a, c) in found.items()}


def balance(root: Path, at: str = "2026-06-30") -> dict[str, str]:
    out = ok(root, "revenue", "balances", "--at", at, "--csv")
    (row,) = [row for row in csv.DictReader(io.StringIO(out)) if row["contract"] == "C-1"]
    return row


TERMINATED = """
  amendment 1 "Oppsigelse" signed {signed} effective 2026-09-01 {{
    terminate
  }}
"""


# ------------------------------------------------------------------ the invoiced policy
INVOICED = """
  revenue_policy invoiced
  charge platform "Plattform" {
    flat 1_000.00 per month
  }
  charge licence "Lisens" {
    flat 3_650.00 per year
    billed yearly in advance
  }
"""


def test_an_invoiced_contract_schedules_what_is_still_to_bill(tmp_path: Path) -> None:
    """Each line is revenue over its own service period: the monthly 1,000.00 lines of July to December, not
    billed by 30 June, are 1,000.00 in their months; the yearly licence (3,650.00 for 365 days, 10.00 a day),
    billed on 1 January, is 310.00 in a 31-day month and 300.00 in a 30-day one."""
    root = bill(workspace(tmp_path / "ws", INVOICED), "2026-06-30")
    assert scheduled(root) == {
        "2026-07": ("1310.00", "0.00"),
        "2026-08": ("1310.00", "0.00"),
        "2026-09": ("1300.00", "0.00"),
        "2026-10": ("1310.00", "0.00"),
        "2026-11": ("1300.00", "0.00"),
        "2026-12": ("1310.00", "0.00"),
    }
    # billed by 30 June: six months of 1,000.00 and the year's licence, 6,000.00 + 3,650.00 = 9,650.00;
    # recognised January to June: 6,000.00 + 181 days x 10.00 = 7,810.00; deferred 9,650.00 - 7,810.00 = 1,840.00;
    # remaining: 6 x 1,000.00 + 184 days x 10.00 = 7,840.00, all within 12 months.
    found = balance(root)
    assert (found["billed"], found["recognised"], found["liability"], found["asset"]) == (
        "9650.00",
        "7810.00",
        "1840.00",
        "0.00",
    )
    assert (found["within_12_months"], found["later"]) == ("7840.00", "0.00")


def test_an_invoiced_contract_without_a_ledger_still_has_its_obligations(tmp_path: Path) -> None:
    """Nothing is billed, so nothing is recognised yet; what billing will bill from July on is still contracted."""
    found = balance(workspace(tmp_path / "ws", INVOICED))
    # the monthly lines of July to December, 6,000.00, and the licence's 184 days from July, 1,840.00
    assert (found["billed"], found["recognised"], found["within_12_months"]) == ("0.00", "0.00", "7840.00")


def test_a_termination_signed_before_the_cut_off_ends_the_schedule(tmp_path: Path) -> None:
    """Signed 15 May, effective 1 September: the price becomes what billing bills to then, 8 x 1,200.00 =
    9,600.00. July is as signed; 9,586.85 is recognised before 1 September as signed, and what is left,
    9,600.00 - 9,586.85 = 13.15, on 31 August, the last day of service (¶39): August 1,223.01 + 13.15 =
    1,236.16; nothing in September, a month without service, or after."""
    root = workspace(tmp_path / "ws", PLATFORM + TERMINATED.format(signed="2026-05-15"))
    assert scheduled(root) == {
        "2026-07": ("1223.02", "0.00"),
        "2026-08": ("1236.16", "0.00"),
        "2026-09": ("0.00", "0.00"),
        "2026-10": ("0.00", "0.00"),
        "2026-11": ("0.00", "0.00"),
        "2026-12": ("0.00", "0.00"),
    }
    # remaining: 9,600.00 - 7,140.82 = 2,459.18 (1,223.02 + 1,236.16), not the year's 7,259.18
    found = balance(root)
    assert (found["recognised"], found["within_12_months"], found["later"]) == ("7140.82", "2459.18", "0.00")
    # at the end of August the service is over: all 9,600.00 is recognised and nothing remains (13.15 did)
    found = balance(root, "2026-08-31")
    assert (found["recognised"], found["within_12_months"], found["later"]) == ("9600.00", "0.00", "0.00")


def test_a_termination_signed_after_the_as_of_date_is_not_known_then(tmp_path: Path) -> None:
    """Signed 15 July: on 30 June (and 14 July) the contract still runs the year; from 15 July it is known."""
    root = workspace(tmp_path / "ws", PLATFORM + TERMINATED.format(signed="2026-07-15"))
    assert scheduled(root) == {month: (amount, "0.00") for month, amount in zip(MONTHS, AS_SIGNED, strict=True)}
    assert balance(root)["within_12_months"] == "7259.18"  # 14,400.00 - 7,140.82
    assert balance(root, "2026-07-14")["within_12_months"] == "7259.18"
    assert balance(root, "2026-07-15")["within_12_months"] == "2459.18"
    july = scheduled(root, as_of="2026-07-15")  # July has not ended: scheduled, with the termination known
    # August 1,223.01 as signed + the 13.15 left on its last day of service (see the test above)
    assert (july["2026-08"], july["2026-09"]) == (("1236.16", "0.00"), ("0.00", "0.00"))


@pytest.mark.parametrize("signed", ["2026-06-10", "2026-06-30"])
def test_a_catch_up_amendment_known_at_the_cut_off(tmp_path: Path, signed: str) -> None:
    """1,500.00 a month from 1 October, signed by 30 June, accounted for by catch-up: the price becomes
    9 x 1,200.00 + 3 x 1,500.00 = 15,300.00. As if agreed from the start, 15,300.00 x 273/365 = 11,443.56
    is recognised before October against 10,770.41 as signed: a catch-up of 673.15 in October. Then
    15,300.00 x 304/365 = 12,743.01 and x 334/365 = 14,000.55 before November and December: October
    673.15 + 12,743.01 - 11,443.56 = 1,972.60, November 14,000.55 - 12,743.01 = 1,257.54, December
    15,300.00 - 14,000.55 = 1,299.45."""
    amendment = f"""
  amendment 1 "Ny pris" signed {signed} effective 2026-10-01 {{
    platform price 1_500.00
    accounting catch_up
  }}
"""
    root = workspace(tmp_path / "ws", PLATFORM + amendment)
    assert scheduled(root) == {
        "2026-07": ("1223.02", "0.00"),
        "2026-08": ("1223.01", "0.00"),
        "2026-09": ("1183.56", "0.00"),
        "2026-10": ("1972.60", "673.15"),
        "2026-11": ("1257.54", "0.00"),
        "2026-12": ("1299.45", "0.00"),
    }
    assert balance(root)["within_12_months"] == "8159.18"  # 15,300.00 - 7,140.82
    out = ok(root, "revenue", "waterfall", "--from", "2026-10", "--to", "2026-10", "--as-of", "2026-06-30", "--json")
    assert "cumulative catch-up" in out and "amendment 1" in out  # listed with its reason, as once October ends


def test_an_extension_known_at_the_cut_off_is_remaining_beyond_twelve_months(tmp_path: Path) -> None:
    """`term 24 months` signed 10 June, effective 1 January 2027: prospectively, the year 2027's 12 x 1,200.00 =
    14,400.00 is recognised over its 365 days. Remaining at 30 June: 2026's 7,259.18, and 2027 before July
    14,400.00 x 181/365 = 7,140.82 within 12 months (14,400.00 together); the rest of 2027, 14,400.00 - 7,140.82
    = 7,259.18, later."""
    amendment = """
  amendment 1 "Forlenget" signed 2026-06-10 effective 2027-01-01 {
    term 24 months
  }
"""
    root = workspace(tmp_path / "ws", PLATFORM + amendment)
    found = balance(root)
    assert (found["within_12_months"], found["later"]) == ("14400.00", "7259.18")


def test_an_invoiced_contract_terminated_after_the_cut_off(tmp_path: Path) -> None:
    """Terminated from 1 September, signed 15 May: billing bills the licence for 1 January to 1 September only,
    243 days x 10.00 = 2,430.00, and no month after August. Once the year is billed, the months recognised are
    the ones scheduled on 30 June."""
    root = bill(workspace(tmp_path / "ws", INVOICED + TERMINATED.format(signed="2026-05-15")), "2026-06-30")
    expected = {"2026-07": ("1310.00", "0.00"), "2026-08": ("1310.00", "0.00")}
    expected |= {month: ("0.00", "0.00") for month in MONTHS[2:]}
    assert scheduled(root) == expected
    # billed 6,000.00 + 2,430.00 = 8,430.00; recognised 6,000.00 + 181 x 10.00 = 7,810.00; deferred 620.00;
    # remaining: July and August, 2 x 1,000.00 + 62 days x 10.00 = 2,620.00
    found = balance(root)
    assert (found["billed"], found["recognised"], found["liability"]) == ("8430.00", "7810.00", "620.00")
    assert (found["within_12_months"], found["later"]) == ("2620.00", "0.00")
    ok(root, "bill", "--as-of", "2026-12-31", "--apply")
    out = ok(root, "revenue", "waterfall", "--from", "2026-07", "--to", "2026-12", "--as-of", "2026-12-31", "--csv")
    recognised: dict[str, D] = {}
    for row in csv.DictReader(io.StringIO(out)):
        recognised[row["month"]] = recognised.get(row["month"], D(0)) + D(row["amount"])
    assert {month: (f"{amount:.2f}", "0.00") for month, amount in recognised.items()} == expected


def test_the_schedule_in_one_process_takes_the_as_of_day_too() -> None:
    """`remaining_schedule` with `known` is what the reports' worker path gives; without it, the terms known at
    the end of the last month that has ended. The termination is signed 15 July: 2,459.18 remain as of that day,
    7,259.18 as of 30 June (the figures above)."""
    ws = checked(contract(PLATFORM + TERMINATED.format(signed="2026-07-15"), term="term 12 months\n  no renewal"))
    through = date(2026, 7, 15)
    known = remaining_schedule(ws, cutoff(through), known=through)
    assert known == recognise_with_schedule(ws, [], {}, through, True)[1]
    assert sum(r.amount for r in known) == D("2459.18")
    assert sum(r.amount for r in remaining_schedule(ws, cutoff(through))) == D("7259.18")
    # before the signing day the plan is the one the engine makes to the same horizon
    c1 = ws.contracts["C-1"]
    assert known_plan(c1, ws, date(2026, 7, 1), date(2026, 7, 14)) == revenue_plan(c1, ws, date(2026, 7, 1))
    assert known_plan(c1, ws, date(2026, 7, 1), through) != revenue_plan(c1, ws, date(2026, 7, 1))


# ------------------------------------------------------------------ renewals the customer can no longer refuse
RENEWING = """
contract C-1 {{
  customer buyer
  signed 2026-01-01
  start 2026-01-01
  {renewal}
{charge}}}
"""


def renewing(root: Path, renewal: str, charge: str = PLATFORM) -> Path:
    root.mkdir(parents=True)
    (root / "avtale.toml").write_text("", encoding="utf-8")
    (root / "seller.avt").write_text(PRELUDE, encoding="utf-8")
    (root / "c-1.avt").write_text(RENEWING.format(renewal=renewal, charge=charge), encoding="utf-8")
    return root


def remaining(root: Path, at: str) -> tuple[str, str]:
    found = balance(root, at)
    return found["within_12_months"], found["later"]


def test_a_renewal_is_remaining_once_its_notice_deadline_has_passed(tmp_path: Path) -> None:
    """`renew 12 months notice 3 months`: the 2027 term can be refused until 1 October 2026 (1 January less
    3 months); after the end of that day it is enforceable (¶11) and part of the remaining obligations.
    The months ended by then are January to September: 14,400 x 273/365 = 10,770.41 recognised, so 2026 leaves
    14,400.00 - 10,770.41 = 3,629.59 (October to December, 92 days). From 1 October 2027's 14,400.00 is
    remaining too: 14,400 x 273/365 = 10,770.41 of it in the months ending within 12 months (January to
    September 2027), 3,629.59 later. Within 12 months: 3,629.59 + 10,770.41 = 14,400.00."""
    root = renewing(tmp_path / "ws", "term 12 months\n  renew 12 months notice 3 months")
    assert remaining(root, "2026-09-30") == ("3629.59", "0.00")  # the deadline has not passed: 2026 only
    assert remaining(root, "2026-10-01") == ("14400.00", "3629.59")  # it passes at the end of that day
    assert remaining(root, "2026-10-15") == ("14400.00", "3629.59")  # was 3,629.59 and 0.00


def test_a_notice_given_keeps_the_renewal_out(tmp_path: Path) -> None:
    """Terminated at the end of the term by a notice signed on the deadline: nothing is bound past 2026."""
    notice = '  amendment 1 "Oppsigelse" signed 2026-10-01 effective 2027-01-01 {\n    terminate\n  }\n'
    root = renewing(tmp_path / "ws", "term 12 months\n  renew 12 months notice 3 months", PLATFORM + notice)
    assert remaining(root, "2026-10-15") == ("3629.59", "0.00")


def test_an_evergreen_contract_is_bound_one_notice_period_from_the_day(tmp_path: Path) -> None:
    """`evergreen notice 3 months`, 1,200.00 a month: on 15 October 2026 the earliest end is a notice signed
    16 October, effective 16 January 2027, so the customer is bound to 15 January. Remaining: October to
    December, 3 x 1,200.00 = 3,600.00 by days (1,213.04, 1,173.92 and 1,213.04, 3,600 x 31/92 and so on), and
    1 to 15 January, billed 1,200 x 15/31 = 580.65: 4,180.65. (It was 0.00: the engine's notice periods from
    the start end on 1 October.) On 30 September the bound is 1 January: 3,600.00."""
    root = renewing(tmp_path / "ws", "evergreen notice 3 months")
    assert remaining(root, "2026-10-15") == ("4180.65", "0.00")
    assert remaining(root, "2026-09-30") == ("3600.00", "0.00")


PRICE_RISE = """
  amendment 1 "Pris" signed 2026-09-20 effective {effective} {{
    platform price 1_500.00
  }}
"""


@pytest.mark.parametrize("effective", ["2026-09-01", "2026-09-02"])
@pytest.mark.parametrize(("policy", "remaining"), [("", "4813.15"), ("  revenue_policy invoiced\n", "4800.00")])
def test_a_price_change_on_the_first_signed_later_is_not_known_yet(
    tmp_path: Path, effective: str, policy: str, remaining: str
) -> None:
    """A rise to 1,500.00 from 1 or 2 September, signed 20 September, is not known on 10 September, whether or
    not it takes effect on the 1st (only a termination on the 1st is held whenever signed: it moves the last
    øre into August). IFRS 15: 14,400.00 - 9,586.85 recognised by 31 August (x 243/365) = 4,813.15; invoiced:
    four months of 1,200.00 = 4,800.00. (It once counted 4 x 300.00 more when effective on the 1st.)"""
    body = policy + PLATFORM + PRICE_RISE.format(effective=effective)
    root = workspace(tmp_path / "ws", body)
    assert balance(root, "2026-09-10")["within_12_months"] == remaining


YEARLY = """
  revenue_policy invoiced
  charge platform "Plattform" {
    flat 1_200.00 per month
    billed yearly in advance
  }
"""

MONTHLY = """
  revenue_policy invoiced
  charge platform "Plattform" {
    flat 1_200.00 per month
  }
"""


@pytest.mark.parametrize(
    ("charge", "expected"),
    [
        # 2026's line over October to December: 14,400 x 92/365 = 3,629.59; 2027's yearly line only to the bound
        # (15 January: a notice of 16 October ends it on 16 January), by days: 14,400 x 15/365 = 591.78
        (YEARLY, "4221.37"),
        # October to December, 3 x 1,200.00 = 3,600.00; January's line to the 15th: 1,200 x 15/31 = 580.65
        (MONTHLY, "4180.65"),
    ],
)
def test_an_invoiced_evergreen_contract_counts_its_lines_only_to_the_bound(
    tmp_path: Path, charge: str, expected: str
) -> None:
    """A line that runs past the day the customer is bound to counts to that day, as IFRS 15 counts the price:
    a whole yearly line was 18,029.59 (the reviewer's case), a whole January 4,800.00."""
    root = renewing(tmp_path / "ws", "evergreen notice 3 months", charge)
    assert remaining(root, "2026-10-15") == (expected, "0.00")


def test_an_invoiced_line_already_billed_counts_whole(tmp_path: Path) -> None:
    """The evergreen contract billed yearly in advance, billed through 2027-01-10: the 2027 line is invoiced (on
    1 January), so it is revenue over its whole year whatever the notice period, as recognition books it: 14,400
    x 365/365 remains from January on, all within 12 months. Counting it only to the bound day (11 April:
    14,400 x 100/365 = 3,945.21) dropped revenue already invoiced and deferred."""
    root = renewing(tmp_path / "ws", "evergreen notice 3 months", YEARLY)
    bill(root, "2027-01-10")
    found = balance(root, "2027-01-10")
    assert (found["billed"], found["recognised"], found["within_12_months"]) == ("28800.00", "14400.00", "14400.00")


def test_a_termination_on_the_cut_off_holds_a_change_of_the_same_day() -> None:
    """A price change and a termination both from 1 September (the engine's cut-off on 31 August): the service
    ends on 31 August at the price billed, 8 x 1,200.00 = 9,600.00, all of it recognised by then; August gets
    9,600.00 - 8,363.84 (14,400 x 212/365 before August) = 1,236.16. The price change sorted first once kept the
    termination out of the plan: August 1,223.01 and 13.15 lost to a later month."""
    both = (
        '  amendment 1 "Pris" signed 2026-09-20 effective 2026-09-01 {\n    platform price 1_500.00\n  }\n'
        '  amendment 2 "Oppsigelse" signed 2026-09-20 effective 2026-09-01 {\n    terminate\n  }\n'
    )
    ws = checked(contract(PLATFORM + both, term="term 12 months\n  no renewal"))
    months = revenue_plan(ws.contracts["C-1"], ws, date(2026, 9, 1)).months()
    assert months[date(2026, 8, 1)] == D("1236.16")
    assert sum(amount for month, amount in months.items() if month < date(2026, 9, 1)) == D("9600.00")


def test_a_catch_up_termination_recognises_what_is_left_on_the_last_day_of_service() -> None:
    """One amendment from 1 September: a price change, `terminate` and `accounting catch_up`. Nothing is left
    to deliver, so there is nothing to catch up with: as a prospective termination, the service ends on 31
    August at the price billed, 9,600.00, and August gets 9,600.00 - 8,363.84 = 1,236.16 (it was 1,223.01, with
    13.15 as a catch-up in September, a month without service)."""
    ended = (
        '  amendment 1 "Slutt" signed 2026-08-20 effective 2026-09-01 {\n'
        "    platform price 1_500.00\n    terminate\n    accounting catch_up\n  }\n"
    )
    ws = checked(contract(PLATFORM + ended, term="term 12 months\n  no renewal"))
    plan = revenue_plan(ws.contracts["C-1"], ws, date(2026, 10, 1))
    months = plan.months()
    assert months[date(2026, 8, 1)] == D("1236.16")
    assert sum(months.values()) == D("9600.00")
    assert not months.get(date(2026, 9, 1))
