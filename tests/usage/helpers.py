"""Metrics and event files for the usage tests, written small enough to check by hand."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

from compiler.model import Metric
from dsl.ast import Aggregation
from dsl.span import Span
from runtime.usage import PeriodRequest, Usage, read_usage


def metric(id: str, function: Aggregation, field: str | None, *events: str, negative: bool = False) -> Metric:
    return Metric(
        id=id,
        label=id,
        events=events,
        function=function,
        field=field,
        span=Span("m.avt", 1, 1, 1, 2),
        negative_allowed=negative,
    )


METRICS = (
    metric("calls", "count", None, "api.request", "webhook.delivered"),
    metric("volume", "sum", "amount", "payment.captured", negative=True),  # refunds are negative payments
    metric("storage", "max", "value", "storage.snapshot"),
    metric("users", "unique", "user_id", "login"),
    metric("seats", "latest", "value", "seats.set"),
)
CONTRACTS = ("A-1", "B-2")
HEADER = "id,contract,event,timestamp,value,amount,user_id"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def csv(folder: Path, name: str, *rows: str, header: str = HEADER) -> Path:
    return write(folder, name, "\n".join((header, *rows)) + "\n")


def read(folder: Path, contracts: Iterable[str] = CONTRACTS, metrics: Iterable[Metric] = METRICS) -> Usage:
    return read_usage(folder, metrics, contracts)


def total(usage: Usage, contract: str, metric: str, start: date, end: date) -> Decimal:
    request = PeriodRequest(contract, metric, start, end)
    return usage.meter([request])[request]


def problems(usage: Usage) -> list[tuple[str, str, int | None, str]]:
    """(kind, file, row or line, message) for each problem, in report order."""
    return [(p.kind, p.file, p.row if p.line is None else p.line, p.message) for p in usage.report.problems]
