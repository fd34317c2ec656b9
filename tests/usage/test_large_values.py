"""Values too large for exact totals are rows named by file and row; a total that still overflows names
its contract, metric and period. Neither ever reaches DuckDB's OutOfRangeException as a crash."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from runtime.cli.main import main
from runtime.cli.options import Context
from runtime.cli.usage import usage
from runtime.usage import UsageError, validation
from tests.factories.cli import copy_examples

from .helpers import csv, read, total, write

JAN = (date(2026, 1, 1), date(2026, 2, 1))
EIGHTEEN = "999999999999999999"
TWENTY_EIGHT = "9" * 28


@pytest.mark.parametrize(
    ("amount", "fault"),
    [
        ("1" + "0" * 18, "is too large (at most 18 digits before the point)"),
        (TWENTY_EIGHT, "is too large (at most 18 digits before the point)"),
        ("-" + TWENTY_EIGHT + ".5", "is too large (at most 18 digits before the point)"),
        ("1e18", "is too large (at most 18 digits before the point)"),
        ("1e400", "is too large (at most 18 digits before the point)"),
        ("1e-11", "has more than 10 decimals"),
        ("0.5e-10", "has more than 10 decimals"),
    ],
)
def test_a_value_beyond_the_limit_is_a_row_problem(tmp_path: Path, amount: str, fault: str) -> None:
    csv(
        tmp_path,
        "events.csv",
        "ok,A-1,payment.captured,2026-01-05T10:00:00Z,,7,",
        f"big,A-1,payment.captured,2026-01-05T10:00:00Z,,{amount},",
    )
    with read(tmp_path) as usage:
        (problem,) = usage.report.problems
        assert (problem.kind, problem.file, problem.row, problem.column) == ("malformed", "events.csv", 2, "amount")
        assert problem.message == f"`amount` `{amount}` {fault} (metric `volume` sums it)"
        assert total(usage, "A-1", "volume", *JAN) == 7


@pytest.mark.parametrize("amount", [EIGHTEEN, "-" + EIGHTEEN + ".9999999999", "1e17", "000000000000000000001.5"])
def test_eighteen_digits_are_fine(tmp_path: Path, amount: str) -> None:
    csv(tmp_path, "events.csv", f"v,A-1,payment.captured,2026-01-05T10:00:00Z,,{amount},")
    with read(tmp_path) as usage:
        assert not usage.report.problems
        assert total(usage, "A-1", "volume", *JAN) == Decimal(amount)


def test_json_numbers_and_parquet_decimals_are_held_to_the_same_limit(tmp_path: Path) -> None:
    line = '{"id": "%s", "contract": "A-1", "event": "payment.captured", "timestamp": "2026-01-05T10:00:00Z", '
    write(
        tmp_path,
        "a.jsonl",
        line % "j1"
        + f'"amount": "{TWENTY_EIGHT}"}}\n'
        + line % "j2"
        + '"amount": 1e25}\n'
        + line % "j3"
        + '"amount": 2}\n',
    )
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT 'p1' AS id, 'A-1' AS contract, 'payment.captured' AS event,
                         TIMESTAMPTZ '2026-01-05 10:00:00+00' AS timestamp, {TWENTY_EIGHT}::DECIMAL(38, 0) AS amount)
            TO '{tmp_path / "b.parquet"}' (FORMAT parquet)"""
    )
    con.close()
    with read(tmp_path) as usage:
        assert [(p.file, p.row, p.column) for p in usage.report.problems] == [
            ("a.jsonl", 1, "amount"),
            ("a.jsonl", 2, "amount"),
            ("b.parquet", 1, "amount"),
        ]
        assert all("too large" in p.message for p in usage.report.problems)
        assert total(usage, "A-1", "volume", *JAN) == 2


