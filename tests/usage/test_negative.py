"""Negative values: refused per metric unless it says `negative allowed`, so a stray sign never cuts a bill."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.workspace import check_workspace
from dsl.parser import parse
from runtime.cli.options import Context
from runtime.cli.usage import usage

from .helpers import csv, metric, read, total

JAN = (date(2026, 1, 1), date(2026, 2, 1))
EXAMPLES = Path(__file__).parents[2] / "contracts_examples"
GROSS = metric("gross", "sum", "amount", "payment.captured")
NET = metric("net", "sum", "amount", "payment.captured", "payment.refunded", negative=True)


def test_a_negative_value_is_a_blocking_row_problem_naming_file_row_column_value_and_metric(tmp_path: Path) -> None:
    csv(
        tmp_path,
        "events.csv",
        "p1,A-1,payment.captured,2026-01-05T10:00:00Z,,1200.50,",
        "p2,A-1,payment.captured,2026-01-06T10:00:00Z,,-99999999,",
        "p3,A-1,payment.captured,2026-01-07T10:00:00Z,,-0.01,",
        "p4,A-1,payment.captured,2026-01-08T10:00:00Z,,-0,",  # zero, however written, is not below zero
    )
    with read(tmp_path, metrics=[GROSS]) as usage:
        report = usage.report
        assert [(p.kind, p.file, p.row, p.column, p.message) for p in report.problems] == [
            (
                "malformed",
                "events.csv",
                2,
                "amount",
                "`amount` `-99999999` is negative, which metric `gross` does not allow",
            ),
            (
                "malformed",
                "events.csv",
                3,
                "amount",
                "`amount` `-0.01` is negative, which metric `gross` does not allow",
            ),
        ]
        assert "add `negative allowed` to metric `gross`" in report.problems[0].help
        assert report.blocking and (report.rejected, report.events) == (2, 2)
        assert total(usage, "A-1", "gross", *JAN) == Decimal("1200.50")  # p1 + p4 = 1200.50 + 0


def test_a_metric_that_allows_negatives_nets_them(tmp_path: Path) -> None:
    csv(
        tmp_path,
        "events.csv",
        "p1,A-1,payment.captured,2026-01-05T10:00:00Z,,1200.50,",
        "r1,A-1,payment.refunded,2026-01-06T10:00:00Z,,-200.25,",
    )
    with read(tmp_path, metrics=[NET]) as usage:
        assert not usage.report.problems
        assert total(usage, "A-1", "net", *JAN) == Decimal("1000.25")  # 1200.50 - 200.25


@pytest.mark.parametrize(("allowing", "refusing"), [("a_net", "b_gross"), ("b_net", "a_gross")])
def test_a_field_two_metrics_read_is_refused_if_either_refuses_and_the_refusing_one_is_named(
    tmp_path: Path, allowing: str, refusing: str
) -> None:
    metrics = [
        metric(allowing, "sum", "amount", "payment.captured", negative=True),
        metric(refusing, "sum", "amount", "payment.captured"),
    ]
    csv(
        tmp_path,
        "events.csv",
        "p1,A-1,payment.captured,2026-01-05T10:00:00Z,,300,",
        "p2,A-1,payment.captured,2026-01-06T10:00:00Z,,-100,",
    )
    with read(tmp_path, metrics=metrics) as usage:
        (problem,) = usage.report.problems
        assert (problem.row, problem.column) == (2, "amount")
        assert problem.message == f"`amount` `-100` is negative, which metric `{refusing}` does not allow"
        # the row is out for both: one event cannot count for one metric and not the other
        assert total(usage, "A-1", allowing, *JAN) == 300
        assert total(usage, "A-1", refusing, *JAN) == 300


def test_max_and_latest_refuse_too_and_a_value_no_metric_reads_may_be_negative(tmp_path: Path) -> None:
    metrics = [
        metric("calls", "count", None, "api.request"),
        metric("peak", "max", "value", "storage.snapshot"),
        metric("balance", "latest", "value", "balance.set", negative=True),
    ]
    csv(
        tmp_path,
        "events.csv",
        "c1,A-1,api.request,2026-01-05T10:00:00Z,-5,,",  # `calls` counts; no metric reads this value
        "s1,A-1,storage.snapshot,2026-01-05T10:00:00Z,-7,,",
        "s2,A-1,storage.snapshot,2026-01-06T10:00:00Z,3,,",
        "b1,A-1,balance.set,2026-01-05T10:00:00Z,10,,",
        "b2,A-1,balance.set,2026-01-06T10:00:00Z,-4,,",
    )
    with read(tmp_path, metrics=metrics) as usage:
        assert [(p.row, p.message) for p in usage.report.problems] == [
            (2, "`value` `-7` is negative, which metric `peak` does not allow"),
        ]
        assert total(usage, "A-1", "calls", *JAN) == 1
        assert total(usage, "A-1", "peak", *JAN) == 3
        assert total(usage, "A-1", "balance", *JAN) == -4


# ------------------------------------------------------------------ the language
def _metrics(text: str) -> tuple[dict[str, bool], list[str]]:
    parsed = parse(text, "m.avt")
    assert parsed.file is not None, parsed.diagnostics
    result = check_workspace([parsed.file])
    allowed = {m.id: m.negative_allowed for m in result.workspace.metrics.values()}
    return allowed, [d.code for d in result.diagnostics if d.span.file == "m.avt"]


def test_the_statement_reaches_the_model() -> None:
    allowed, codes = _metrics(
        'metric net "N" { events "p"  sum amount  negative allowed }\n'
        'metric low "L" { events "s"  negative allowed  max value }\n'
        'metric last "B" { events "b"  latest value  negative allowed }\n'
        'metric gross "G" { events "p"  sum amount }\n'
    )
    assert allowed == {"net": True, "low": True, "last": True, "gross": False}
    assert codes == []


@pytest.mark.parametrize(
    ("aggregation", "message"),
    [
        ("count", "metric `m` counts events, so no value of it can be negative"),
        ("unique user_id", "metric `m` counts distinct values, so no value of it can be negative"),
    ],
)
def test_the_statement_on_a_metric_that_reads_no_number_is_e0309(aggregation: str, message: str) -> None:
    parsed = parse(f'metric m "M" {{ events "e"  {aggregation}  negative allowed }}\n', "m.avt")
    assert parsed.file is not None
    (diagnostic,) = [d for d in check_workspace([parsed.file]).diagnostics if d.span.file == "m.avt"]
    assert (diagnostic.code, diagnostic.message) == ("E0309", message)
    before = f'metric m "M" {{ events "e"  {aggregation}  '
    assert (diagnostic.span.line, diagnostic.span.column) == (1, len(before) + 1)  # columns count from 1
    assert "remove `negative allowed`" in diagnostic.help


def test_the_statement_twice_is_e0304() -> None:
    _, codes = _metrics('metric m "M" { events "e"  sum amount  negative allowed  negative allowed }\n')
    assert codes == ["E0304"]


# ------------------------------------------------------------------ the command line
def _summary(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(usage, ["summary", *args], obj=Context(workspace=root, color=False))
    return result.exit_code, result.output


def test_the_row_that_cut_a_bill_run_now_stops_the_summary_until_the_metric_allows_it(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(".avtale"))
    with (root / "usage" / "events.csv").open("a", encoding="utf-8") as handle:
        handle.write("neg-1,SKT-2025-005,payment.captured,2026-03-10T12:00:00+01:00,,-99999999\n")
    code, output = _summary(root, "--json")
    assert code == 1
    assert '"rejected": 1' in output
    code, output = _summary(root)
    assert code == 1
    assert (
        "error: usage/events.csv row 478, column `amount`: `amount` `-99999999` is negative, "
        "which metric `payment_volume` does not allow"
    ) in output
    metrics = root / "catalog" / "metrics.avt"
    text = metrics.read_text(encoding="utf-8")
    metrics.write_text(text.replace("sum amount }", "sum amount  negative allowed }"), encoding="utf-8")
    code, output = _summary(root, "--json")
    assert code == 0, output
    assert '"total": "-90918007.6"' in output  # 9_081_991.4 - 99_999_999 over the whole range
