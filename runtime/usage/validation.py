"""The checks every record passes before it counts, as one SQL pass per file.

Each record gets a `problem` code (NULL when it is fine) of the form
`code|column|metric`; reasons.py turns codes into messages. The first failing
check wins, in the order written here, so a record is reported once.
"""

from __future__ import annotations

import duckdb

from runtime.usage.database import TIME_ZONE
from runtime.usage.layout import NUMERIC, Layout
from runtime.usage.readers import REQUIRED, literal

MAX_DECIMALS = 10
"""Values are held as DECIMAL(38, 10), as are totals: 28 digits before the point, 10 after."""
TOTAL_DIGITS = 38 - MAX_DECIMALS
MAX_WHOLE_DIGITS = 18
"""The digits a value may have before the point. Totals hold 28, so even ten billion values
of the largest size add up without overflowing: one stray value (a misplaced point, øre
read as kroner) is a rejected row naming its file and row, never a failed total."""
FLOAT_DIGITS = 15
"""A binary float keeps any decimal of up to 15 significant digits exactly."""


def _macros(whole_digits: int) -> str:
    # The cast to DECIMAL(whole + 10, 10) yields NULL for a value with too many digits
    # before the point, so the size limit costs nothing beyond the cast itself.
    exact = f"DECIMAL({whole_digits + MAX_DECIMALS}, {MAX_DECIMALS})"
    return rf"""
CREATE OR REPLACE TEMP MACRO exact_decimal(t) AS (
    -- DuckDB's cast rounds silently past the 10th decimal; refuse instead of rounding.
    -- The first branch is the usual plain notation, one regular expression; the second
    -- takes exponents (1.5e3, as floats print), counting decimals left after the shift.
    CASE WHEN regexp_full_match(t, '\s*[+-]?(\d+(\.\d{{0,{MAX_DECIMALS}}}0*)?|\.\d{{1,{MAX_DECIMALS}}}0*)\s*')
         THEN TRY_CAST(trim(t) AS {exact})
         WHEN regexp_full_match(t, '\s*[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+\s*')
          AND length(rtrim(regexp_extract(t, '\.(\d*)', 1), '0'))
              - coalesce(TRY_CAST(regexp_extract(t, '[eE]([+-]?\d+)', 1) AS INTEGER), 0) <= {MAX_DECIMALS}
         THEN TRY_CAST(trim(t) AS {exact}) END
);
CREATE OR REPLACE TEMP MACRO significant_digits(t) AS (
    length(trim(regexp_replace(regexp_replace(t, '[eE].*$', ''), '[^0-9]', '', 'g'), '0'))
);
CREATE OR REPLACE TEMP MACRO blank(t) AS (t IS NULL OR trim(t) = '');
"""


_WITH_OFFSET = r"\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)\s*"
_WITHOUT_OFFSET = r"\s*\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*"


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_macros(MAX_WHOLE_DIGITS))


def create_rows_table(con: duckdb.DuckDBPyConnection, layout: Layout) -> None:
    columns = ["file_no INTEGER", "id VARCHAR", "contract VARCHAR", "event VARCHAR", "ts TIMESTAMPTZ", "day DATE"]
    columns += [f"d{i}_num DECIMAL(38, {MAX_DECIMALS})" for i in layout.numeric]
    columns += [f"k{i} VARCHAR" for i in layout.keyed]
    columns += ["problem VARCHAR", "bad_text VARCHAR"]
    con.execute(f"CREATE TEMP TABLE rows ({', '.join(columns)})")


UNKNOWN_CONTRACT = "unknown_contract|contract|"


def mark_unknown_contracts(con: duckdb.DuckDBPyConnection) -> None:
    """The last check, on rows that passed all the others."""
    con.execute(
        "UPDATE rows SET problem = ? WHERE problem IS NULL AND contract NOT IN (SELECT contract FROM known)",
        [UNKNOWN_CONTRACT],
    )


