"""Which columns the metrics read, and where each metric finds its measure."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from compiler.model import Metric

GAUGES = frozenset({"time_weighted", "daily_average", "peak"})
"""Aggregations of a level that holds from one event to the next (gauges.py)."""
NUMERIC = frozenset({"sum", "max", "latest"}) | GAUGES
"""Aggregations that read their field as a number."""


@attrs.frozen(kw_only=True)
class Layout:
    metrics: tuple[Metric, ...]
    """Sorted by id, so that the first failing metric named in a report is stable."""
    data_columns: tuple[str, ...]
    """`value` first, then every field a metric reads, sorted."""
    numeric: tuple[int, ...]
    """Indexes into data_columns read as numbers (stored as d{i}_num)."""
    keyed: tuple[int, ...]
    """Indexes into data_columns read as keys by `unique` (stored as k{i})."""

    def index(self, field: str) -> int:
        return self.data_columns.index(field)


def layout(metrics: Iterable[Metric]) -> Layout:
    ordered = tuple(sorted(metrics, key=lambda m: m.id))
    fields = sorted({m.field for m in ordered if m.field is not None} - {"value"})
    data_columns = ("value", *fields)
    numeric = {0} | {data_columns.index(m.field) for m in ordered if m.field is not None and m.function in NUMERIC}
    keyed = {data_columns.index(m.field) for m in ordered if m.field is not None and m.function == "unique"}
    return Layout(
        metrics=ordered, data_columns=data_columns, numeric=tuple(sorted(numeric)), keyed=tuple(sorted(keyed))
    )
