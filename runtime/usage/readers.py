"""Reading one event file with DuckDB into the same shape, whatever its format.

Every reader yields, per record and in file order: `bad_record` (the record is not
an object at all), the text of `id`, `contract`, `event` and `timestamp`, an
already typed instant when the file stores one (`ts_typed`), and for every data
column a metric may read (`value` first, then properties) its text and whether it
came from a floating-point number (`d{i}_text`, `d{i}_approx`). Values are read
as text, never as floats, so that `0.1` stays exactly 0.1.
"""

from __future__ import annotations

import attrs
import duckdb

from runtime.usage.files import EventFile

REQUIRED = ("id", "contract", "event", "timestamp")

_FLOATS = {"FLOAT", "DOUBLE", "REAL"}
# RFC 4180 fixed, not sniffed: a guessed delimiter or comment character could drop rows silently.
_CSV_DIALECT = "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', comment = '', skip = 0"


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@attrs.frozen(kw_only=True)
class Source:
    """The SELECT that reads one file, and what the file lacks."""

    sql: str
    missing: frozenset[str]
    """Columns the file does not have at all (required ones and data columns)."""
    columns: tuple[str, ...]
    """The columns the file has, for messages."""
    rejects: str | None = None
    """For CSV: the table DuckDB fills with lines it could not split into columns."""


def source(con: duckdb.DuckDBPyConnection, file: EventFile, data_columns: tuple[str, ...], n: int) -> Source:
    if file.format == "csv":
        return _csv(con, file, data_columns, n)
    if file.format == "jsonl":
        return _jsonl(file, data_columns)
    return _parquet(con, file, data_columns)


def _describe(con: duckdb.DuckDBPyConnection, scan: str) -> dict[str, str]:
    return {name: str(kind) for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()}


def _select(
    bad_record: str,
    texts: dict[str, str],
    ts_typed: str,
    data: list[tuple[str, str]],
    fro: str,
) -> str:
    parts = [f"{bad_record} AS bad_record"]
    parts += [f"{texts[name]} AS {name}" for name in ("id", "contract", "event")]
    parts += [f"{texts['timestamp']} AS ts_text", f"{ts_typed} AS ts_typed"]
    for i, (text, approx) in enumerate(data):
        parts += [f"{text} AS d{i}_text", f"{approx} AS d{i}_approx"]
    return "SELECT " + ", ".join(parts) + " FROM " + fro


def _csv(con: duckdb.DuckDBPyConnection, file: EventFile, data_columns: tuple[str, ...], n: int) -> Source:
    path = literal(str(file.path))
    # ignore_errors only for the header: the read below reports every bad line
    found = _describe(con, f"read_csv({path}, {_CSV_DIALECT}, ignore_errors = true)")
    wanted = (*REQUIRED, *data_columns)

    def text(name: str) -> str:
        return f"{ident(name)}::VARCHAR" if name in found else "NULL::VARCHAR"

    texts = {name: text(name) for name in REQUIRED}
    data = [(text(name), "false") for name in data_columns]
    rejects = f"csv_rejects_{n}"
    scan = (
        f"read_csv({path}, {_CSV_DIALECT}, store_rejects = true, "
        f"rejects_table = {literal(rejects)}, rejects_scan = {literal(rejects + '_scan')})"
    )
    return Source(
        sql=_select("false", texts, "NULL::TIMESTAMPTZ", data, scan),
        missing=frozenset(c for c in wanted if c not in found),
        columns=tuple(found),
        rejects=rejects,
    )


def _json_path(name: str) -> str:
    return literal("$." + ident(name))


def _jsonl(file: EventFile, data_columns: tuple[str, ...]) -> Source:
    # read_ndjson_objects keeps one row per non-blank line, NULL for a line that is
    # not JSON, so row numbers stay right; the fields are then picked in one pass.
    names = (*REQUIRED, *data_columns)
    paths = "[" + ", ".join(_json_path(n) for n in names) + "]"
    data_paths = "[" + ", ".join(_json_path(n) for n in data_columns) + "]"
    texts = {name: f"x[{i + 1}]" for i, name in enumerate(REQUIRED)}
    data = [
        (f"x[{len(REQUIRED) + i + 1}]", f"coalesce(t[{i + 1}] = 'DOUBLE', false)") for i in range(len(data_columns))
    ]
    scan = (
        f"(SELECT json, json_extract_string(json, {paths}) AS x, json_type(json, {data_paths}) AS t "
        f"FROM read_ndjson_objects({literal(str(file.path))}, ignore_errors = true))"
    )
    bad = "(json IS NULL OR json_type(json) <> 'OBJECT')"
    return Source(
        sql=_select(bad, texts, "NULL::TIMESTAMPTZ", data, scan),
        missing=frozenset(),  # JSON objects may each have other keys: checked row by row
        columns=names,
    )


def _parquet(con: duckdb.DuckDBPyConnection, file: EventFile, data_columns: tuple[str, ...]) -> Source:
    scan = f"read_parquet({literal(str(file.path))})"
    found = _describe(con, scan)
    wanted = (*REQUIRED, *data_columns)

    def text(name: str) -> str:
        return f"{ident(name)}::VARCHAR" if name in found else "NULL::VARCHAR"

    texts = {name: text(name) for name in REQUIRED}
    # A Parquet instant (isAdjustedToUTC) arrives as TIMESTAMP WITH TIME ZONE; a plain
    # TIMESTAMP has no offset and is rejected like offset-less text.
    ts_kind = found.get("timestamp", "")
    ts_typed = ident("timestamp") if ts_kind == "TIMESTAMP WITH TIME ZONE" else "NULL::TIMESTAMPTZ"
    data = [(text(name), "true" if found.get(name, "") in _FLOATS else "false") for name in data_columns]
    return Source(
        sql=_select("false", texts, ts_typed, data, scan),
        missing=frozenset(c for c in wanted if c not in found),
        columns=tuple(found),
    )
