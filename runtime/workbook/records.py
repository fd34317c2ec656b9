"""One typed row per sheet. Amounts are Decimals rounded as billed; dates are dates; a blank cell is None.

Credit notes carry negative amounts (net, VAT, gross), as in `avtale export csv`, so that
every amount column sums to what was invoiced less what was credited.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs


@attrs.frozen(kw_only=True)
class DocumentRecord:
    number: int
    kind: str  # "invoice" or "credit note"
    issue_date: date
    due_date: date
    customer: str
    customer_name: str
    contract: str
    currency: str
    net: Decimal
    vat: Decimal
    gross: Decimal
    kid: str
    corrects: int | str | None  # the invoice a credit note corrects; several as "250001, 250002"


@attrs.frozen(kw_only=True)
class LineRecord:
    number: int
    kind: str
    line: int  # 1-based position on its document
    contract: str
    charge: str
    line_kind: str  # recurring, one_time, usage, discount, minimum
    period_from: date  # the days billed, as the document shows them
    period_to: date  # the last day billed (inclusive)
    cycle_from: date  # the billing period the line belongs to
    cycle_to: date  # its last day (inclusive)
    description: str
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    vat_category: str
    vat_rate: Decimal  # percent: 25
    vat: Decimal  # the line's share of its VAT group's VAT (runtime/ledger/totals.py line_vat)
    currency: str
    corrects: int | None


@attrs.frozen(kw_only=True)
class ScheduleRecord:
    contract: str
    customer: str
    customer_name: str
    billing_date: date
    charge: str
    line_kind: str
    description: str
    period_from: date
    period_to: date  # inclusive
    quantity: Decimal | None  # None where the amount is not known ahead (usage, minimum) or not one quantity
    unit_price: Decimal | None
    net: Decimal | None
    vat_category: str
    vat_rate: Decimal
    currency: str
    invoice: int | None  # the invoice that already carries this line, if one does
    note: str


@attrs.frozen(kw_only=True)
class UsageRecord:
    contract: str
    customer: str
    customer_name: str
    metric: str
    metric_label: str
    month: date  # the first day of the month (Europe/Oslo local dates)
    events: int
    total: Decimal
