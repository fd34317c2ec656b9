"""`avtale close` and the reports over the entry point, on a billed copy of the example workspace.

The engine's records are replaced by hand-written ones here, so that what a close locks and what
a later change posts can be worked out by hand; test_revenue_cli.py runs the real engine.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import runtime.cli.revenue as revenue_cli
from runtime.ledger.store import Ledger
from runtime.revenue.records import Recognised
from tests.factories.cli import bill, copy_examples, run
from tests.factories.revenue import recognised

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


@pytest.fixture(scope="module")
def billed_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bill(copy_examples(tmp_path_factory.mktemp("close") / "ws"), "2026-03-01")


@pytest.fixture
def ws(billed_once: Path, tmp_path: Path) -> Path:
    """A fresh copy of the billed workspace for each test: closing changes its ledger."""
    root = tmp_path / "ws"
    shutil.copytree(billed_once, root)
    return root


def rec(month: date, amount: str, obligation: str = "platform") -> Recognised:
    return recognised(month, amount, contract="NORD-2026-001", obligation=obligation)


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Callable[[list[Recognised]], None]:
    """Set what the recognition engine says from now on (and that nothing more is scheduled)."""

    def says(records: list[Recognised]) -> None:
        monkeypatch.setattr(revenue_cli, "_engine", lambda *args, **kwargs: list(records))
        monkeypatch.setattr(revenue_cli, "_schedule", lambda *args, **kwargs: [])

    return says


def test_close_then_back_dated_amendment(ws: Path, engine: Callable[[list[Recognised]], None]) -> None:
    engine([rec(JAN, "4990.00"), rec(FEB, "4990.00"), rec(MAR, "4990.00")])
    code, out, err = run(ws, "close", "2026-01", "--as-of", "2026-03-02")
    assert code == 0, err
    assert out.startswith("Closed 2026-01: 1 figure, recognised NOK 4 990.00, by ")
    assert out.endswith("\nFirst open month: 2026-02; later changes to closed months post there.\n")

    # A back-dated amendment: the engine now says January was 5,990.00.
    engine([rec(JAN, "5990.00"), rec(FEB, "5990.00"), rec(MAR, "5990.00")])
    code, out, err = run(
        ws, "revenue", "waterfall", "--from", "2026-01", "--to", "2026-03", "--as-of", "2026-03-02", "--csv"
    )
    assert code == 0, err
    assert out == (
        "month,status,contract,obligation,currency,amount,catch_up\n"
        "2026-01,closed,NORD-2026-001,platform,NOK,4990.00,0.00\n"
        "2026-02,open,NORD-2026-001,platform,NOK,6990.00,1000.00\n"
        "2026-03,scheduled,NORD-2026-001,platform,NOK,5990.00,0.00\n"
    )
    code, out, err = run(
        ws, "revenue", "waterfall", "--from", "2026-01", "--to", "2026-03", "--as-of", "2026-03-02", "--json"
    )
    (catch_up,) = json.loads(out)["catch_ups"]
    assert catch_up["month"] == "2026-02" and catch_up["amount"] == "1000.00"
    assert "2026-01 +1000.00" in catch_up["reason"]

    # Closing February locks its own revenue and the catch-up; January is still as closed.
    code, out, err = run(ws, "close", "2026-02", "--as-of", "2026-03-02")
    assert code == 0, err
    assert "recognised NOK 6 990.00" in out and "It includes catch-ups for changes to earlier closed months:" in out
    code, out, err = run(ws, "close", "--list", "--json")
    closed = json.loads(out)["closed"]
    assert [(c["month"], c["totals"]) for c in closed] == [
        ("2026-01", {"NOK": "4990.00"}),
        ("2026-02", {"NOK": "6990.00"}),
    ]
    with Ledger.open(ws / "ledger.sqlite", create=False, read_only=True) as ledger:
        assert [f.amount for f in ledger.closed_months()[0].figures] == [Decimal("4990.00")]


def test_close_refuses_what_has_not_ended_or_is_unbilled(ws: Path, engine: Callable[[list[Recognised]], None]) -> None:
    engine([rec(JAN, "4990.00"), rec(FEB, "4990.00"), rec(MAR, "4990.00")])
    code, _, err = run(ws, "close", "2026-03", "--as-of", "2026-03-15")
    assert code == 1
    assert err.startswith("error: nothing was closed: 2026-03 has not ended on 2026-03-15")
    assert "\n  = help: close it on or after 2026-04-01" in err
    code, _, err = run(ws, "close", "2026-02", "--as-of", "2026-04-01")
    assert code == 1 and "2026-01 has recognised revenue and is not closed" in err
    assert run(ws, "close", "2026-01", "--as-of", "2026-04-01")[0] == 0
    assert run(ws, "close", "2026-02", "--as-of", "2026-04-01")[0] == 0
    code, _, err = run(ws, "close", "2026-03", "--as-of", "2026-04-01")
    assert code == 1
    assert "the latest bill run was as of 2026-03-01" in err and "`avtale bill --as-of 2026-03-31 --apply`" in err
    code, _, err = run(ws, "close", "2026-03", "--as-of", "2026-04-01", "--allow-unbilled")
    assert code == 0, err
    code, _, err = run(ws, "close", "2026-01", "--as-of", "2026-04-01")
    assert code == 1 and "2026-01 is already closed" in err


def test_close_without_a_month_or_with_a_bad_one(ws: Path) -> None:
    code, _, err = run(ws, "close")
    assert code == 1 and "= help: run `avtale close YYYY-MM`" in err
    code, _, err = run(ws, "close", "2026-13")
    assert code == 1 and "error: `2026-13` is not a month" in err
    code, _, err = run(ws, "close", "2026-01", "--list")
    assert code == 1 and "--list takes no month" in err


def test_close_list_when_nothing_is_closed(ws: Path) -> None:
    code, out, _ = run(ws, "close", "--list")
    assert code == 0 and out == "No month is closed yet: `avtale close YYYY-MM` closes one.\n"
    code, out, _ = run(ws, "close", "--list", "--json")
    assert json.loads(out) == {"closed": []}


def test_close_needs_a_ledger(tmp_path: Path, engine: Callable[[list[Recognised]], None]) -> None:
    root = copy_examples(tmp_path / "ws")
    engine([])
    code, _, err = run(root, "close", "2026-01", "--as-of", "2026-03-01")
    assert code == 1 and "there is no ledger at" in err and "`avtale ledger init`" in err


def test_close_list_shows_who_and_when(ws: Path, engine: Callable[[list[Recognised]], None]) -> None:
    engine([rec(JAN, "4990.00")])
    assert run(ws, "close", "2026-01", "--as-of", "2026-02-01")[0] == 0
    code, out, _ = run(ws, "close", "--list")
    assert code == 0
    assert "2026-01" in out and "NOK 4 990.00" in out and "First open month: 2026-02" in out


def test_report_options_are_checked(ws: Path, engine: Callable[[list[Recognised]], None]) -> None:
    engine([])
    code, _, err = run(ws, "revenue", "waterfall", "--from", "2026-05", "--to", "2026-01")
    assert code == 1 and "--to 2026-01 is before --from 2026-05" in err
    code, _, err = run(ws, "revenue", "rollforward", "--from", "May")
    assert code == 2 and "`May` is not a month; write it YYYY-MM" in err
    code, _, err = run(ws, "revenue", "balances", "--json", "--csv")
    assert code == 1 and "--json and --csv cannot be used together" in err


def test_close_with_earlier_closes_each_open_month_in_order(
    ws: Path, engine: Callable[[list[Recognised]], None]
) -> None:
    engine([rec(date(2025, 12, 1), "100.00"), rec(JAN, "4990.00"), rec(FEB, "4990.00", obligation="seats")])
    code, _, err = run(ws, "close", "2026-02", "--as-of", "2026-03-01")
    assert code == 1 and "2025-12 has recognised revenue and is not closed" in err
    assert "`avtale close 2026-02 --with-earlier`" in err
    code, out, err = run(ws, "close", "2026-02", "--as-of", "2026-03-01", "--with-earlier", "--json")
    assert code == 0, err
    closed = json.loads(out)["closed"]
    assert [(c["month"], c["totals"]) for c in closed] == [
        ("2025-12", {"NOK": "100.00"}),
        ("2026-01", {"NOK": "4990.00"}),
        ("2026-02", {"NOK": "4990.00"}),
    ]
    assert closed[2]["figures"] == [
        {"contract": "NORD-2026-001", "obligation": "seats", "account": 3020, "currency": "NOK", "amount": "4990.00"}
    ]


def test_a_refused_month_among_several_closes_none(ws: Path, engine: Callable[[list[Recognised]], None]) -> None:
    """March is not billed (the latest run was as of 1 March): closing January to March closes nothing."""
    engine([rec(JAN, "4990.00"), rec(FEB, "4990.00"), rec(MAR, "4990.00")])
    code, _, err = run(ws, "close", "2026-03", "--as-of", "2026-04-02", "--with-earlier")
    assert code == 1 and "error: nothing was closed: 2026-03 may still have invoices to issue" in err
    assert run(ws, "close", "--list", "--json")[1] == '{\n  "closed": []\n}\n'


def test_a_month_still_to_come_is_never_closed_whatever_as_of_says(
    ws: Path, engine: Callable[[list[Recognised]], None]
) -> None:
    engine([rec(JAN, "4990.00")])
    code, out, err = run(ws, "close", "2100-03", "--as-of", "2100-04-01", "--with-earlier", "--allow-unbilled")
    assert (code, out) == (1, "")
    assert err.startswith("error: nothing was closed: 2100-03 has not ended yet (today is ")
    assert "\n  = help: close it from 2100-04-01 on" in err
    with Ledger.open(ws / "ledger.sqlite", create=False, read_only=True) as ledger:
        assert ledger.closed_months() == []


def test_closing_a_closed_month_again_with_earlier_is_refused(
    ws: Path, engine: Callable[[list[Recognised]], None]
) -> None:
    engine([rec(JAN, "4990.00"), rec(FEB, "4990.00")])
    assert run(ws, "close", "2026-02", "--as-of", "2026-03-02", "--with-earlier")[0] == 0
    for extra in ((), ("--json",)):
        code, out, err = run(ws, "close", "2026-02", "--as-of", "2026-03-02", "--with-earlier", *extra)
        assert (code, out) == (1, ""), out
        assert err.startswith("error: nothing was closed: ") and "already closed" in err and "= help: " in err


@pytest.mark.parametrize(
    "args",
    [
        ("revenue", "journal", "--from", "9999-12", "--to", "9999-12"),
        ("revenue", "waterfall", "--from", "9999-12", "--to", "9999-12"),
        ("revenue", "balances", "--at", "9999-12-31"),
        ("close", "9999-12", "--as-of", "9999-12-31"),
    ],
)
def test_years_far_off_are_mistakes_not_crashes(ws: Path, args: tuple[str, ...]) -> None:
    code, out, err = run(ws, *args)
    assert code in (1, 2) and out == ""
    assert "internal" not in err and ("help" in err or "Usage:" in err), err
