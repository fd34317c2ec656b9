"""Cell values as Norwegian spreadsheets hold them, read into typed values.

Each reader takes what openpyxl or the csv module gives for one cell (a str, an int, a float, a
datetime, a bool, or None) and returns the value, or raises `Unreadable` saying what was expected.
Excel's floats go through `Decimal(str(value))`, which gives the shortest decimal that prints as the
float (0.1 stays 0.1), never the binary expansion.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from stdnum.exceptions import ValidationError
from stdnum.no import orgnr as stdnum_orgnr

Cell = str | int | float | Decimal | date | datetime | bool | None


class Unreadable(ValueError):
    """A cell that does not hold what its column should; `expected` says what would have been right."""

    def __init__(self, expected: str, what: str = "what this column holds") -> None:
        super().__init__(expected)
        self.expected = expected
        self.what = what


def text(value: Cell) -> str | None:
    """The cell as trimmed text, None when empty. Whole floats print without `.0` (Excel stores 5068 as 5068.0)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    shown = str(value).replace("\u00a0", " ").replace("\u202f", " ").strip()
    return shown or None


LINE_EXPECTED = "text on one line (no line breaks or control characters)"


def read_line(value: Cell) -> str:
    """Text that goes into a quoted string of a .avt file, which holds one line."""
    shown = text(value) or ""
    if any(ord(ch) < 32 or ch == "\x7f" for ch in shown):
        raise Unreadable(LINE_EXPECTED, "one line of text")
    return shown


_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\Z")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
DATE_EXPECTED = "a date written dd.mm.yyyy (31.01.2026), yyyy-mm-dd, or a date cell"


def read_date(value: Cell) -> date:
    found = _any_date(value)
    if not 1970 <= found.year <= 2100:
        raise Unreadable(f"{DATE_EXPECTED}, between 1970 and 2100", "a date")
    return found


def _any_date(value: Cell) -> date:
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise Unreadable(f"{DATE_EXPECTED}, without a time of day", "a date")
        return value.date()
    if isinstance(value, date):
        return value
    shown = text(value) or ""
    if m := _DMY.match(shown):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    elif m := _ISO.match(shown):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    else:
        raise Unreadable(DATE_EXPECTED, "a date")
    try:
        return date(year, month, day)
    except ValueError:
        raise Unreadable(f"a day that exists in the calendar ({DATE_EXPECTED})", "a date") from None


MONEY_EXPECTED = "an amount such as 1 234,50, 1.234,50, kr 1 234,50 or NOK 1234.50, with at most 2 decimals"
_CURRENCY_WORDS = re.compile(r"^(kr\.?|nok)\s*|\s*(kr\.?|,-|nok)$", re.IGNORECASE)


def _decimal_from_text(shown: str, expected: str) -> Decimal:
    """A number written the Norwegian way (`1 234,50`, `1.234,50`) or the English one (`1234.50`)."""
    digits = shown.replace(" ", "").replace("_", "")
    sign = ""
    if digits.startswith("-"):
        sign, digits = "-", digits[1:]
    if not re.fullmatch(r"[0-9.,]+", digits) or not any(ch.isdigit() for ch in digits):
        raise Unreadable(expected, "a number")
    if "," in digits:
        # comma is the decimal mark; dots are thousands separators and must group by three
        whole, _, frac = digits.rpartition(",")
        if "," in whole or "." in frac or (whole and not _grouped(whole, ".")):
            raise Unreadable(expected, "a number")
        digits = whole.replace(".", "") + "." + frac
    elif digits.count(".") > 1:
        if not _grouped(digits, "."):
            raise Unreadable(expected, "a number")
        digits = digits.replace(".", "")
    try:
        return Decimal(sign + digits)
    except InvalidOperation:
        raise Unreadable(expected, "a number") from None


def _grouped(whole: str, separator: str) -> bool:
    if separator not in whole:
        return whole.isdigit()
    head, *groups = whole.split(separator)
    return 1 <= len(head) <= 3 and head.isdigit() and all(len(g) == 3 and g.isdigit() for g in groups)


LARGEST = Decimal(10) ** 15
"""No amount, quantity or percent in a contract comes near a thousand billion; a cell beyond it is a mistake
(a pasted account number, 1e30 from a formula), and would overflow the decimal arithmetic of rounding."""


def _number(value: Cell, expected: str) -> Decimal:
    number = _any_number(value, expected)
    if not number.is_finite() or abs(number) >= LARGEST:
        raise Unreadable(f"{expected}, with at most 15 digits before the decimal point", "a number")
    return number


def _any_number(value: Cell, expected: str) -> Decimal:
    if isinstance(value, bool):
        raise Unreadable(expected, "a number")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))  # the decimal Excel shows, not the binary float
    shown = text(value)
    if shown is None or isinstance(value, date):
        raise Unreadable(expected, "a number")
    return _decimal_from_text(shown, expected)


