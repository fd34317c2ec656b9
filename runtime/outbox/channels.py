"""Which channel a document goes by, and to whom: the one place that rule is written."""

from __future__ import annotations

from runtime.einvoice.ubl import wants_ehf
from runtime.ledger.documents import IssuedDocument, document_name
from runtime.ledger.handovers import Channel
from runtime.ledger.parties import Parties, Party
from runtime.outbox.errors import OutboxError


def parties_of(doc: IssuedDocument) -> Parties:
    """The parties as the document was issued to them; refused for a document issued before the ledger kept them."""
    if doc.parties is None:
        raise OutboxError(
            f"{document_name(doc)} was issued before the ledger kept the parties of each document, "
            "so it is not known where it goes",
            "run `avtale ledger backfill` to record them from the workspace, then send again",
        )
    return doc.parties


def channel_for(doc: IssuedDocument) -> Channel:
    """A business with a PEPPOL id gets EHF; anyone else with an e-mail address a PDF by e-mail; the rest a
    printed PDF. Decided from the snapshot taken at issue, so a document keeps its channel whatever the
    workspace says later."""
    buyer = parties_of(doc).buyer
    if wants_ehf(doc):
        return "peppol"
    if buyer.email is not None:
        return "email"
    return "print"


def recipient(doc: IssuedDocument, channel: Channel) -> str:
    """Where the channel delivers: the PEPPOL participant id, the e-mail address, or the postal address."""
    buyer = parties_of(doc).buyer
    if channel == "peppol" and buyer.peppol is not None:
        return buyer.peppol
    if channel == "email" and buyer.email is not None:
        return buyer.email
    return postal_address(buyer)


def postal_address(party: Party) -> str:
    """One line a print service can put on an envelope: name, street, postcode and city, country."""
    address = party.address
    if address is None:
        return party.name
    return f"{party.name}, {address.street}, {address.postcode} {address.city}, {address.country}"
