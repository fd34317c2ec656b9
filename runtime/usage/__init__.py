"""Usage metering: event files read and checked by DuckDB, metric totals per period.

    with read_usage(root / settings.usage, workspace.metrics.values(), workspace.contracts) as usage:
        if usage.report.blocking: ...              # malformed rows, unknown contracts
        totals = usage.meter([PeriodRequest("NORD-2026-001", "api_calls", date(2026, 3, 1), date(2026, 4, 1))])

A request may carry a fifth element, a `PerEvent`, for the fees of a price per event; gauge
metrics (`time_weighted`, `daily_average`, `peak`) are requested like any other.
`meter_usage` does both in one call. See docs/usage.md for the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import attrs

from compiler.model import Metric
from runtime.usage.database import TIME_ZONE, UsageError
from runtime.usage.events import Usage, read_usage
from runtime.usage.metering import Key, PeriodRequest
from runtime.usage.problems import Problem, ProblemKind, UsageReport
from runtime.usage.summary import MetricTotal, UsageSummary


@attrs.frozen(kw_only=True)
class Metering:
    totals: dict[Key, Decimal]
    report: UsageReport


def meter_usage(
    folder: Path,
    metrics: Iterable[Metric],
    known_contracts: Iterable[str],
    periods: Iterable[Key],
    *,
    relative_to: Path | None = None,
) -> Metering:
    """Read the usage folder and total each requested period; the caller decides what blocks billing."""
    with read_usage(folder, metrics, known_contracts, relative_to=relative_to) as usage:
        return Metering(totals=usage.meter(periods), report=usage.report)


__all__ = [
    "TIME_ZONE",
    "Key",
    "Metering",
    "MetricTotal",
    "PeriodRequest",
    "Problem",
    "ProblemKind",
    "Usage",
    "UsageError",
    "UsageReport",
    "UsageSummary",
    "meter_usage",
    "read_usage",
]