# ---------------------------------------------------------------- totals that overflow
@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Values of up to 28 digits, as before the limit: two of them overflow a total.

    With 18 digits it takes ten billion values; the code that reports it is the same."""
    monkeypatch.setattr(validation, "MAX_WHOLE_DIGITS", 28)
    yield


def _huge(folder: Path) -> None:
    csv(
        folder,
        "events.csv",
        f"h1,A-1,payment.captured,2026-01-05T10:00:00Z,,{TWENTY_EIGHT},",
        f"h2,A-1,payment.captured,2026-01-06T10:00:00Z,,{TWENTY_EIGHT},",
        "s1,A-1,payment.captured,2026-02-06T10:00:00Z,,5,",
        "b1,B-2,payment.captured,2026-01-06T10:00:00Z,,5,",
    )


@pytest.mark.usefixtures("wide")
def test_an_overflowing_total_names_the_contract_metric_and_period_when_metered(tmp_path: Path) -> None:
    _huge(tmp_path)
    with read(tmp_path) as usage:
        assert not usage.report.problems  # every row fits
        assert total(usage, "B-2", "volume", *JAN) == 5
        assert total(usage, "A-1", "volume", date(2026, 1, 1), date(2026, 1, 6)) == Decimal(TWENTY_EIGHT)
        with pytest.raises(UsageError) as raised:
            usage.meter([("B-2", "volume", *JAN), ("A-1", "volume", *JAN), ("A-1", "calls", *JAN)])
    error = raised.value
    assert str(error) == (
        "the total of metric `volume` for contract A-1 from 2026-01-01 to 2026-01-31 "
        "does not fit in 28 digits before the point"
    )
    assert error.help.startswith(f"its largest value is {TWENTY_EIGHT} (event `h1`); look for values")


@pytest.mark.usefixtures("wide")
def test_an_overflowing_total_names_the_month_in_the_summary(tmp_path: Path) -> None:
    _huge(tmp_path)
    with read(tmp_path) as usage:
        with pytest.raises(UsageError, match=r"metric `volume` for contract A-1 in 2026-01 does not fit"):
            usage.summary()
        # February alone fits: its total is what the summary gives
        (feb,) = [t for t in usage.summary(date(2026, 2, 1)).totals if t.contract == "A-1" and t.month]
        assert feb.total == 5


@pytest.mark.usefixtures("wide")
def test_months_that_fit_but_overflow_together_name_the_range(tmp_path: Path) -> None:
    csv(
        tmp_path,
        "events.csv",
        f"h1,A-1,payment.captured,2026-01-05T10:00:00Z,,{TWENTY_EIGHT},",
        f"h2,A-1,payment.captured,2026-02-06T10:00:00Z,,{TWENTY_EIGHT},",
    )
    with read(tmp_path) as usage:
        with pytest.raises(UsageError, match=r"contract A-1 from 2026-01-01 to 2026-03-31 does not fit"):
            usage.summary(date(2026, 1, 1), date(2026, 4, 1))
        with pytest.raises(UsageError, match=r"contract A-1 over all dates does not fit"):
            usage.summary()


@pytest.mark.usefixtures("wide")
def test_an_overflowing_digest_names_the_contract_metric_and_date(tmp_path: Path) -> None:
    _huge(tmp_path)
    with read(tmp_path) as usage:
        assert set(usage.digests([("B-2", date(2026, 3, 1))])) == {"B-2"}
        with pytest.raises(UsageError) as raised:
            usage.digests([("B-2", date(2026, 3, 1)), ("A-1", date(2026, 3, 1))])
    assert str(raised.value) == (
        "the total of the values of contract A-1 dated before 2026-03-01 (most of them metric `volume`) "
        "does not fit in 28 digits before the point"
    )
    assert raised.value.help.startswith(f"its largest value is {TWENTY_EIGHT} (event `h1`)")


@pytest.mark.usefixtures("wide")
def test_a_digest_over_metrics_that_each_fit_names_the_larger_one(tmp_path: Path) -> None:
    six, five = "6" + "0" * 27, "5" + "0" * 27  # each fits; 6e27 + 5e27 does not
    csv(
        tmp_path,
        "events.csv",
        f"p1,A-1,payment.captured,2026-01-05T10:00:00Z,,{five},",
        f"s1,A-1,storage.snapshot,2026-01-05T10:00:00Z,{six},,",
        f"b1,B-2,storage.snapshot,2026-01-05T10:00:00Z,{six}.5,,",  # larger alone, but fits
    )
    with read(tmp_path) as usage:
        assert total(usage, "A-1", "volume", *JAN) == Decimal(five)
        assert total(usage, "A-1", "storage", *JAN) == Decimal(six)
        with pytest.raises(UsageError, match=r"contract A-1 dated before 2026-02-01 \(most of them metric `storage`\)"):
            usage.digests([("A-1", date(2026, 2, 1)), ("B-2", date(2026, 2, 1))])


# ---------------------------------------------------------------- the command line
@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return copy_examples(tmp_path / "ws")


def _append_huge(root: Path) -> None:
    with (root / "usage" / "events.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"big-1,SKT-2025-005,payment.captured,2026-03-10T12:00:00+01:00,,{TWENTY_EIGHT}\n")


def _avtale(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """The real entry point, in this process (so that `wide` applies): exit status and all output."""
    monkeypatch.setattr(sys, "argv", ["avtale", "--color", "never", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out + err


def test_summary_names_the_file_and_row_of_a_value_too_large(workspace: Path) -> None:
    _append_huge(workspace)
    result = CliRunner().invoke(usage, ["summary"], obj=Context(workspace=workspace, color=False))
    assert result.exit_code == 1, result.output
    assert (
        f"error: usage/events.csv row 478, column `amount`: `amount` `{TWENTY_EIGHT}` is too large "
        "(at most 18 digits before the point) (metric `payment_volume` sums it)"
    ) in result.output
    assert result.output.splitlines()[-1] == "478 events in 1 file, 1 duplicate dropped, 1 rejected"


def test_bill_names_the_file_and_row_of_a_value_too_large(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _append_huge(workspace)
    code, output = _avtale(monkeypatch, capsys, "--workspace", str(workspace), "bill", "--as-of", "2026-07-01")
    assert code == 1, output
    assert f"error: usage/events.csv row 478, column `amount`: `amount` `{TWENTY_EIGHT}` is too large" in output
    assert "nothing was issued" in output
    assert "internal" not in output


@pytest.mark.usefixtures("wide")
def test_summary_and_bill_report_an_overflowing_total_as_the_users_error(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _append_huge(workspace)  # 28 digits now fit a row, but not added to the other payments of March
    message = (
        "error: the total of metric `payment_volume` for contract SKT-2025-005 in 2026-03 "
        "does not fit in 28 digits before the point\n"
        f"  = help: its largest value is {TWENTY_EIGHT} (event `big-1`)"
    )
    code, output = _avtale(monkeypatch, capsys, "--workspace", str(workspace), "usage", "summary")
    assert (code, message in output, "internal" in output) == (1, True, False), output
    code, output = _avtale(monkeypatch, capsys, "--workspace", str(workspace), "usage", "summary", "--json")
    assert code == 1 and message in output
    with pytest.raises(json.JSONDecodeError):
        json.loads(output)  # no half report on stdout
    code, output = _avtale(monkeypatch, capsys, "--workspace", str(workspace), "bill", "--as-of", "2026-07-01")
    assert code == 1, output
    assert "error: the total of " in output and "SKT-2025-005" in output and "`payment_volume`" in output
    assert "internal" not in output
