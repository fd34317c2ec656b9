"""Numbers, amounts and dates as a document in one of its languages writes them.

Bokmål and nynorsk write `1 234,50` and `01.03.2026`; English writes `1,234.50` and the
ISO date `2026-03-01`, which no reader can take for a month-first date. The thousands
separator is a no-break space, so that an amount is never split over two lines.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import attrs

from compiler.money import minor_unit

NBSP = "\u00a0"
MINUS = "\u2212"  # a typographic minus: a hyphen is easily missed in front of an amount


@attrs.frozen
class NumberStyle:
    group: str
    decimal: str


NORWEGIAN = NumberStyle(group=NBSP, decimal=",")
ENGLISH = NumberStyle(group=",", decimal=".")


def style_for(language: str) -> NumberStyle:
    return ENGLISH if language == "en" else NORWEGIAN


def _grouped(digits: str, group: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return group.join(parts)


def number(value: Decimal, style: NumberStyle, places: int | None = None) -> str:
    """`value` with its thousands grouped; with `places` decimals (half up) or, without, the decimals it has."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    elif value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    else:
        value = value.normalize()
    text = f"{abs(value):f}"
    whole, _, fraction = text.partition(".")
    out = _grouped(whole, style.group) + (style.decimal + fraction if fraction else "")
    return MINUS + out if value < 0 else out


def money(value: Decimal, currency: str, style: NumberStyle) -> str:
    """An amount at the currency's minor unit: `1 234,50`."""
    return number(value, style, minor_unit(currency))


def unit_price(value: Decimal, currency: str, style: NumberStyle) -> str:
    """A unit price as money, or with every decimal it has when it is finer (0,004 per API call is not 0,00)."""
    places = minor_unit(currency)
    if value == value.quantize(Decimal(1).scaleb(-places)):
        return number(value, style, places)
    return number(value, style)


def percent(rate: Decimal, style: NumberStyle) -> str:
    """A VAT rate: `25 %` (a space before the sign, as Norwegian and ISO 80000 write it)."""
    return number(rate, style) + NBSP + "%"


def day(value: date, language: str) -> str:
    return value.isoformat() if language == "en" else value.strftime("%d.%m.%Y")


def orgnr(digits: str) -> str:
    """An organisation number in the groups of three Brønnøysundregistrene prints: `925 792 403`."""
    if len(digits) == 9 and digits.isdigit():
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    return digits
