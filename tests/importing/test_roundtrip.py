"""Hypothesis round trip: generated customers and contracts -> a spreadsheet written here with openpyxl ->
import -> the checked model holds the same customers and contracts (compared field by field, by hand)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from runtime.importing import import_into
from runtime.loader import load
from tests.importing.conftest import SELLER

ORGNRS = ["976240391", "922152799", "971352418", "919730609", "999906087"]
NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøå ÆØÅ-", min_size=1, max_size=20).map(str.strip).filter(bool)
CUSTOMER_HEADINGS = ["Kundenr", "Navn", "Org.nr.", "Adresse", "Postnr.", "Poststed", "Land", "E-post", "EHF"]
CONTRACT_HEADINGS = ["Avtalenr", "Kundenr", "Signert", "Oppstart", "Binding (mnd)", "Fornyes (mnd)"]
CONTRACT_HEADINGS += ["Oppsigelse (mnd)", "Beskrivelse", "Pris", "Periode", "Rabatt", "Fakturert t.o.m."]
PERIOD_WORDS = {"month": "måned", "quarter": "kvartal", "year": "år"}


@st.composite
def customer(draw: st.DrawFn, n: int) -> dict:
    business = draw(st.booleans())
    return {
        "id": f"kunde_{n}",
        "name": draw(NAMES),
        "orgnr": ORGNRS[n % len(ORGNRS)] if business else None,
        "ehf": business and draw(st.booleans()),
        "address": draw(st.none() | st.tuples(NAMES, st.integers(1, 9999), NAMES)),
        "email": draw(st.none() | st.just(f"post{n}@example.no")),
    }


@st.composite
def contract(draw: st.DrawFn, n: int, customers: int) -> dict:
    start = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 400)))
    term = draw(st.none() | st.integers(1, 36))
    return {
        "id": f"AVT-{n}",
        "customer": f"kunde_{draw(st.integers(0, customers - 1))}",
        "signed": start - timedelta(days=draw(st.integers(0, 30))),
        "start": start,
        "term": term,
        "renew": draw(st.none() | st.integers(1, 12)) if term else None,
        "notice": draw(st.integers(1, 6)),
        "description": draw(NAMES),
        "amount": Decimal(draw(st.integers(1, 10_000_000))) / 100,
        "period": draw(st.sampled_from(["month", "quarter", "year"])),
        "discount": draw(st.none() | st.integers(1, 100)),
        "billed_through": draw(st.none() | st.just(start + timedelta(days=27))),
    }


@st.composite
def books(draw: st.DrawFn) -> tuple[list[dict], list[dict]]:
    customers = [draw(customer(n)) for n in range(draw(st.integers(1, 4)))]
    contracts = [draw(contract(n, len(customers))) for n in range(draw(st.integers(1, 4)))]
    return customers, contracts


def spreadsheet(path: Path, customers: list[dict], contracts: list[dict]) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheet = workbook.create_sheet("Kunder")
    sheet.append(CUSTOMER_HEADINGS)
    for c in customers:
        street, postcode, city = c["address"] or (None, None, None)
        orgnr = f"{c['orgnr'][:3]} {c['orgnr'][3:6]} {c['orgnr'][6:]}" if c["orgnr"] else None
        ehf = "ja" if c["ehf"] else "nei"
        sheet.append([c["id"], c["name"], orgnr, street, postcode, city, "NO", c["email"], ehf])
    sheet = workbook.create_sheet("Avtaler")
    sheet.append(CONTRACT_HEADINGS)
    for k in contracts:
        amount = f"kr {k['amount']:,.2f}".replace(",", " ").replace(".", ",")
        discount = f"{k['discount']} %" if k["discount"] else None
        sheet.append(
            [
                k["id"],
                k["customer"],
                k["signed"],
                k["start"].strftime("%d.%m.%Y"),
                k["term"],
                k["renew"],
                k["notice"],
                k["description"],
                amount,
                PERIOD_WORDS[k["period"]],
                discount,
                k["billed_through"],
            ]
        )
    workbook.save(path)


@settings(max_examples=25, deadline=None)
@given(books())
def test_generated_books_import_to_the_same_model(generated: tuple[list[dict], list[dict]]) -> None:
    customers, contracts = generated
    folder = Path(tempfile.mkdtemp())
    try:
        root = folder / "ws"
        root.mkdir()
        (root / "avtale.toml").write_text("", encoding="utf-8")
        (root / "seller.avt").write_text(SELLER, encoding="utf-8")
        spreadsheet(folder / "bok.xlsx", customers, contracts)
        from runtime.importing.mapping import DEFAULT, Mapping, SheetMapping

        columns = {k: h for k, h in DEFAULT.contracts.columns.items() if h in CONTRACT_HEADINGS}
        mapping = Mapping(
            customers=SheetMapping(
                "Kunder", {k: h for k, h in DEFAULT.customers.columns.items() if h in CUSTOMER_HEADINGS}
            ),
            contracts=SheetMapping("Avtaler", columns),
            source="test",
        )
        result = import_into(root, folder / "bok.xlsx", mapping)
        assert result.plan.errors == ()
        model = load(root, use_cache=False).result.workspace  # type: ignore[union-attr]
        assert sorted(model.customers) == sorted(c["id"] for c in customers)
        for c in customers:
            got = model.customers[c["id"]]
            assert (got.name, got.orgnr, got.consumer, got.email) == (c["name"], c["orgnr"], not c["orgnr"], c["email"])
            assert got.peppol == (f"0192:{c['orgnr']}" if c["ehf"] else None)
            if c["address"]:
                street, postcode, city = c["address"]
                assert (got.address.street, got.address.postcode, got.address.city) == (street, f"{postcode:04d}", city)
            else:
                assert got.address is None
        assert sorted(model.contracts) == sorted(k["id"] for k in contracts)
        for k in contracts:
            got = model.contracts[k["id"]]
            assert (got.customer, got.signed, got.start) == (k["customer"], k["signed"], k["start"])
            assert (got.term.count if got.term else None) == k["term"]
            if k["term"] is None:
                assert (got.renewal.kind, got.renewal.notice.count) == ("evergreen", k["notice"])
            elif k["renew"] is None:
                assert got.renewal.kind == "none"
            else:
                assert (got.renewal.kind, got.renewal.length.count, got.renewal.notice.count) == (
                    "renew",
                    k["renew"],
                    k["notice"],
                )
            (charge,) = got.charges
            assert (charge.label, charge.pricing.amount, charge.pricing.period) == (
                k["description"],
                k["amount"],
                k["period"],
            )
            assert [d.percent for d in got.discounts] == ([Decimal(k["discount"])] if k["discount"] else [])
        again = import_into(root, folder / "bok.xlsx", mapping)
        assert again.plan.count("unchanged") == len(customers) + len(contracts)
    finally:
        shutil.rmtree(folder)
