"""The shared builders (tests/factories) are what they claim: the example in their docs runs, and the parties'
identifiers pass the checks PEPPOL applies (checked here with small references of their own)."""

from __future__ import annotations

import textwrap

import tests.factories
from tests.factories import documents as build


def mod11_ok(orgnr: str) -> bool:
    """Brønnøysund's MOD11: weights 3 2 7 6 5 4 3 2 over the first eight digits; 11 - sum % 11 is the ninth."""
    digits = [int(c) for c in orgnr]
    rest = sum(w * d for w, d in zip((3, 2, 7, 6, 5, 4, 3, 2), digits, strict=False)) % 11
    check = 0 if rest == 0 else 11 - rest
    return len(digits) == 9 and check != 10 and check == digits[8]


def luhn_ok(number: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(number)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def test_the_example_in_the_docs_runs() -> None:
    doc = tests.factories.__doc__ or ""
    code = doc.split("consumer:\n", 1)[1].split("\n\nTotals", 1)[0]
    exec(textwrap.dedent(code), {})  # its asserts are the test


def test_norwegian_organisation_numbers_pass_mod11() -> None:
    for party in (build.seller(), build.business(), build.mva_business()):
        assert party.orgnr is not None and mod11_ok(party.orgnr), party.name
        assert party.peppol == f"0192:{party.orgnr}"
    assert not mod11_ok("925792404")  # the reference is not a rubber stamp


def test_the_swedish_number_passes_luhn_and_the_consumer_has_none() -> None:
    assert build.foreign().orgnr == "5560360793" and luhn_ok("5560360793") and not luhn_ok("5560360794")
    assert (build.consumer().orgnr, build.consumer().peppol, build.consumer().consumer) == (None, None, True)


def test_another_organisation_number_brings_its_own_ids() -> None:
    other = build.seller(orgnr="914778271")
    assert (other.vat_number, other.peppol) == ("NO914778271MVA", "0192:914778271")
    assert build.business(orgnr="988077917").vat_number is None


def test_a_lines_rate_follows_its_category() -> None:
    rates = {c: str(build.line("100.00", category=c).vat_rate) for c in ("standard", "medium", "low", "zero")}
    assert rates == {"standard": "25", "medium": "15", "low": "12", "zero": "0"}
