"""CSV, JSON Lines and Parquet read to the same events; empty and missing folders are no usage."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from runtime.usage import UsageError, read_usage

from .helpers import METRICS, csv, problems, read, total, write

JAN = (date(2026, 1, 1), date(2026, 2, 1))
ROWS = [
    # id, contract, event, timestamp, value, amount, user_id
    ("a", "A-1", "api.request", "2026-01-31T23:30:00Z", None, None, None),  # 00:30 on 1 February in Oslo
    ("b", "A-1", "payment.captured", "2026-01-10T10:00:00+01:00", "1", "0.10", None),
    ("c", "A-1", "payment.captured", "2026-01-11T10:00:00+01:00", "1", "0.20", None),
    ("d", "A-1", "storage.snapshot", "2026-01-12T03:00:00+01:00", "641.5", None, None),
    ("e", "A-1", "login", "2026-01-12T08:00:00+01:00", None, None, "u1"),
    ("f", "A-1", "login", "2026-01-13T08:00:00+01:00", None, None, "u2"),
    ("g", "A-1", "seats.set", "2026-01-14T08:00:00+01:00", "12", None, None),
]
EXPECTED = {
    ("calls", JAN): Decimal(0),
    ("calls", (date(2026, 2, 1), date(2026, 3, 1))): Decimal(1),
    ("volume", JAN): Decimal("0.3"),
    ("storage", JAN): Decimal("641.5"),
    ("users", JAN): Decimal(2),
    ("seats", JAN): Decimal(12),
}


def _as_csv(folder: Path) -> None:
    csv(folder, "events.csv", *(",".join(v or "" for v in row) for row in ROWS))


def _as_jsonl(folder: Path) -> None:
    keys = ("id", "contract", "event", "timestamp", "value", "amount", "user_id")
    lines = [json.dumps({k: v for k, v in zip(keys, row, strict=True) if v is not None}) for row in ROWS]
    write(folder, "events.ndjson", "\n".join(lines) + "\n")


def _as_parquet(folder: Path) -> None:
    _as_csv(folder / "tmp")
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT id, contract, event, timestamp::TIMESTAMPTZ AS timestamp,
                         value::DECIMAL(18, 4) AS value, amount::DECIMAL(18, 2) AS amount, user_id
                  FROM read_csv('{folder / "tmp" / "events.csv"}', all_varchar = true))
            TO '{folder / "events.parquet"}' (FORMAT parquet)"""
    )
    con.close()
    (folder / "tmp" / "events.csv").unlink()
    (folder / "tmp").rmdir()


@pytest.mark.parametrize("writer", [_as_csv, _as_jsonl, _as_parquet], ids=["csv", "jsonl", "parquet"])
def test_every_format_gives_the_same_totals(tmp_path: Path, writer: Callable[[Path], None]) -> None:
    writer(tmp_path)
    with read(tmp_path) as usage:
        assert not usage.report.problems, usage.report.problems
        assert usage.report.events == len(ROWS)
        found = {(metric, period): total(usage, "A-1", metric, *period) for metric, period in EXPECTED}
    assert found == EXPECTED


