"""Why a line bills what it bills: typed records, stored with each issued line as
one versioned JSON structure that `invoice explain`, the e-invoice export and
revenue recognition read back into the same types, never by guessing keys.

The JSON form is `{"v": 2, ...}` with the fields of `Trace`; decimals are
strings (exact), dates ISO text. `trace_from_json` refuses any other version.
"""

from __future__ import annotations

import json
import types
import typing
from datetime import date
from decimal import Decimal
from typing import Any, Literal, TypeVar, get_args, get_origin

import attrs

from dsl.span import Span

TRACE_VERSION = 2
TraceKind = Literal["recurring", "one_time", "usage", "discount", "minimum", "prepaid", "drawdown", "correction"]
_ONLY_WHEN_SET = ("prepaid", "drawdown")
"""Fields added after traces were first stored: left out of the JSON when empty, so that the stored text of
every other line stays exactly what it was."""


@attrs.frozen(kw_only=True)
class Source:
    """A place in a `.avt` file."""

    file: str
    line: int
    column: int

    @classmethod
    def of(cls, span: Span) -> Source:
        return cls(file=span.file, line=span.line, column=span.column)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@attrs.frozen(kw_only=True)
class PieceTrace:
    """A stretch of the period at one quantity and price, and how much of the price it bills."""

    start: date
    end: date
    quantity: Decimal
    price: Decimal
    per: str
    unit_months: int
    whole: int
    parts: tuple[tuple[int, int], ...]
    amount: Decimal
    amendment: int | None
    note: str
    source: Source


@attrs.frozen(kw_only=True)
class UsageTrace:
    start: date
    end: date
    metric: str
    total: Decimal
    arithmetic: str
    amount: Decimal
    amendment: int | None
    source: Source


@attrs.frozen(kw_only=True)
class DiscountTrace:
    discount: str
    percent: Decimal
    charge: str
    window_start: date | None
    window_end: date | None
    discounted: Decimal
    """The part of the base line's amount inside the window, exact."""


@attrs.frozen(kw_only=True)
class MinimumTrace:
    minimum: Decimal
    billed_in_year: Decimal
    year_start: date
    year_end: date
    billed_elsewhere: Decimal = Decimal(0)
    """Of `billed_in_year`, what the old billing invoiced before the cut-over (`billed_through`)."""


@attrs.frozen(kw_only=True)
class PrepaidTrace:
    """A contract year's prepaid credit."""

    credit: Decimal
    year_start: date
    year_end: date
    charges: tuple[str, ...]
    """The usage charges that draw it down."""


@attrs.frozen(kw_only=True)
class DrawdownTrace:
    """What a usage line drew from its contract year's credit: min(balance before, the usage after discounts)."""

    credit: Decimal
    year_start: date
    year_end: date
    charge: str
    usage_start: date
    usage_end: date
    """The usage line drawn: its charge and billing period."""
    usage_amount: Decimal
    """The usage line's amount after its discounts, exact."""
    before: Decimal
    drawn: Decimal
    after: Decimal
    """The year's balance before and after this line, exact."""


@attrs.frozen(kw_only=True)
class DocumentRef:
    series: str
    number: int
    line: int


@attrs.frozen(kw_only=True)
class CorrectionTrace:
    """A difference between what is now expected for a line and what was issued for it."""

    expected: Decimal
    issued: Decimal
    corrects: tuple[DocumentRef, ...]
    reason: str


@attrs.frozen(kw_only=True)
class Trace:
    kind: TraceKind
    """The line's kind; `correction` for a line that settles a difference."""
    line_kind: str
    """The kind of the line identity the trace belongs to (for a correction: the line corrected)."""
    source: Source
    amendment: int | None = None
    billing_date: date
    pieces: tuple[PieceTrace, ...] = ()
    usage: tuple[UsageTrace, ...] = ()
    discount: DiscountTrace | None = None
    minimum: MinimumTrace | None = None
    correction: CorrectionTrace | None = None
    note: str = ""
    prepaid: PrepaidTrace | None = None
    drawdown: DrawdownTrace | None = None


_FIELDS: dict[type, tuple[str, ...]] = {}


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is Decimal:
        return f"{value:f}"
    if kind is date:
        return value.isoformat()
    if kind is tuple:
        return [_encode(v) for v in value]
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in attrs.fields(kind))
    return {name: _encode(getattr(value, name)) for name in names}


def trace_to_json(trace: Trace) -> str:
    """Canonical text: keys sorted, so the same trace is always the same bytes."""
    body = {"v": TRACE_VERSION, **_encode(trace)}
    for name in _ONLY_WHEN_SET:
        if body[name] is None:
            del body[name]
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


T = TypeVar("T")
_HINTS: dict[type, dict[str, Any]] = {}


def _decode(kind: Any, value: Any) -> Any:
    origin = get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [k for k in get_args(kind) if k is not type(None)]
        return None if value is None else _decode(options[0], value)
    if origin is Literal:
        if value not in get_args(kind):
            raise ValueError(f"unexpected value {value!r}")
        return value
    if origin is tuple:
        args = get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in value)
        return tuple(_decode(k, v) for k, v in zip(args, value, strict=True))
    if isinstance(kind, type) and attrs.has(kind):
        return _decode_record(kind, value)
    if kind is Decimal:
        if not isinstance(value, str):
            raise ValueError(f"amount {value!r} is not text")
        return Decimal(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind in (str, int) and isinstance(value, kind) and not isinstance(value, bool):
        return value
    raise ValueError(f"{value!r} is not a {kind}")


def _decode_record(kind: type[T], value: Any) -> T:
    if not isinstance(value, dict):
        raise ValueError(f"{kind.__name__} is not an object")
    hints = _HINTS.get(kind)
    if hints is None:
        hints = _HINTS[kind] = typing.get_type_hints(kind)
    fields = {f.name for f in attrs.fields(typing.cast(Any, kind))}
    unknown = set(value) - fields
    if unknown:
        raise ValueError(f"{kind.__name__} has no field {sorted(unknown)[0]!r}")
    return kind(**{name: _decode(hints[name], v) for name, v in value.items()})


def trace_from_json(text: str) -> Trace:
    """The trace stored with an issued line. Raises ValueError for anything but a version-2 trace."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("v") != TRACE_VERSION:
        raise ValueError(f"provenance is not a version {TRACE_VERSION} trace")
    body = {k: v for k, v in data.items() if k != "v"}
    return _decode_record(Trace, body)
