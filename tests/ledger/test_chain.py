"""The canonical JSON a document's hash covers (runtime/ledger/chain.py), written key by key for speed, against
the form the chain is defined by: the document as dicts, given to json.dumps with sorted keys and no spaces.

The oracle below builds that form from the module doc's rule alone; stored hashes of the fixture ledgers,
written by older Avtale versions, pin the bytes as well.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.ledger import Ledger
from runtime.ledger.chain import GENESIS, canonical, document_hash
from runtime.ledger.documents import DraftLine, IssuedDocument
from runtime.ledger.parties import LineDetails, Parties, Party, PartyAddress
from runtime.ledger.totals import Totals, VatGroup

FIXTURES = Path(__file__).parent / "fixtures"


def oracle(doc: IssuedDocument) -> bytes:
    """The canonical form as json.dumps writes it from plain dicts (the chain's definition)."""

    def party(p: Party) -> dict[str, Any]:
        a = p.address
        return {
            "id": p.id,
            "name": p.name,
            "orgnr": p.orgnr,
            "vat_number": p.vat_number,
            "foretaksregisteret": p.foretaksregisteret,
            "consumer": p.consumer,
            "address": None
            if a is None
            else {"street": a.street, "postcode": a.postcode, "city": a.city, "country": a.country},
            "peppol": p.peppol,
            "email": p.email,
            "bank_account": p.bank_account,
            "language": p.language,
        }

    snapshot = doc.parties is not None and doc.parties.source == "issue"
    lines = []
    for ln in doc.lines:
        entry: dict[str, Any] = {
            "contract": ln.contract,
            "charge": ln.charge,
            "description": ln.description,
            "period_start": ln.period_start.isoformat(),
            "period_end": ln.period_end.isoformat(),
            "quantity": str(ln.quantity),
            "unit_price": str(ln.unit_price),
            "net_amount": str(ln.net_amount),
            "vat_category": ln.vat_category,
            "vat_rate": str(ln.vat_rate),
            "provenance": ln.provenance,
            "corrects": ln.corrects,
            "line_kind": ln.kind,
            "discount": ln.discount,
            "billing_start": ln.billing_start.isoformat(),
            "billing_end": ln.billing_end.isoformat(),
        }
        if snapshot:
            d = ln.details
            entry["details"] = None if d is None else {"unit_code": d.unit_code, "vat_reason": d.vat_reason}
        lines.append(entry)
    body: dict[str, Any] = {
        "series": doc.series,
        "number": doc.number,
        "kind": doc.kind,
        "contract": doc.contract,
        "customer": doc.customer,
        "currency": doc.currency,
        "issue_date": doc.issue_date.isoformat(),
        "due_date": doc.due_date.isoformat(),
        "buyer_reference": doc.buyer_reference,
        "purchase_order": doc.purchase_order,
        "kid": doc.kid,
        "corrects": list(doc.corrects),
        "lines": lines,
        "vat_groups": [
            {"category": g.category, "rate": str(g.rate), "taxable": str(g.taxable), "vat": str(g.vat)}
            for g in doc.totals.groups
        ],
        "net": str(doc.totals.net),
        "vat": str(doc.totals.vat),
        "gross": str(doc.totals.gross),
        "run": doc.issued_at_run,
    }
    if snapshot:
        assert doc.parties is not None
        body["format"] = 2
        body["parties"] = {"seller": party(doc.parties.seller), "buyer": party(doc.parties.buyer)}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# Text with what JSON must escape (quotes, backslashes, control characters) and what it must not (non-ASCII).
text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12)
some_text = st.one_of(st.none(), text)
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
amounts = st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9)


@st.composite
def lines(draw: st.DrawFn) -> DraftLine:
    return DraftLine(
        contract=draw(text),
        charge=draw(text),
        description=draw(text),
        period_start=draw(days),
        period_end=draw(days),
        quantity=draw(st.decimals(allow_nan=False, allow_infinity=False)),
        unit_price=draw(amounts),
        net_amount=draw(amounts),
        vat_category=draw(text),
        vat_rate=draw(st.sampled_from([Decimal("25"), Decimal("15"), Decimal("12"), Decimal("0"), Decimal("2.5")])),
        provenance=draw(st.one_of(text, st.just('{"v":2,"note":"a \\"quoted\\" note\\n"}'))),
        kind=draw(st.sampled_from(["recurring", "one_time", "usage", "discount", "minimum", "prepaid", "drawdown"])),
        discount=draw(text),
        billing_start=draw(days),
        billing_end=draw(days),
        corrects=draw(st.one_of(st.none(), st.integers(1, 10**9))),
        details=draw(st.one_of(st.none(), st.builds(LineDetails, unit_code=text, vat_reason=some_text))),
    )


parties_ = st.builds(
    Party,
    id=text,
    name=text,
    orgnr=some_text,
    vat_number=some_text,
    foretaksregisteret=st.booleans(),
    consumer=st.booleans(),
    address=st.one_of(st.none(), st.builds(PartyAddress, street=text, postcode=text, city=text, country=text)),
    peppol=some_text,
    email=some_text,
    bank_account=some_text,
    language=text,
)