def test_parquet_floats_and_plain_timestamps(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT * FROM (VALUES
                ('a', 'A-1', 'storage.snapshot', TIMESTAMPTZ '2026-01-05 10:00:00+00', 12.5::DOUBLE),
                ('b', 'A-1', 'storage.snapshot', TIMESTAMPTZ '2026-01-06 10:00:00+00', 0.1::DOUBLE),
                ('c', 'A-1', 'storage.snapshot', TIMESTAMPTZ '2026-01-07 10:00:00+00', (1/3)::DOUBLE))
                AS t(id, contract, event, timestamp, value))
            TO '{tmp_path / "a.parquet"}' (FORMAT parquet)"""
    )
    con.execute(
        f"""COPY (SELECT 'd' AS id, 'A-1' AS contract, 'api.request' AS event,
                         TIMESTAMP '2026-01-05 10:00:00' AS timestamp)
            TO '{tmp_path / "b.parquet"}' (FORMAT parquet)"""
    )
    con.close()
    with read(tmp_path) as usage:
        assert problems(usage) == [
            (
                "malformed",
                "a.parquet",
                3,
                "`value` `0.3333333333333333` was stored as a floating-point number, which cannot hold it exactly",
            ),
            ("malformed", "b.parquet", 1, "timestamp `2026-01-05 10:00:00` has no UTC offset"),
        ]
        assert total(usage, "A-1", "storage", *JAN) == Decimal("12.5")


def test_json_numbers_are_exact_up_to_fifteen_digits_and_strings_always(tmp_path: Path) -> None:
    template = '{"id": "%s", "contract": "A-1", "event": "payment.captured", "timestamp": "2026-01-05T10:00:00Z", '
    write(
        tmp_path,
        "events.jsonl",
        "\n".join(
            [
                template % "a" + '"amount": 0.1}',
                template % "b" + '"amount": 0.2}',
                template % "c" + '"amount": "123456789012345678.0000000001"}',
                template % "d" + '"amount": 12345678901234567.5}',  # 18 digits: a float would round it
            ]
        )
        + "\n",
    )
    with read(tmp_path) as usage:
        (problem,) = usage.report.problems
        assert (problem.row, problem.column) == (4, "amount")
        assert "floating-point" in problem.message and "JSON string" in problem.help
        assert total(usage, "A-1", "volume", *JAN) == Decimal("123456789012345678.3000000001")


def test_an_empty_folder_a_missing_folder_and_an_empty_file_are_no_usage(tmp_path: Path) -> None:
    for folder in (tmp_path, tmp_path / "missing"):
        with read(folder) as usage:
            assert usage.report.files == () and usage.report.rows == 0 and not usage.report.problems
            assert total(usage, "A-1", "calls", *JAN) == 0
            assert usage.summary().totals == ()
    write(tmp_path, "empty.csv", "")
    write(tmp_path, "header-only.csv", "id,contract,event,timestamp\n")
    write(tmp_path, "empty.jsonl", "")
    with read(tmp_path) as usage:
        assert usage.report.rows == 0 and not usage.report.problems


def test_other_files_are_noted_hidden_ones_skipped_and_broken_ones_reported(tmp_path: Path) -> None:
    csv(tmp_path, "events.csv", "a,A-1,api.request,2026-01-05T10:00:00Z,,,")
    write(tmp_path, "events.json", "[]")
    write(tmp_path, ".events.csv.swp", "junk")
    write(tmp_path, ".hidden/x.csv", "junk")
    write(tmp_path, "broken.parquet", "this is not parquet")
    with read(tmp_path) as usage:
        found = [(p.kind, p.file, p.row) for p in usage.report.problems]
        assert found == [("unreadable_file", "broken.parquet", None), ("ignored_file", "events.json", None)]
        assert usage.report.blocking
        assert total(usage, "A-1", "calls", *JAN) == 1


def test_a_usage_path_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "usage", "")
    with pytest.raises(UsageError, match="is a file, not a folder") as caught:
        read_usage(path, METRICS, ["A-1"])
    assert caught.value.help


def test_file_names_are_shown_relative_to_the_workspace(tmp_path: Path) -> None:
    csv(tmp_path / "usage", "2026/01.csv", "a,A-1,api.request,2026-01-05T10:00:00,,,")
    with read_usage(tmp_path / "usage", METRICS, ["A-1"], relative_to=tmp_path) as usage:
        assert usage.report.files == ("usage/2026/01.csv",)
        assert usage.report.problems[0].location == "usage/2026/01.csv row 1, column `timestamp`"


def test_gzipped_csv_and_json_lines_are_read(tmp_path: Path) -> None:
    text = "id,contract,event,timestamp\na,A-1,api.request,2026-01-05T10:00:00Z\n"
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress(text.encode()))
    line = '{"id": "b", "contract": "A-1", "event": "api.request", "timestamp": "2026-01-05T10:00:00Z"}\n'
    (tmp_path / "b.JSONL.gz").write_bytes(gzip.compress(line.encode()))
    write(tmp_path, "c.gz", "not an event file")
    with read(tmp_path) as usage:
        assert usage.report.files == ("a.csv.gz", "b.JSONL.gz")
        assert [(p.kind, p.file) for p in usage.report.problems] == [("ignored_file", "c.gz")]
        assert total(usage, "A-1", "calls", *JAN) == 2
