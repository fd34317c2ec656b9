"""The events of a usage folder, read, checked and deduplicated, ready to meter.

Everything happens inside one in-memory DuckDB database: each file is read and
checked in one INSERT into `rows` (in file order, so DuckDB's row ids give row
numbers), the problems are pulled out (at most a few per file and kind), and
what is left after rejected rows and dropped duplicates becomes the table
`measures`: one row per event and metric that counts it, sorted by contract,
which metering.py and summary.py aggregate.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from compiler.model import Metric
from runtime.usage.database import UsageError, connect
from runtime.usage.files import Discovered, EventFile, Skipped, discover, special_kind
from runtime.usage.layout import Layout, layout
from runtime.usage.metering import NEAR_LIMIT, OVERFLOW_PARTS, Request, meter_periods, overflow, overflowing
from runtime.usage.problems import Problem, ProblemKind, UsageReport
from runtime.usage.readers import REQUIRED, Source, literal, source
from runtime.usage.reasons import closest, csv_line, describe, missing_column
from runtime.usage.summary import UsageSummary, summarize
from runtime.usage.validation import (
    UNKNOWN_CONTRACT,
    create_rows_table,
    insert_sql,
    install_macros,
    mark_unknown_contracts,
)

KEPT = "r.problem IS NULL AND r.rowid NOT IN (SELECT rid FROM dropped)"
"""The rows that are events: no problem found, and not a later copy of an event id (`dropped`, made by
_Reader._duplicates: usually a few row ids, so this is a small anti-join on integers rather than a join of every
row's id text with the duplicated ones, which cost ten million events 3 s even with none)."""

SHOWN_PER_KIND = 20
"""Rows reported one by one per file and kind of problem; the rest are counted in one line."""


class Usage:
    """Checked events held in DuckDB; meter them as often as needed, then close."""

    def __init__(self, con: duckdb.DuckDBPyConnection, layout: Layout, report: UsageReport, spill: Path) -> None:
        self.con = con
        self.layout = layout
        self.report = report
        self.spill = spill

    def meter(self, periods: Iterable[Request]) -> dict[Request, Decimal]:
        """Each requested period's total, keyed by the request: PeriodRequest or (contract, metric, start, end)."""
        return meter_periods(self.con, self.layout, periods)

    def digests(self, until: Iterable[tuple[str, date]]) -> dict[str, str]:
        """For each (contract, D), a digest of the contract's events dated (Oslo) before D: what the
        lines it billed by D were metered from. Any event added, removed or changed changes it."""
        pairs = sorted(set(until))
        if not pairs:
            return {}
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE digest_until AS "
            "SELECT unnest($1::VARCHAR[]) AS contract, unnest($2::DATE[]) AS until_day",
            [[c for c, _ in pairs], [d for _, d in pairs]],
        )
        low, high = self.con.execute(
            "SELECT coalesce(min(cno), -1), coalesce(max(cno), -1) FROM known JOIN digest_until USING (contract)"
        ).fetchone() or (-1, -1)
        chunk = "(SELECT * FROM measures WHERE cno >= $1 AND cno <= $2) m ON m.contract = u.contract"
        try:
            rows = self.con.execute(
                f"""
                SELECT u.contract, count(m.id), coalesce(bit_xor(hash(m.metric, m.day, m.id, m.num, m.key)), 0),
                       coalesce(sum(m.num), 0)
                FROM digest_until u LEFT JOIN {chunk} AND m.day < u.until_day
                GROUP BY u.contract
                """,
                [low, high],
            ).fetchall()
        except duckdb.OutOfRangeException as exc:
            raise self._digest_overflow(chunk, [low, high]) from exc
        return {contract: f"{count}:{mixed}:{total}" for contract, count, mixed, total in rows}

    def _digest_overflow(self, chunk: str, params: list[Any]) -> UsageError:
        """A digest adds up all of a contract's values, of every metric: find the contract whose sum
        overflowed, then name the metric that contributes most to it."""
        found = overflowing(
            self.con,
            f"""
            SELECT u.contract, u.until_day, {OVERFLOW_PARTS}
            FROM digest_until u JOIN {chunk} AND m.day < u.until_day
            GROUP BY ALL HAVING {NEAR_LIMIT}
            ORDER BY abs(sum(m.num::DOUBLE)) DESC, u.contract
            """,
            params,
        )
        if found is None:  # pragma: no cover - an overflow has a large sum behind it
            return overflow(None, str)
        contract, until = found[:2]
        (metric,) = self.con.execute(
            "SELECT metric FROM measures WHERE contract = ? AND day < ? AND num IS NOT NULL "
            "GROUP BY metric ORDER BY abs(sum(num::DOUBLE)) DESC, metric LIMIT 1",
            [contract, until],
        ).fetchone() or (None,)

        def what(contract: str, until: date) -> str:
            return f"the values of contract {contract} dated before {until} (most of them metric `{metric}`)"

        return overflow(found, what)

    def summary(self, start: date | None = None, end: date | None = None) -> UsageSummary:
        """Totals per contract and metric, overall and per month, for local dates in [start, end)."""
        return summarize(self.con, self.layout, start, end)

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self.spill, ignore_errors=True)

    def __enter__(self) -> Usage:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def read_usage(
    folder: Path,
    metrics: Iterable[Metric],
    known_contracts: Iterable[str],
    *,
    relative_to: Path | None = None,
) -> Usage:
    """Read, check and deduplicate every event file under `folder`.

    A missing folder means no usage, not an error. `relative_to` (the workspace
    root) shapes the file names in the report. Bad records and unreadable files
    are reported in `Usage.report`; UsageError is raised only when reading cannot
    start (the path is a file, or DuckDB lacks its time zone or JSON support).
    """
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a folder of usage events", "point the `usage` setting at a folder")
    spill = Path(tempfile.mkdtemp(prefix="avtale-usage-"))
    try:
        con = connect(spill)
    except BaseException:
        shutil.rmtree(spill, ignore_errors=True)
        raise
    try:
        return _read(con, folder, layout(metrics), set(known_contracts), relative_to, spill)
    except BaseException:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
        raise


