"""The usage sheet: totals per contract, metric and month, as `avtale usage summary` counts them."""

from __future__ import annotations

from datetime import date

from compiler import model
from runtime.usage import UsageSummary
from runtime.workbook.records import UsageRecord


def usage_records(summary: UsageSummary, workspace: model.Workspace) -> list[UsageRecord]:
    """One row per contract, metric and month with events, in the summary's order. The summary's totals
    over its whole range are left out: a column that sums them with the months would count twice."""
    out: list[UsageRecord] = []
    for total in summary.totals:
        if total.month is None:
            continue
        contract = workspace.contracts.get(total.contract)
        customer = workspace.customers.get(contract.customer) if contract is not None else None
        metric = workspace.metrics.get(total.metric)
        out.append(
            UsageRecord(
                contract=total.contract,
                customer=contract.customer if contract is not None else "",
                customer_name=customer.name if customer is not None else "",
                metric=total.metric,
                metric_label=metric.label if metric is not None else "",
                month=date(int(total.month[:4]), int(total.month[5:7]), 1),
                events=total.events,
                total=total.total,
            )
        )
    return out
