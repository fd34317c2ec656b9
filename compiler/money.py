"""Money: amounts with their currency, rounding to the currency's minor unit, allocation.

Every rounding of money in Avtale goes through this module, so that the rule
(commercial rounding, ROUND_HALF_UP, to the currency's minor unit) lives in one
place. semantics.md names the only points where it happens: an invoice line's
net amount, a VAT group's VAT, an allocation share, an indexed unit price.
Amounts are exact `Decimal`s everywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction

import attrs

# ISO 4217 minor units of the currencies a workspace may use (compiler/identity.py).
# JPY and ISK have no minor unit in circulation: amounts are whole yen and krónur.
MINOR_UNITS: dict[str, int] = {
    "AUD": 2,
    "CAD": 2,
    "CHF": 2,
    "DKK": 2,
    "EUR": 2,
    "GBP": 2,
    "ISK": 0,
    "JPY": 0,
    "NOK": 2,
    "PLN": 2,
    "SEK": 2,
    "USD": 2,
}
DEFAULT_MINOR_UNIT = 2
"""For a code the table does not know: the checker refuses such codes, so only a damaged ledger has one."""


def minor_unit(currency: str) -> int:
    return MINOR_UNITS.get(currency, DEFAULT_MINOR_UNIT)


def quantum(currency: str) -> Decimal:
    """The smallest amount of the currency: 0.01 for NOK, 1 for JPY."""
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Commercial rounding (ROUND_HALF_UP) to the currency's minor unit; never a negative zero."""
    rounded = amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)


def round_exact(value: Fraction, currency: str) -> Decimal:
    """`value`, an exact fraction, rounded HALF_UP to the currency's minor unit.

    Prorated amounts (x 21/31, x 9/360) are kept as fractions until this one rounding, so that an
    amount of exactly half an øre rounds up, as HALF_UP says, instead of being cut to 28 digits
    first (2,401 x 9/360 = 60.025 must bill 60.03, not 60.02)."""
    return round_ratio(value.numerator, value.denominator, currency)


def round_ratio(numerator: int, denominator: int, currency: str) -> Decimal:
    """numerator / denominator (denominator > 0, not necessarily in lowest terms), rounded as `round_exact`
    rounds. In integers only: building Fractions to scale had cost revenue plans a sixth of their time."""
    digits = minor_unit(currency)
    units = (2 * abs(numerator) * 10**digits + denominator) // (2 * denominator)  # floor(|x| * 10**digits + 1/2)
    # from an int, a zero is never negative: no -0.00 to fold
    return Decimal(units if numerator >= 0 else -units).scaleb(-digits)


def round_product(a: Decimal, b: Decimal, currency: str) -> Decimal:
    """a x b, exactly, rounded as `round_exact` rounds (a quantity times a unit price)."""
    an, ad = a.as_integer_ratio()
    bn, bd = b.as_integer_ratio()
    return round_ratio(an * bn, ad * bd, currency)


def to_decimal(value: Fraction) -> Decimal:
    """An exact fraction as a Decimal, to the context's precision: for showing, never for rounding."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def round_price(price: Decimal) -> Decimal:
    """A unit price computed by Avtale (an indexed price), to 2 decimals whatever the currency."""
    return price.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def is_rounded(amount: Decimal, currency: str) -> bool:
    return amount == round_money(amount, currency)


def allocate(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """`total` (already rounded) shared in proportion to `weights`, each share rounded, the shares summing exactly.

    Largest remainder: every share is first rounded down to the minor unit, then the
    units left over go one each to the shares with the largest remainders, ties to
    the earlier share. Zero weights get nothing; all-zero weights share equally.
    """
    if not weights:
        return []
    step = quantum(currency)
    if not is_rounded(total, currency):
        raise ValueError(f"cannot allocate {total}: not rounded to {step}")
    if any(w < 0 for w in weights):
        raise ValueError("allocation weights cannot be negative")
    weight_sum = sum(weights, Decimal(0))
    usable = list(weights) if weight_sum else [Decimal(1)] * len(weights)
    weight_sum = sum(usable, Decimal(0))
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    exact = [magnitude * w / weight_sum for w in usable]
    shares = [e.quantize(step, rounding=ROUND_DOWN) for e in exact]
    left = int((magnitude - sum(shares, Decimal(0))) / step)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[:left]:
        shares[i] += step
    return [sign * s if s else s for s in shares]


@attrs.frozen
class Money:
    """An amount in a currency. Sums of different currencies are refused, never added."""

    amount: Decimal
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)


def totals_by_currency(amounts: Iterable[Money]) -> dict[str, Decimal]:
    """Each currency's sum, in currency-code order: what a summary of mixed documents shows."""
    sums: dict[str, Decimal] = {}
    for money in amounts:
        sums[money.currency] = sums.get(money.currency, Decimal(0)) + money.amount
    return dict(sorted(sums.items()))
