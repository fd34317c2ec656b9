"""Norwegian VAT rates as a dated table, and the EN 16931 category codes.

Rates change by law (the low rate was 10% in 2016-2017, 12% from 2018, and 6%
from April 2020 to September 2021), so a rate is looked up for the date a line
is delivered, never taken from a constant.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dsl.ast import VatCategory

# (category, first day in force, rate in percent); later rows supersede earlier ones.
RATES: tuple[tuple[str, date, Decimal], ...] = (
    ("standard", date(2005, 1, 1), Decimal(25)),
    ("medium", date(2012, 1, 1), Decimal(15)),
    ("low", date(2016, 1, 1), Decimal(10)),
    ("low", date(2018, 1, 1), Decimal(12)),
    ("low", date(2020, 4, 1), Decimal(6)),
    ("low", date(2021, 10, 1), Decimal(12)),
)

# EN 16931 / UNCL5305 category codes used by EHF.
CATEGORY_CODES: dict[str, str] = {
    "standard": "S",
    "medium": "S",
    "low": "S",
    "zero": "Z",
    "exempt": "E",
    "reverse_charge": "AE",
    "outside": "O",
}


def rate(category: VatCategory, on: date) -> Decimal:
    """The VAT rate in percent for a category on a date (0 for the categories without VAT)."""
    found = Decimal(0)
    for name, since, value in RATES:
        if name == category and since <= on:
            found = value
    return found