def _read(
    con: duckdb.DuckDBPyConnection, folder: Path, lay: Layout, known: set[str], relative_to: Path | None, spill: Path
) -> Usage:
    install_macros(con)
    # Each contract also gets its number in sorted order (`cno`): see _measures.
    ordered = sorted(known)
    con.execute(
        "CREATE TEMP TABLE known AS SELECT unnest($1::VARCHAR[]) AS contract, unnest($2::INTEGER[]) AS cno",
        [ordered, list(range(len(ordered)))],
    )
    pairs = sorted({(m.id, e) for m in lay.metrics for e in m.events})
    con.execute(
        "CREATE TEMP TABLE metric_events AS SELECT unnest($1::VARCHAR[]) AS metric, unnest($2::VARCHAR[]) AS event",
        [[p[0] for p in pairs], [p[1] for p in pairs]],
    )
    create_rows_table(con, lay)
    found = discover(folder, relative_to)
    reader = _Reader(con, lay, found)
    for number, file in enumerate(found.files):
        reader.read(number, file)
    return reader.finish(spill)


class _Reader:
    def __init__(self, con: duckdb.DuckDBPyConnection, lay: Layout, found: Discovered) -> None:
        self.con = con
        self.layout = lay
        self.metrics = {m.id: m for m in lay.metrics}
        self.found = found
        self.problems: list[Problem] = [
            Problem(
                kind="ignored_file",
                file=name,
                row=None,
                column=None,
                message="not read: events come from .csv, .jsonl, .ndjson and .parquet files (or .csv.gz, .jsonl.gz)",
                help="rename it if it holds events, or move it out of the usage folder",
            )
            for name in found.ignored
        ]
        self.problems += [_skipped(entry) for entry in found.skipped]
        self.problems += [
            Problem(
                kind="unreadable_file",
                file=name,
                row=None,
                column=None,
                message=f"this folder cannot be listed ({reason}); events in it are not counted",
                help="let the user running avtale read the folder, or move it out of the usage folder",
            )
            for name, reason in found.unlisted
        ]
        self.conflicts = 0
        self.bases: dict[int, int] = {}
        self.skipped: dict[int, list[int]] = {}
        """Per CSV file, the records DuckDB could not split (sorted), which the row ids skip."""
        self.sources: dict[int, Source] = {}
        self.unsplit = 0
        self.unknown: list[str] = []
        self.more: set[int] = set()
        """Problems that count the rows not shown: listed after their file's rows."""

    def read(self, number: int, file: EventFile) -> None:
        try:
            status = os.stat(file.path)
            kind = special_kind(status.st_mode)
            if kind is not None:  # replaced since the folder was listed: still never read
                self.problems.append(_skipped(Skipped(shown=file.shown, kind=kind, target=None)))
                return
            if not status.st_size:
                return  # an empty file holds no events, and is no mistake
            src = source(self.con, file, self.layout.data_columns, number)
            (inserted,) = self._one(insert_sql(self.layout, src.sql, number))
        except (duckdb.Error, OSError) as exc:
            text = str(exc).strip()
            first = text.splitlines()[0] if text else type(exc).__name__
            self.problems.append(
                Problem(
                    kind="unreadable_file",
                    file=file.shown,
                    row=None,
                    column=None,
                    message=f"cannot be read as {file.format.upper()}: {first}",
                    help="check that the file is whole and in the format its suffix says; its events are not counted",
                )
            )
            return
        self.sources[number] = src
        for column in REQUIRED:
            if column in src.missing:
                message, help = missing_column(column, src.columns, True, inserted)
                self.problems.append(
                    Problem(kind="malformed", file=file.shown, row=None, column=None, message=message, help=help)
                )
        if inserted:
            (self.bases[number],) = self._one(f"SELECT min(rowid) FROM rows WHERE file_no = {number}")
        if src.rejects is not None:
            self._csv_rejects(number, file, src.rejects)

    def _one(self, sql: str) -> tuple[Any, ...]:
        row = self.con.execute(sql).fetchone()
        assert row is not None
        return row

    def _csv_rejects(self, number: int, file: EventFile, table: str) -> None:
        exists = self.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchone()
        if not exists or not exists[0]:
            return
        lines = self.con.execute(
            # one entry per line, chosen the same way every run (DuckDB may log several for a line)
            f"SELECT line, first(error_type ORDER BY error_type, column_idx DESC), "
            f"first(error_message ORDER BY error_type, column_idx DESC) FROM {table} GROUP BY line ORDER BY line"
        ).fetchall()
        self.con.execute(f"DROP TABLE IF EXISTS {table}; DROP TABLE IF EXISTS {table}_scan")
        self.unsplit += len(lines)
        # DuckDB gives these a physical line (the header is line 1); as records they are line - 1
        self.skipped[number] = [line - 1 for line, _, _ in lines]
        for line, error_type, detail in lines[:SHOWN_PER_KIND]:
            message, help = csv_line(str(error_type), str(detail or ""))
            self.problems.append(
                Problem(kind="malformed", file=file.shown, row=None, column=None, message=message, help=help, line=line)
            )
        if len(lines) > SHOWN_PER_KIND:
            self.problems.append(
                self._more(file.shown, len(lines) - SHOWN_PER_KIND, "lines that cannot be read as CSV")
            )

    def _more(self, file: str, n: int, what: str, kind: ProblemKind = "malformed") -> Problem:
        more = Problem(
            kind=kind,
            file=file,
            row=None,
            column=None,
            message=f"and {n:,} more {what}",
            help="fix the ones shown above first; the rest usually share their cause",
        )
        self.more.add(id(more))
        return more

    def finish(self, spill: Path) -> Usage:
        mark_unknown_contracts(self.con)
        rejected = self.unsplit + self._row_problems() + self._unknown_contracts()
        duplicates = self._duplicates()
        (valid,) = self._one("SELECT count(*) FROM rows WHERE problem IS NULL")
        self._unmetered()
        self._measures()
        report = UsageReport(
            files=tuple(f.shown for f in self.found.files),
            rows=valid + rejected,
            events=valid - duplicates,
            duplicates=duplicates,
            conflicts=self.conflicts,
            rejected=rejected,
            unknown_contracts=tuple(self.unknown),
            problems=tuple(sorted(self.problems, key=self._order)),
        )
        return Usage(self.con, self.layout, report, spill)

    def _where(self, file_no: int, rowid: int) -> tuple[str, int]:
        """File and 1-based record number of a row; rows after unsplit CSV lines move down past them."""
        row = rowid - self.bases[file_no] + 1
        for skipped in self.skipped.get(file_no, ()):
            if skipped <= row:
                row += 1
        return self.found.files[file_no].shown, row

    def _row_problems(self) -> int:
        groups = self.con.execute(
            "SELECT file_no, problem, count(*) FROM rows WHERE problem IS NOT NULL AND problem <> ? "
            "GROUP BY ALL ORDER BY ALL",
            [UNKNOWN_CONTRACT],
        ).fetchall()
        if not groups:
            return 0
        shown = self.con.execute(
            "SELECT file_no, problem, rowid, bad_text FROM rows WHERE problem IS NOT NULL AND problem <> ? "
            "QUALIFY row_number() OVER (PARTITION BY file_no, problem ORDER BY rowid) <= ? ORDER BY file_no, rowid",
            [UNKNOWN_CONTRACT, SHOWN_PER_KIND],
        ).fetchall()
        whole_file: set[tuple[int, str]] = set()
        for file_no, code, n in groups:
            kind, column, _ = code.split("|")
            missing = self.sources[file_no].missing
            if kind in ("missing", "missing_field") and column in missing:
                whole_file.add((file_no, code))
                if kind == "missing_field":
                    message, help = missing_column(column, self.sources[file_no].columns, False, n)
                    file = self.found.files[file_no].shown
                    self.problems.append(
                        Problem(kind="malformed", file=file, row=None, column=None, message=message, help=help)
                    )
            elif n > SHOWN_PER_KIND:
                message, _ = describe(code, None, self.metrics)
                self.problems.append(
                    self._more(self.found.files[file_no].shown, n - SHOWN_PER_KIND, f"rows like this: {message}")
                )
        for file_no, code, rowid, text in shown:
            if (file_no, code) in whole_file:
                continue
            file, row = self._where(file_no, rowid)
            message, help = describe(code, text, self.metrics)
            column = code.split("|")[1] or None
            self.problems.append(
                Problem(kind="malformed", file=file, row=row, column=column, message=message, help=help)
            )
        return sum(n for _, _, n in groups)

    def _unknown_contracts(self) -> int:
        rows = self.con.execute(
            "SELECT contract, count(*), arg_min(file_no, rowid), min(rowid) FROM rows WHERE problem = ? "
            "GROUP BY contract ORDER BY contract",
            [UNKNOWN_CONTRACT],
        ).fetchall()
        known = [c for (c,) in self.con.execute("SELECT contract FROM known").fetchall()]
        self.unknown = [contract for contract, *_ in rows]
        for contract, n, file_no, rowid in rows[:SHOWN_PER_KIND]:
            file, row = self._where(file_no, rowid)
            events = f"{n:,} event{'s' if n != 1 else ''}"
            self.problems.append(
                Problem(
                    kind="unknown_contract",
                    file=file,
                    row=row,
                    column="contract",
                    message=f"contract `{contract}` is not in the workspace ({events}; the first is here)",
                    help=closest(contract, known, "fix the contract id, or add the contract to the workspace")
                    + "; until then these events are not billed",
                )
            )
        if len(rows) > SHOWN_PER_KIND:
            file = self.found.files[rows[SHOWN_PER_KIND][2]].shown
            left = len(rows) - SHOWN_PER_KIND
            self.problems.append(self._more(file, left, "contracts not in the workspace", "unknown_contract"))
        return sum(n for _, n, _, _ in rows)

    def _content(self, alias: str) -> str:
        columns = ["contract", "event", "ts"]
        columns += [f"d{i}_num" for i in self.layout.numeric] + [f"k{i}" for i in self.layout.keyed]
        return "row(" + ", ".join(f"{alias}.{c}" for c in columns) + ")"

    def _differences(self, copy: tuple[Any, ...], kept: tuple[Any, ...]) -> str:
        """What differs between two contents (see _content), as `name` value here, value there."""
        names = ["contract", "event", "timestamp"]
        names += [self.layout.data_columns[i] for i in self.layout.numeric]
        names += [self.layout.data_columns[i] for i in self.layout.keyed]
        differ: dict[str, str] = {}
        for name, here, there in zip(names, copy, kept, strict=True):
            if here != there and name not in differ:  # a field read as a number and as a key: once
                differ[name] = f"`{name}` {_value(here)} here, {_value(there)} there"
        return "; ".join(differ.values())

    def _duplicates(self) -> int:
        # Grouping ten million ids as strings needs a large hash table; their 64-bit
        # hashes need a third of it, and only the few repeated hashes are compared as ids.
        self.con.execute(
            """
            CREATE TEMP TABLE dups AS
            WITH repeated AS (
                SELECT hash(id) AS h FROM rows WHERE problem IS NULL GROUP BY h HAVING count(*) > 1
            )
            SELECT id, min(rowid) AS keep, count(*) AS n
            FROM rows WHERE problem IS NULL AND hash(id) IN (SELECT h FROM repeated)
            GROUP BY id HAVING count(*) > 1
            """
        )
        self.con.execute(
            "CREATE TEMP TABLE dropped AS SELECT r.rowid AS rid FROM rows r JOIN dups d ON d.id = r.id "
            "WHERE r.problem IS NULL AND r.rowid <> d.keep"
        )
        (dropped,) = self._one("SELECT count(*) FROM dropped")
        if not dropped:
            return 0
        # One row per id whose copies differ from the kept (first) one; only the rows shown are
        # fetched, with the number of such ids and of differing copies over all of them.
        conflicts = self.con.execute(
            f"""
            WITH c AS (
                SELECT r.id, r.rowid AS rid, r.file_no, {self._content("r")} AS content
                FROM rows r JOIN dups d ON d.id = r.id WHERE r.problem IS NULL
            ), kept AS (
                SELECT id, arg_min(content, rid) AS content, min(rid) AS rid, arg_min(file_no, rid) AS file_no
                FROM c GROUP BY id
            )
            SELECT c.id, min(c.rid), arg_min(c.file_no, c.rid), arg_min(c.content, c.rid),
                   any_value(kept.rid), any_value(kept.file_no), any_value(kept.content), count(*),
                   count(*) OVER (), sum(count(*)) OVER ()
            FROM c JOIN kept ON kept.id = c.id
            WHERE c.content IS DISTINCT FROM kept.content
            GROUP BY c.id ORDER BY min(c.rid) LIMIT {SHOWN_PER_KIND + 1}
            """
        ).fetchall()
        if conflicts:
            self.conflicts = int(conflicts[0][9])
        for id_, rowid, file_no, content, kept_rowid, kept_file_no, kept_content, n, *_ in conflicts[:SHOWN_PER_KIND]:
            file, row = self._where(file_no, rowid)
            kept_file, kept_row = self._where(kept_file_no, kept_rowid)
            others = f"; {n - 1} more {'copies differ' if n > 2 else 'copy differs'} as well" if n > 1 else ""
            self.problems.append(
                Problem(
                    kind="conflicting_duplicate",
                    file=file,
                    row=row,
                    column="id",
                    message=f"event id `{id_}` was already used at {kept_file} row {kept_row}, with different "
                    f"content: {self._differences(content, kept_content)}{others}",
                    help="give different events different ids; if this one corrects the first, remove the first "
                    "(until then it is unknown which is right, and the bill run stops)",
                )
            )
        if conflicts and int(conflicts[0][8]) > SHOWN_PER_KIND:
            file = self.found.files[conflicts[SHOWN_PER_KIND][2]].shown
            left = int(conflicts[0][8]) - SHOWN_PER_KIND
            self.problems.append(
                self._more(file, left, "ids used twice with different content", "conflicting_duplicate")
            )
        return int(dropped)

    def _measures(self) -> None:
        nums = " ".join(
            f"WHEN {literal(m.id)} THEN d{self.layout.index(m.field)}_num"
            for m in self.layout.metrics
            if m.field is not None and m.function != "unique"
        )
        keys = " ".join(
            f"WHEN {literal(m.id)} THEN k{self.layout.index(m.field)}"
            for m in self.layout.metrics
            if m.field is not None and m.function == "unique"
        )
        num = f"CASE me.metric {nums} END" if nums else "NULL"
        key = f"CASE me.metric {keys} END" if keys else "NULL"
        # What metering needs, sorted by contract, so that a bill run metering a
        # range of contracts reads only the row groups that hold them. DuckDB keeps
        # each group's min and max, but of text only the first bytes, which ids
        # like CONTRACT-2026-000123 share: the range is taken on the contract's
        # number instead. The raw rows go; past the memory limit both tables spill.
        self.con.execute(
            f"""
            CREATE TEMP TABLE measures AS
            SELECT k.cno, me.metric, r.contract, r.day, r.ts, r.id,
                   {num}::DECIMAL(38, 10) AS num, {key}::VARCHAR AS key
            FROM rows r
            JOIN metric_events me ON me.event = r.event
            JOIN known k ON k.contract = r.contract
            WHERE {KEPT}
            ORDER BY k.cno;
            DROP TABLE rows;
            DROP TABLE dups;
            DROP TABLE dropped;
            """
        )

    def _unmetered(self) -> None:
        # Which names no metric counts, first, by one cheap pass: usually none, and the counts
        # (without the dropped copies) are then taken of those names' rows only.
        names = [
            name
            for (name,) in self.con.execute(
                "SELECT DISTINCT event FROM rows "
                "WHERE problem IS NULL AND event NOT IN (SELECT event FROM metric_events)"
            ).fetchall()
        ]
        if not names:
            return
        rows = self.con.execute(
            f"SELECT event, count(*), arg_min(file_no, rowid), min(rowid) FROM rows r WHERE {KEPT} "
            "AND event IN (SELECT unnest($1::VARCHAR[])) GROUP BY event ORDER BY event",
            [names],
        ).fetchall()
        events = sorted({e for m in self.layout.metrics for e in m.events})
        for event, n, file_no, rowid in rows[:SHOWN_PER_KIND]:
            file, row = self._where(file_no, rowid)
            self.problems.append(
                Problem(
                    kind="unmetered_event",
                    file=file,
                    row=row,
                    column="event",
                    message=f"no metric counts `{event}` events ({n:,}; the first is here)",
                    help=closest(event, events, "if these events are billable, list the name in a metric's `events`"),
                )
            )
        if len(rows) > SHOWN_PER_KIND:
            file = self.found.files[rows[SHOWN_PER_KIND][2]].shown
            left = len(rows) - SHOWN_PER_KIND
            self.problems.append(self._more(file, left, "event names no metric counts", "unmetered_event"))

    def _order(self, problem: Problem) -> tuple[str, int, int, str, str]:
        """By file; whole-file problems first, then by position, then the counts of rows not shown."""
        rank = 2 if id(problem) in self.more else (0 if problem.row is None and problem.line is None else 1)
        position = problem.line - 1 if problem.line is not None else problem.row or 0
        return (problem.file, rank, position, problem.kind, problem.message)


def _value(value: object) -> str:
    """A content value as the message shows it: exact numbers without trailing zeros, instants in UTC."""
    if value is None:
        return "none"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".") + "Z"
    return f"`{value}`"


def _skipped(entry: Skipped) -> Problem:
    if entry.kind == "a folder" and entry.target is not None:
        return Problem(
            kind="skipped_file",
            file=entry.shown,
            row=None,
            column=None,
            message=f"not read: a link to the folder {entry.target}; links to folders are not followed",
            help="move or copy the folder into the usage folder, or point the `usage` setting at it",
        )
    what = f"a link to {entry.target}, which is {entry.kind}" if entry.target else entry.kind
    return Problem(
        kind="skipped_file",
        file=entry.shown,
        row=None,
        column=None,
        message=f"not read: this is {what}, not a regular file",
        help="only regular files are read (a pipe or a device could be read forever); "
        "write the events to a file, or move this out of the usage folder",
    )
