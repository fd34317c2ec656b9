"""The channel rule: PEPPOL for a business with a PEPPOL id, else e-mail, else print."""

from __future__ import annotations

import pytest

from runtime.ledger.parties import PartyAddress
from runtime.outbox.channels import channel_for, recipient
from runtime.outbox.errors import OutboxError
from tests.outbox.documents import CONSUMER, PAPER, buyer, document, without_parties


def test_a_business_with_a_peppol_id_gets_peppol_even_with_an_email_address() -> None:
    doc = document(250001)
    assert channel_for(doc) == "peppol"
    assert recipient(doc, "peppol") == "0192:976240391"


def test_without_a_peppol_id_an_email_address_gets_email() -> None:
    doc = document(250002, buyer(peppol=None))
    assert channel_for(doc) == "email"
    assert recipient(doc, "email") == "faktura@nordlys.example"


def test_a_consumer_gets_email_even_if_a_peppol_id_was_recorded() -> None:
    assert channel_for(document(250003, CONSUMER)) == "email"
    assert channel_for(document(250004, buyer(consumer=True, email="a@example.no"))) == "email"


def test_neither_peppol_nor_email_gets_print_to_the_postal_address() -> None:
    doc = document(250005, PAPER)
    assert channel_for(doc) == "print"
    assert recipient(doc, "print") == "Hytteutleie Fjell AS, Sjøgata 1, 8006 Bodø, NO"


def test_print_without_an_address_names_the_buyer() -> None:
    doc = document(250006, buyer(peppol=None, email=None, address=None, name="Uten Adresse AS"))
    assert channel_for(doc) == "print"
    assert recipient(doc, "print") == "Uten Adresse AS"


def test_a_consumer_without_email_gets_print() -> None:
    address = PartyAddress(street="Vei 2", postcode="9000", city="Tromsø", country="NO")
    doc = document(250007, buyer(consumer=True, peppol=None, email=None, name="Per", address=address))
    assert channel_for(doc) == "print"
    assert recipient(doc, "print") == "Per, Vei 2, 9000 Tromsø, NO"


def test_a_document_without_party_snapshots_is_refused_with_the_backfill_hint() -> None:
    with pytest.raises(OutboxError) as refused:
        channel_for(without_parties(document(250008)))
    assert "invoice 250008" in refused.value.message
    assert "avtale ledger backfill" in refused.value.help
