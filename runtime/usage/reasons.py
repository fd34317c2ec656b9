"""Problem codes from validation.py in plain words, each with the fix."""

from __future__ import annotations

import difflib
import re
from decimal import Decimal, InvalidOperation

from compiler.model import Metric
from runtime.usage import validation
from runtime.usage.validation import MAX_DECIMALS

_EXAMPLE_TIME = "2026-04-01T00:30:00+02:00 or 2026-03-31T22:30:00Z"

_MISSING_HELP = {
    "id": "give every event a unique id: it is how an event sent twice is counted once",
    "contract": "name the contract the event belongs to, as in the workspace (e.g. NORD-2026-001)",
    "event": "name the event, as a metric's `events` lists it",
    "timestamp": f"give the time with its UTC offset, e.g. {_EXAMPLE_TIME}",
}

_VERB = {
    "sum": "sums",
    "max": "takes the largest",
    "latest": "takes the latest",
    "unique": "counts the distinct values of",
    "count": "counts",
    "time_weighted": "reads the level in",
    "daily_average": "reads the level in",
    "peak": "reads the level in",
}

_PLAIN_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _number_fault(text: str) -> str:
    """Why a text that validation refused as a number is not one (the text may be cut to 80 characters)."""
    if not _PLAIN_NUMBER.fullmatch(text):
        return "is not a number"
    try:
        exponent = Decimal(text.strip()).normalize().as_tuple().exponent
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return "is not a number"
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        return f"has more than {MAX_DECIMALS} decimals"
    return f"is too large (at most {validation.MAX_WHOLE_DIGITS} digits before the point)"


def describe(code: str, text: str | None, metrics: dict[str, Metric]) -> tuple[str, str]:
    """The message and help for a record's problem code (`code|column|metric`)."""
    kind, column, metric_id = code.split("|")
    shown = f"`{text}`" if text else "it"
    metric = metrics.get(metric_id)
    if kind == "not_object":
        return (
            "the line is not a JSON object",
            'write one object per line, e.g. {"id": "ev-1", "contract": "NORD-2026-001", '
            '"event": "api.request", "timestamp": "2026-03-01T12:00:00+01:00", "value": 1}',
        )
    if kind == "missing":
        return f"`{column}` is empty", _MISSING_HELP[column]
    if kind == "no_offset":
        return (
            f"timestamp {shown} has no UTC offset",
            f"add `Z` (UTC) or the offset, e.g. {_EXAMPLE_TIME}; without it the instant, and so the date, is unknown",
        )
    if kind == "bad_timestamp":
        return (
            f"timestamp {shown} is not an ISO 8601 date and time",
            f"write YYYY-MM-DDTHH:MM:SS with `Z` or an offset, e.g. {_EXAMPLE_TIME}",
        )
    if kind == "missing_field" and metric is not None:
        return (
            f"metric `{metric.id}` {_VERB[metric.function]} `{column}`, but this event has none",
            f"give every `{'`/`'.join(metric.events)}` event a `{column}`, or take the event out of the metric",
        )
    if kind == "negative" and metric is not None:
        return (
            f"`{column}` {shown} is negative, which metric `{metric.id}` does not allow",
            f"correct the value; if `{column}` may really be negative (refunds, corrections), "
            f"add `negative allowed` to metric `{metric.id}`",
        )
    fix = f"write a number with a point and at most {MAX_DECIMALS} decimals, e.g. 1250.5"
    if column == "value" and metric is None:
        fix += ", or leave `value` empty for events that are only counted"
    reader = f" (metric `{metric.id}` {_VERB[metric.function]} it)" if metric is not None else ""
    if kind == "inexact_number":
        return (
            f"`{column}` {shown} was stored as a floating-point number, which cannot hold it exactly{reader}",
            'write it as a JSON string ("1250.5") or, in Parquet, as a DECIMAL column',
        )
    fault = _number_fault(text or "")
    if fault.startswith("is too large"):
        fix = "look for a misplaced decimal point or a value in the wrong unit; totals must stay exact"
    return f"`{column}` {shown} {fault}{reader}", fix


def missing_column(column: str, columns: tuple[str, ...], required: bool, rows: int) -> tuple[str, str]:
    have = ", ".join(f"`{c}`" for c in columns) or "none"
    if required:
        lost = f", so its {rows:,} row{'s' if rows != 1 else ''} cannot be counted" if rows else ""
        return (
            f"the file has no `{column}` column{lost}",
            f"name the columns in the first line: id, contract, event, timestamp, value (the file has {have})",
        )
    return (
        f"the file has no `{column}` column, which a metric reads; "
        + (f"{rows:,} rows that need it were rejected" if rows != 1 else "1 row that needs it was rejected"),
        f"add the `{column}` column (the file has {have})",
    )


def csv_line(error_type: str, detail: str) -> tuple[str, str]:
    """Lines DuckDB's CSV reader could not split into the header's columns."""
    kind = error_type.lower()
    if "encoding" in kind:
        return "the line is not valid UTF-8", "save the file as UTF-8"
    if "columns" in kind:
        found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", detail)
        counted = f" ({found.group(2)} instead of {found.group(1)})" if found else ""
        return (
            f"the line has {'too many' if 'many' in kind else 'too few'} fields{counted}",
            'give every line the header\'s columns, separated by commas; quote a value holding a comma ("a,b")',
        )
    if "quote" in kind:
        return "the line has a stray or unclosed quote", 'quote a whole value ("a ""b"" c"), doubling quotes inside it'
    return f"the line cannot be read as CSV ({detail.splitlines()[0] if detail else kind})", (
        "write the file as comma-separated values with a header line (RFC 4180)"
    )


def closest(name: str, candidates: list[str], otherwise: str) -> str:
    """`did you mean X?` when a candidate is close, else the general fix."""
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`? Otherwise {otherwise}" if close else otherwise