@st.composite
def documents(draw: st.DrawFn) -> IssuedDocument:
    groups = tuple(
        draw(st.lists(st.builds(VatGroup, category=text, rate=amounts, taxable=amounts, vat=amounts), max_size=3))
    )
    return IssuedDocument(
        kind=draw(st.sampled_from(["invoice", "credit_note"])),
        contract=draw(text),
        customer=draw(text),
        currency=draw(st.sampled_from(["NOK", "EUR", "JPY"])),
        issue_date=draw(days),
        due_date=draw(days),
        buyer_reference=draw(some_text),
        purchase_order=draw(some_text),
        lines=tuple(draw(st.lists(lines(), max_size=4))),
        corrects=tuple(draw(st.lists(st.integers(1, 10**9), max_size=3))),
        number=draw(st.integers(1, 10**12)),
        series=draw(st.sampled_from(["invoice", "credit_note"])),
        kid=draw(text),
        totals=Totals(groups=groups, net=draw(amounts), vat=draw(amounts), gross=draw(amounts)),
        previous_hash=GENESIS,
        hash="",
        issued_at_run=draw(st.integers(1, 10**6)),
        parties=draw(
            st.one_of(
                st.none(),
                st.builds(Parties, seller=parties_, buyer=parties_, source=st.sampled_from(["issue", "backfill"])),
            )
        ),
    )


@settings(max_examples=300)
@given(documents())
def test_canonical_is_json_dumps_of_the_document(doc: IssuedDocument) -> None:
    assert canonical(doc) == oracle(doc)


def test_a_snapshot_adds_format_parties_and_details() -> None:
    """The keys that only a document issued with its snapshots has, where sorting puts them."""
    party = Party(
        id="k1",
        name='Fjord "AS"',
        orgnr="921234567",
        vat_number=None,
        foretaksregisteret=True,
        consumer=False,
        address=PartyAddress(street="Gate 1", postcode="0150", city="Oslo", country="NO"),
        peppol="0192:921234567",
        email=None,
        bank_account=None,
        language="nb",
    )
    line = DraftLine(
        contract="C-1",
        charge="base",
        description="Grunnpakke – mars",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 4, 1),
        quantity=Decimal("1"),
        unit_price=Decimal("490.00"),
        net_amount=Decimal("490.00"),
        vat_category="standard",
        vat_rate=Decimal("25"),
        provenance="{}",
        kind="recurring",
        discount="",
        billing_start=date(2026, 3, 1),
        billing_end=date(2026, 4, 1),
        details=LineDetails(unit_code="C62", vat_reason=None),
    )
    totals = Totals(
        groups=(VatGroup(category="standard", rate=Decimal("25"), taxable=Decimal("490.00"), vat=Decimal("122.50")),),
        net=Decimal("490.00"),
        vat=Decimal("122.50"),
        gross=Decimal("612.50"),
    )
    doc = IssuedDocument(
        kind="invoice",
        contract="C-1",
        customer="k1",
        currency="NOK",
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 15),
        buyer_reference="C-1",
        purchase_order=None,
        lines=(line,),
        corrects=(),
        number=1,
        series="invoice",
        kid="0000000017",
        totals=totals,
        previous_hash=GENESIS,
        hash="",
        issued_at_run=1,
        parties=Parties(seller=party, buyer=party, source="issue"),
    )
    shown = canonical(doc).decode()
    assert shown.index('"due_date"') < shown.index('"format":2') < shown.index('"gross"')
    assert shown.index('"number":1') < shown.index('"parties":{"buyer":') < shown.index('"purchase_order":null')
    assert '"description":"Grunnpakke – mars","details":{"unit_code":"C62","vat_reason":null},"discount"' in shown
    assert '"name":"Fjord \\"AS\\""' in shown
    backfilled = attrs.evolve(doc, parties=Parties(seller=party, buyer=party, source="backfill"))
    assert '"format"' not in canonical(backfilled).decode() and '"details"' not in canonical(backfilled).decode()
    assert canonical(doc) == oracle(doc) and canonical(backfilled) == oracle(backfilled)


def test_every_stored_hash_of_the_fixture_ledgers_still_matches(tmp_path: Path) -> None:
    """Ledgers written by older Avtale versions (fixtures/README.md): the bytes they hashed are still the bytes.
    Read from copies: the fixtures themselves are never opened."""
    checked = 0
    for fixture in sorted(FIXTURES.glob("ledger-v*.sqlite")):
        path = tmp_path / fixture.name
        shutil.copyfile(fixture, path)
        with Ledger.open(path, create=False, read_only=True) as ledger:
            for doc in ledger.documents():
                assert document_hash(doc) == doc.hash, (fixture.name, doc.series, doc.number)
                assert doc.hash == hashlib.sha256(doc.previous_hash.encode() + oracle(doc)).hexdigest()
                checked += 1
    assert checked >= 40