def _checks(layout: Layout) -> list[tuple[str, str]]:
    """(condition, problem code), in the order they are tried."""
    checks = [("bad_record", "not_object||")]
    checks += [(f"blank({name})", f"missing|{name}|") for name in REQUIRED if name != "timestamp"]
    checks.append(("blank(ts_text) AND ts_typed IS NULL", "missing|timestamp|"))
    checks += [
        (
            f"ts_typed IS NULL AND NOT ts_offset AND regexp_full_match(ts_text, {literal(_WITHOUT_OFFSET)})",
            "no_offset|timestamp|",
        ),
        ("ts IS NULL", "bad_timestamp|timestamp|"),
    ]
    checks += _number_checks(0, "value", "NOT blank(d0_text)", "")
    for metric in layout.metrics:
        if metric.field is None:
            continue
        i = layout.index(metric.field)
        matches = f"event IN ({', '.join(literal(e) for e in metric.events)})"
        checks.append((f"{matches} AND blank(d{i}_text)", f"missing_field|{metric.field}|{metric.id}"))
        if metric.function in NUMERIC:
            checks += _number_checks(i, metric.field, matches, metric.id)
            if not metric.negative_allowed:
                # per metric: another metric reading the same field may allow what this one refuses.
                # The cheap comparison first: it is false for nearly every row, which then skips the IN.
                checks.append((f"d{i}_num < 0 AND {matches}", f"negative|{metric.field}|{metric.id}"))
    return checks


def _number_checks(i: int, column: str, when: str, metric: str) -> list[tuple[str, str]]:
    # the float check first: a float's text is not what the producer wrote
    return [
        (
            f"{when} AND d{i}_approx AND significant_digits(d{i}_text) > {FLOAT_DIGITS}",
            f"inexact_number|{column}|{metric}",
        ),
        (f"{when} AND d{i}_num IS NULL", f"bad_number|{column}|{metric}"),
    ]


def insert_sql(layout: Layout, source_sql: str, file_no: int) -> str:
    """INSERT the checked records of one file (given by its reader's SELECT) into `rows`.

    Only projections, no join: DuckDB then keeps the file's order in the table, so
    row ids give row numbers. (A join here, even `IN (SELECT ...)`, reorders large
    files; unknown contracts are marked afterwards by mark_unknown_contracts.)
    """
    numbers = [f"exact_decimal(d{i}_text) AS d{i}_num" for i in layout.numeric]
    parsed = (
        "SELECT *, coalesce(ts_typed, CASE WHEN ts_offset THEN TRY_CAST(trim(ts_text) AS TIMESTAMPTZ) END) AS ts "
        # spaces around names (`ev-1, A-1, api.request`) are not part of them
        "FROM (SELECT s.* REPLACE (trim(s.id) AS id, trim(s.contract) AS contract, trim(s.event) AS event), "
        f"coalesce(regexp_full_match(ts_text, {literal(_WITH_OFFSET)}), false) AS ts_offset"
        + "".join(", " + n for n in numbers)
        + f" FROM ({source_sql}) s)"
    )
    problem = "CASE " + " ".join(f"WHEN {cond} THEN {literal(code)}" for cond, code in _checks(layout)) + " END"
    texts = {"timestamp": "ts_text", "id": "id", "contract": "contract", "event": "event"}
    texts.update({name: f"d{i}_text" for i, name in enumerate(layout.data_columns)})
    bad_text = (
        "CASE WHEN problem IS NOT NULL THEN left(CASE split_part(problem, '|', 2) "
        + " ".join(f"WHEN {literal(name)} THEN {expr}" for name, expr in texts.items())
        + " END, 80) END"
    )
    keep = ["id", "contract", "event", "ts", f"timezone({literal(TIME_ZONE)}, ts)::DATE"]
    keep += [f"d{i}_num" for i in layout.numeric]
    keep += [f"nullif(trim(d{i}_text), '')" for i in layout.keyed]
    return (
        f"INSERT INTO rows SELECT {file_no}, {', '.join(keep)}, problem, {bad_text} "
        f"FROM (SELECT *, {problem} AS problem FROM ({parsed}))"
    )