def read_money(value: Cell) -> Decimal:
    shown = text(value) if isinstance(value, str) else None
    if shown is not None:
        value = _CURRENCY_WORDS.sub("", shown).strip()
    amount = _number(value, MONEY_EXPECTED)
    if amount < 0:
        raise Unreadable(f"{MONEY_EXPECTED}, not negative", "an amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise Unreadable(MONEY_EXPECTED, "an amount")
    return amount.quantize(Decimal("0.01"))


QUANTITY_EXPECTED = "a number above zero, such as 25 or 2,5"


def read_quantity(value: Cell) -> Decimal:
    quantity = _number(value, QUANTITY_EXPECTED)
    if quantity <= 0:
        raise Unreadable(QUANTITY_EXPECTED, "a quantity")
    return quantity.normalize() if quantity == quantity.to_integral_value() else quantity


PERCENT_EXPECTED = "a percentage such as 15 %, 15%, 0,15 or 0.15 (a bare number up to 1 is a fraction)"


def read_percent(value: Cell) -> Decimal:
    """`15 %` and `15%` are percent; a bare number is a fraction of one when it is at most 1 (Excel
    stores a cell formatted 15 % as 0.15), else a percent (a column typed `15`)."""
    shown = text(value) if isinstance(value, str) else None
    if shown is not None and shown.endswith("%"):
        percent = _number(shown[:-1].strip(), PERCENT_EXPECTED)
    else:
        number = _number(value, PERCENT_EXPECTED)
        percent = number * 100 if number <= 1 else number
    if not 0 < percent <= 100:
        raise Unreadable(f"{PERCENT_EXPECTED}, above 0 and at most 100 %", "a percentage")
    percent = percent.normalize()
    return percent.quantize(Decimal(1)) if percent == percent.to_integral_value() else percent


WHOLE_EXPECTED = "a whole number, such as 12"


def read_whole(value: Cell, *, minimum: int = 0) -> int:
    number = _number(value, WHOLE_EXPECTED)
    if number != number.to_integral_value():
        raise Unreadable(WHOLE_EXPECTED, "a whole number")
    if number < minimum:
        raise Unreadable(f"{WHOLE_EXPECTED}, at least {minimum}", "a whole number")
    return int(number)


_YES = {"ja", "j", "yes", "y", "x", "true", "sant", "1"}
_NO = {"nei", "n", "no", "false", "usant", "0"}
YES_NO_EXPECTED = "ja or nei (also yes/no, or x for yes)"


def read_yes_no(value: Cell) -> bool:
    if isinstance(value, bool):
        return value
    shown = (text(value) or "").lower()
    if shown in _YES:
        return True
    if shown in _NO:
        return False
    raise Unreadable(YES_NO_EXPECTED, "ja or nei")


ORGNR_EXPECTED = "an organisation number of 9 digits with a MOD11 check digit (spaces, NO and MVA are fine)"


def read_orgnr(value: Cell) -> str:
    shown = (text(value) or "").upper()
    shown = re.sub(r"^NO|MVA$", "", shown.replace(" ", "")).strip()
    try:
        return str(stdnum_orgnr.validate(shown))
    except ValidationError:
        raise Unreadable(ORGNR_EXPECTED, "a valid organisation number") from None


_PERIODS = {
    "month": ("måned", "mnd", "mnd.", "månedlig", "per måned", "month", "monthly", "m"),
    "quarter": ("kvartal", "kvartalsvis", "per kvartal", "quarter", "quarterly", "kv", "kv."),
    "year": ("år", "årlig", "per år", "year", "yearly", "annual", "annually"),
}
PERIOD_EXPECTED = "måned, kvartal or år (also month, quarter, year)"


def read_period(value: Cell) -> str:
    shown = (text(value) or "").lower()
    for period, words in _PERIODS.items():
        if shown in words:
            return period
    raise Unreadable(PERIOD_EXPECTED, "a period")


_LANGUAGES = {
    "nb": "nb",
    "bokmål": "nb",
    "norsk": "nb",
    "no": "nb",
    "nn": "nn",
    "nynorsk": "nn",
    "en": "en",
    "engelsk": "en",
    "english": "en",
    "se": "se",
    "samisk": "se",
    "nordsamisk": "se",
}
LANGUAGE_EXPECTED = "nb, nn, en or se (also bokmål, nynorsk, engelsk, samisk)"


def read_language(value: Cell) -> str:
    shown = (text(value) or "").lower()
    if shown in _LANGUAGES:
        return _LANGUAGES[shown]
    raise Unreadable(LANGUAGE_EXPECTED, "a language")


COUNTRY_EXPECTED = "a two-letter country code such as NO, SE or DK (also Norge, Sverige, Danmark)"
_COUNTRIES = {"norge": "NO", "noreg": "NO", "norway": "NO", "sverige": "SE", "sweden": "SE", "danmark": "DK"}


def read_country(value: Cell) -> str:
    shown = text(value) or ""
    code = _COUNTRIES.get(shown.lower(), shown.upper())
    if re.fullmatch(r"[A-Z]{2}", code):
        return code
    raise Unreadable(COUNTRY_EXPECTED, "a country code")


POSTCODE_EXPECTED = "a Norwegian postcode of 4 digits, such as 0150"


def read_postcode(value: Cell, country: str) -> str:
    """Excel drops the leading zero of 0150 in a number cell, so a Norwegian number below 1000 gets it back."""
    if country == "NO" and isinstance(value, int | float) and not isinstance(value, bool):
        number = _number(value, POSTCODE_EXPECTED)
        if number != number.to_integral_value() or not 0 < number <= 9999:
            raise Unreadable(POSTCODE_EXPECTED, "a postcode")
        return f"{int(number):04d}"
    shown = text(value) or ""
    if country == "NO" and not re.fullmatch(r"\d{4}", shown):
        raise Unreadable(POSTCODE_EXPECTED, "a postcode")
    return shown


EMAIL_EXPECTED = "an e-mail address such as faktura@firma.no"


def read_email(value: Cell) -> str:
    shown = text(value) or ""
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", shown):
        raise Unreadable(EMAIL_EXPECTED, "an e-mail address")
    return shown


def slug(name: str) -> str:
    """`Bergen Klatresenter AS` -> `bergen_klatresenter_as`: æ, ø and å spelled out, the rest ASCII."""
    lowered = name.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    return "_".join(re.findall(r"[a-z0-9]+", ascii_text))
