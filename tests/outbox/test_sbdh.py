"""The SBDH envelope around an EHF, checked element by element against values written out by hand from
the Peppol Business Message Envelope specification, around the official PEPPOL example documents."""

from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

import attrs
import pytest
from lxml import etree

from runtime.ledger.parties import Parties, PartyAddress
from runtime.outbox.errors import OutboxError
from runtime.outbox.sbdh import wrap
from tests.outbox.documents import SELLER, buyer, document

NS = {"s": "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"}
INVOICE_DOCUMENT_ID = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
CREDIT_NOTE_DOCUMENT_ID = (
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


def _examples() -> Path:
    shared = Path(os.environ.get("AVTALE_SHARED", Path(__file__).resolve().parents[2] / ".." / "shared"))
    folder = shared / "einvoice" / "peppol-bis-billing-3.0.19" / "examples"
    assert folder.is_dir(), f"the official PEPPOL examples are missing: expected them in {folder} (set AVTALE_SHARED)"
    return folder


@pytest.fixture(scope="module")
def norwegian_invoice() -> bytes:
    return (_examples() / "Norwegian-example-1.xml").read_bytes()


@pytest.fixture(scope="module")
def credit_note() -> bytes:
    return (_examples() / "base-creditnote-correction.xml").read_bytes()


def _texts(tree: etree._Element, path: str) -> list[str]:
    return [str(found) for found in tree.xpath(path, namespaces=NS)]


def test_the_header_of_an_invoice(norwegian_invoice: bytes) -> None:
    envelope = etree.fromstring(wrap(norwegian_invoice, document(250001)))
    assert (
        envelope.tag
        == "{http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader}StandardBusinessDocument"
    )
    header = "/s:StandardBusinessDocument/s:StandardBusinessDocumentHeader"
    assert _texts(envelope, f"{header}/s:HeaderVersion/text()") == ["1.0"]
    assert _texts(envelope, f"{header}/s:Sender/s:Identifier/text()") == ["0192:925792403"]
    assert _texts(envelope, f"{header}/s:Sender/s:Identifier/@Authority") == ["iso6523-actorid-upis"]
    assert _texts(envelope, f"{header}/s:Receiver/s:Identifier/text()") == ["0192:976240391"]
    assert _texts(envelope, f"{header}/s:Receiver/s:Identifier/@Authority") == ["iso6523-actorid-upis"]
    ident = f"{header}/s:DocumentIdentification"
    assert [etree.QName(e).localname for e in envelope.xpath(f"{ident}/*", namespaces=NS)] == [
        "Standard",
        "TypeVersion",
        "InstanceIdentifier",
        "Type",
        "CreationDateAndTime",
    ]
    assert _texts(envelope, f"{ident}/s:Standard/text()") == ["urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"]
    assert _texts(envelope, f"{ident}/s:TypeVersion/text()") == ["2.1"]
    assert _texts(envelope, f"{ident}/s:Type/text()") == ["Invoice"]
    assert _texts(envelope, f"{ident}/s:CreationDateAndTime/text()") == ["2026-03-01T00:00:00+01:00"]
    scopes = f"{header}/s:BusinessScope/s:Scope"
    assert _texts(envelope, f"{scopes}/s:Type/text()") == ["DOCUMENTID", "PROCESSID", "COUNTRY_C1"]
    assert _texts(envelope, f"{scopes}[s:Type='DOCUMENTID']/s:InstanceIdentifier/text()") == [INVOICE_DOCUMENT_ID]
    assert _texts(envelope, f"{scopes}[s:Type='DOCUMENTID']/s:Identifier/text()") == ["busdox-docid-qns"]
    assert _texts(envelope, f"{scopes}[s:Type='PROCESSID']/s:InstanceIdentifier/text()") == [BILLING_PROCESS]
    assert _texts(envelope, f"{scopes}[s:Type='PROCESSID']/s:Identifier/text()") == ["cenbii-procid-ubl"]
    assert _texts(envelope, f"{scopes}[s:Type='COUNTRY_C1']/s:InstanceIdentifier/text()") == ["NO"]
    assert _texts(envelope, f"{scopes}[s:Type='COUNTRY_C1']/s:Identifier") == []


def test_the_payload_is_the_last_child_unchanged(norwegian_invoice: bytes) -> None:
    envelope = etree.fromstring(wrap(norwegian_invoice, document(250001)))
    children = list(envelope)
    assert [etree.QName(c).localname for c in children] == ["StandardBusinessDocumentHeader", "Invoice"]
    assert etree.tostring(children[1], method="c14n") == etree.tostring(
        etree.fromstring(norwegian_invoice), method="c14n"
    )


def test_a_credit_note(credit_note: bytes) -> None:
    envelope = etree.fromstring(wrap(credit_note, document(950001, kind="credit_note")))
    ident = "/s:StandardBusinessDocument/s:StandardBusinessDocumentHeader/s:DocumentIdentification"
    assert _texts(envelope, f"{ident}/s:Standard/text()") == [
        "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
    ]
    assert _texts(envelope, f"{ident}/s:Type/text()") == ["CreditNote"]
    assert _texts(envelope, "//s:Scope[s:Type='DOCUMENTID']/s:InstanceIdentifier/text()") == [CREDIT_NOTE_DOCUMENT_ID]
    assert etree.QName(envelope[-1]).localname == "CreditNote"


def test_summer_time_gives_the_summer_offset(norwegian_invoice: bytes) -> None:
    envelope = etree.fromstring(wrap(norwegian_invoice, document(250001, issue_date=date(2026, 7, 1))))
    assert _texts(envelope, "//s:CreationDateAndTime/text()") == ["2026-07-01T00:00:00+02:00"]


def test_the_same_document_gives_the_same_bytes_and_instance_id(norwegian_invoice: bytes) -> None:
    first = wrap(norwegian_invoice, document(250001))
    assert wrap(norwegian_invoice, document(250001)) == first
    ids = {
        number: _texts(etree.fromstring(wrap(norwegian_invoice, document(number))), "//s:InstanceIdentifier/text()")[0]
        for number in (250001, 250002)
    }
    assert ids[250001] != ids[250002]
    assert uuid.UUID(ids[250001]).version == 5
    credit = _texts(
        etree.fromstring(wrap(norwegian_invoice, document(250001, kind="invoice", series="credit_note"))),
        "//s:InstanceIdentifier/text()",
    )[0]
    assert credit != ids[250001]  # the same number in the other series is another document


def test_the_sender_country_comes_from_the_seller(norwegian_invoice: bytes) -> None:
    seller = attrs.evolve(
        SELLER, address=PartyAddress(street="Storgatan 1", postcode="111 22", city="Stockholm", country="SE")
    )
    doc = document(250001, parties=Parties(seller=seller, buyer=buyer(), source="issue"))
    envelope = etree.fromstring(wrap(norwegian_invoice, doc))
    assert _texts(envelope, "//s:Scope[s:Type='COUNTRY_C1']/s:InstanceIdentifier/text()") == ["SE"]


def test_a_seller_without_a_peppol_id_is_refused(norwegian_invoice: bytes) -> None:
    doc = document(250001, parties=Parties(seller=attrs.evolve(SELLER, peppol=None), buyer=buyer(), source="issue"))
    with pytest.raises(OutboxError) as refused:
        wrap(norwegian_invoice, doc)
    assert "seller has no PEPPOL id" in refused.value.message


def test_a_payload_of_the_wrong_kind_is_a_bug_not_a_user_error(credit_note: bytes) -> None:
    with pytest.raises(ValueError, match="not a UBL invoice"):
        wrap(credit_note, document(250001))
    with pytest.raises(ValueError, match="not well-formed"):
        wrap(b"<Invoice", document(250001))
