"""Identity numbers and codes, checked when the workspace is compiled.

Organisation and bank account numbers use python-stdnum's MOD11 validators
(Brønnøysundregistrene's and the banks' published algorithms) rather than a
home-made copy.
"""

from __future__ import annotations

import re
from typing import Any

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.no import kontonr, orgnr

from dsl.diagnostics import Diagnostic, error
from dsl.span import Span

# ISO 4217 codes a Norwegian seller plausibly invoices in; extend as needed.
CURRENCIES = frozenset(["NOK", "SEK", "DKK", "EUR", "USD", "GBP", "CHF", "ISK", "PLN", "JPY", "CAD", "AUD"])
LANGUAGES = frozenset({"nb", "nn", "en", "se"})
COUNTRY = re.compile(r"[A-Z]{2}\Z")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
# PEPPOL participant ids: an ICD scheme (four digits) and an identifier.
PEPPOL = re.compile(r"(\d{4}):([A-Za-z0-9.\-_]+)\Z")


def _reason(exc: ValidationError) -> str:
    if isinstance(exc, InvalidLength):
        return "wrong number of digits"
    if isinstance(exc, InvalidChecksum):
        return "the MOD11 check digit does not match"
    if isinstance(exc, InvalidFormat):
        return "only digits (and spaces or dots) are allowed"
    return "not a valid number"


def _validate(module: Any, code: str, what: str, how: str, value: str, span: Span, sink: list[Diagnostic]) -> None:
    try:
        module.validate(value)
    except ValidationError as exc:
        sink.append(error(code, f"`{value}` is not a valid {what}", span, label=_reason(exc), help=how))


def check_orgnr(value: str, span: Span, sink: list[Diagnostic]) -> None:
    how = "an organisation number has 9 digits with a MOD11 check digit; copy it from Brønnøysundregistrene"
    _validate(orgnr, "E0401", "organisation number", how, value, span, sink)


def check_bank(value: str, span: Span, sink: list[Diagnostic]) -> None:
    how = "a bank account number has 11 digits (often written 1234.56.78903) with a MOD11 check digit"
    _validate(kontonr, "E0402", "Norwegian bank account number", how, value, span, sink)


def check_kid_length(length: int, span: Span, sink: list[Diagnostic]) -> None:
    if not 2 <= length <= 25:
        sink.append(
            error(
                "E0404",
                f"a KID of {length} digits is not allowed",
                span,
                label="KID length out of range",
                help="a KID has between 2 and 25 digits, check digit included; 10 is common",
            )
        )


def check_peppol(value: str, span: Span, sink: list[Diagnostic]) -> None:
    match = PEPPOL.match(value)
    problem = ""
    if not match:
        problem = "expected SCHEME:IDENTIFIER, such as `0192:923609016`"
    elif match.group(1) == "0192" and not orgnr.is_valid(match.group(2)):
        problem = "scheme 0192 holds a Norwegian organisation number, and this one is not valid"
    if problem:
        sink.append(
            error(
                "E0405",
                f"`{value}` is not a valid PEPPOL participant id",
                span,
                label=problem,
                help="Norwegian businesses are `0192:` followed by their organisation number",
            )
        )


def check_email(value: str, span: Span, sink: list[Diagnostic]) -> None:
    if not EMAIL.match(value):
        sink.append(
            error(
                "E0408",
                f"`{value}` is not an e-mail address",
                span,
                label="expected name@domain",
                help="write an address such as `faktura@example.no`",
            )
        )


def check_code(kind: str, value: str, ok: bool, example: str, span: Span, sink: list[Diagnostic]) -> None:
    if not ok:
        sink.append(
            error(
                "E0407",
                f"`{value}` is not a known {kind} code",
                span,
                label=f"unknown {kind}",
                help=f"write {example}",
            )
        )


def check_currency(code: str, span: Span, sink: list[Diagnostic]) -> None:
    known = ", ".join(sorted(CURRENCIES))
    check_code("currency", code, code in CURRENCIES, f"an ISO 4217 code: {known}", span, sink)


def check_country(code: str, span: Span, sink: list[Diagnostic]) -> None:
    check_code("country", code, bool(COUNTRY.match(code)), "a two-letter ISO 3166 code such as `NO`", span, sink)


def check_language(code: str, span: Span, sink: list[Diagnostic]) -> None:
    check_code("language", code, code in LANGUAGES, "`nb`, `nn`, `en` or `se`", span, sink)
