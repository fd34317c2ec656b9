"""KID (kundeidentifikasjon): the payment reference a Norwegian bank matches payments by.

The payload is the invoice number, padded with leading zeros so that payload and
check digit fill the seller's fixed length. Check digits follow the Nets/Mastercard
Payment Services specification: MOD10 is Luhn; MOD11 weighs digits 2, 3, 4, 5, 6, 7
(repeating) from the right, and a check value of 10 is written `-`.
"""

from __future__ import annotations

from typing import Literal

from runtime.ledger.errors import KidError

KidScheme = Literal["mod10", "mod11"]
KID_SCHEMES: tuple[KidScheme, ...] = ("mod10", "mod11")
MIN_LENGTH = 2
MAX_LENGTH = 25


def mod10_check_digit(payload: str) -> str:
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:  # the digit next to the check digit is doubled
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str(-total % 10)


def mod11_check_digit(payload: str) -> str:
    total = sum(int(char) * (2 + position % 6) for position, char in enumerate(reversed(payload)))
    remainder = total % 11
    if remainder == 0:
        return "0"
    if remainder == 1:
        return "-"
    return str(11 - remainder)


def check_kid_settings(scheme: str, length: int) -> None:
    if scheme not in KID_SCHEMES:
        raise KidError(f"unknown KID scheme `{scheme}`", "write `kid mod10 length N` or `kid mod11 length N`")
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise KidError(
            f"a KID of {length} digits is not allowed",
            f"a KID has between {MIN_LENGTH} and {MAX_LENGTH} digits, check digit included; 10 is common",
        )


def make_kid(number: int, *, scheme: KidScheme, length: int) -> str:
    """The KID for a document number: zero-padded number and check digit, `length` characters in all."""
    check_kid_settings(scheme, length)
    if number < 0:
        raise KidError(f"document number {number} is negative", "document numbers start at 1")
    payload = str(number)
    if len(payload) > length - 1:
        raise KidError(
            f"invoice number {number} does not fit in a KID of {length} digits",
            f"the number needs {len(payload)} digits and the check digit one more; "
            f"set `kid {scheme} length {len(payload) + 1}` or longer in the seller declaration",
        )
    payload = payload.rjust(length - 1, "0")
    check = mod10_check_digit(payload) if scheme == "mod10" else mod11_check_digit(payload)
    return payload + check
