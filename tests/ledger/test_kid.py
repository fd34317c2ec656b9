"""KID check digits against hand-worked values and python-stdnum's Luhn and MOD11 validators."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.no import kontonr

from runtime.ledger.errors import KidError
from runtime.ledger.kid import make_kid, mod10_check_digit, mod11_check_digit


def test_mod10_known_values() -> None:
    assert mod10_check_digit("7894") == "9"  # python-stdnum's own example
    # 000001001: from the right 1 doubled = 2, then 0, 0, 1 -> sum 3, check (10 - 3) = 7
    assert make_kid(1001, scheme="mod10", length=10) == "0000010017"
    assert make_kid(0, scheme="mod10", length=2) == "00"


def test_mod11_known_values() -> None:
    # the bank account example 1234.56.78903: weights 2..7 repeating from the right give 195,
    # 195 mod 11 = 8, check digit 11 - 8 = 3
    assert mod11_check_digit("1234567890") == "3"
    # 000001001: 1*2 + 1*5 = 7, check 11 - 7 = 4
    assert make_kid(1001, scheme="mod11", length=10) == "0000010014"
    # 000001003: 3*2 + 1*5 = 11, remainder 0 -> check digit 0
    assert make_kid(1003, scheme="mod11", length=10) == "0000010030"


def test_mod11_check_value_ten_is_a_dash() -> None:
    # 000001009: 9*2 + 1*5 = 23, remainder 1, 11 - 1 = 10 -> "-"
    assert make_kid(1009, scheme="mod11", length=10) == "000001009-"
    assert mod11_check_digit("6") == "-"  # 6*2 = 12, remainder 1


def test_weights_repeat_after_seven() -> None:
    # a 1 in the seventh place from the right weighs 2 again: 1000000 -> 2, check 9
    assert mod11_check_digit("1000000") == "9"
    assert mod11_check_digit("100000") == "4"  # weight 7: 7, check 4


@given(st.integers(min_value=0, max_value=10**9 - 1), st.integers(min_value=10, max_value=25))
def test_mod10_kids_pass_stdnum_luhn(number: int, length: int) -> None:
    kid = make_kid(number, scheme="mod10", length=length)
    assert len(kid) == length
    assert int(kid[:-1]) == number
    assert luhn.is_valid(kid)


# From 10**6 on the KID does not start with 0000, which stdnum would read as an old postgiro number.
@given(st.integers(min_value=10**6, max_value=10**10 - 1))
def test_mod11_kids_pass_stdnum_bank_account_check(number: int) -> None:
    # An 11-digit Norwegian bank account number carries the same MOD11 check digit as an 11-digit KID.
    kid = make_kid(number, scheme="mod11", length=11)
    assert len(kid) == 11
    if kid.endswith("-"):
        assert sum(int(d) * w for d, w in zip(kid[:-1], (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11 == 1
    else:
        assert kontonr.is_valid(kid)


def test_a_number_too_long_for_the_kid_is_a_clear_error() -> None:
    make_kid(999, scheme="mod10", length=4)
    with pytest.raises(KidError) as caught:
        make_kid(1000, scheme="mod10", length=4)
    assert str(caught.value) == "invoice number 1000 does not fit in a KID of 4 digits"
    assert "kid mod10 length 5" in caught.value.help


@pytest.mark.parametrize(("scheme", "length"), [("mod10", 1), ("mod11", 26), ("mod97", 10)])
def test_bad_settings(scheme: str, length: int) -> None:
    with pytest.raises(KidError):
        make_kid(1, scheme=scheme, length=length)  # type: ignore[arg-type]
