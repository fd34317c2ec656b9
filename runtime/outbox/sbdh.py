"""The envelope a PEPPOL access point expects around an EHF document: a Standard Business Document.

Following the Peppol Business Message Envelope (SBDH) specification: the UN/CEFACT
StandardBusinessDocumentHeader with HeaderVersion 1.0; sender (corner 1, the seller) and
receiver (corner 4, the buyer) as participant ids in the `iso6523-actorid-upis` scheme; the
payload's root namespace, UBL version and root name in DocumentIdentification; and in
BusinessScope the PEPPOL document type (DOCUMENTID), the process (PROCESSID), both read from
the payload's CustomizationID and ProfileID, and, required since 2024, the country of the
sender (COUNTRY_C1). The UBL document follows the header
unchanged, as the last child of the envelope.

Deterministic: the same document gives the same bytes. The InstanceIdentifier is a UUID
derived from the seller and the document's series and number, so a rewritten envelope keeps
its id; CreationDateAndTime is the start of the issue date in Norway (docs/sending.md).
"""

from __future__ import annotations

import uuid
from datetime import datetime, time
from zoneinfo import ZoneInfo

from lxml import etree

from runtime.ledger.documents import IssuedDocument, document_name
from runtime.outbox.channels import parties_of
from runtime.outbox.errors import OutboxError

SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
UBL_ROOTS = {
    "invoice": ("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2", "Invoice"),
    "credit_note": ("urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2", "CreditNote"),
}
UBL_VERSION = "2.1"
PARTICIPANT_SCHEME = "iso6523-actorid-upis"
DOCUMENT_SCHEME = "busdox-docid-qns"
PROCESS_SCHEME = "cenbii-procid-ubl"
NORWAY = ZoneInfo("Europe/Oslo")
# Fixed once: the namespace every envelope's InstanceIdentifier is derived in (uuid5).
INSTANCE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:avtale:outbox:sbdh")


def instance_identifier(seller: str, doc: IssuedDocument) -> str:
    """The envelope's id: the same for the same seller, series and number, different for any other."""
    return str(uuid.uuid5(INSTANCE_NAMESPACE, f"{seller}/{doc.series}/{doc.number}"))


def creation_time(doc: IssuedDocument) -> str:
    """The start of the issue date in Norway, with its UTC offset (+01:00 in winter, +02:00 in summer)."""
    return datetime.combine(doc.issue_date, time(0), tzinfo=NORWAY).isoformat()


def document_type_id(namespace: str, root: str, customization: str) -> str:
    """The PEPPOL document type identifier: `<root namespace>::<root name>##<customization>::<UBL version>`."""
    return f"{namespace}::{root}##{customization}::{UBL_VERSION}"


def _payload(ubl: bytes, doc: IssuedDocument) -> tuple[etree._Element, str, str, str, str]:
    """The UBL root, its namespace and name, its CustomizationID and ProfileID; refused if it is not a UBL
    document of this document's kind."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    try:
        root = etree.fromstring(ubl, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"the EHF of {document_name(doc)} is not well-formed XML: {exc}") from None
    name = etree.QName(root)
    if (name.namespace, name.localname) != UBL_ROOTS[doc.kind]:
        raise ValueError(f"the EHF of {document_name(doc)} has the root {name.text}, not a UBL {doc.kind}")
    customization, profile = (root.findtext(f"{{{CBC}}}{tag}") for tag in ("CustomizationID", "ProfileID"))
    if not customization or not profile:
        raise ValueError(f"the EHF of {document_name(doc)} lacks its CustomizationID or ProfileID")
    return root, name.namespace or "", name.localname, customization.strip(), profile.strip()


def _text(parent: etree._Element, tag: str, text: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{SBDH}}}{tag}", attributes)
    element.text = text
    return element


def _scope(parent: etree._Element, kind: str, value: str, scheme: str | None = None) -> None:
    scope = etree.SubElement(parent, f"{{{SBDH}}}Scope")
    _text(scope, "Type", kind)
    _text(scope, "InstanceIdentifier", value)
    if scheme is not None:
        _text(scope, "Identifier", scheme)


def wrap(ubl: bytes, doc: IssuedDocument) -> bytes:
    """The Standard Business Document holding `ubl`, the EHF rendering of `doc`, for a PEPPOL access point.

    OutboxError when the parties lack what the envelope needs (a PEPPOL id on either side, the seller's
    country); ValueError when `ubl` is not a UBL document of the document's kind (a bug, not the user's).
    """
    parties = parties_of(doc)
    seller, buyer = parties.seller, parties.buyer
    what = document_name(doc)
    if seller.peppol is None:
        raise OutboxError(
            f"{what} goes by PEPPOL, but the seller has no PEPPOL id to send it from",
            'declare the seller\'s participant id, e.g. `peppol "0192:<orgnr>"`, and issue again; or send by '
            "another channel with `--channel email` or `--channel print`",
        )
    if buyer.peppol is None:
        raise OutboxError(f"{what} has no PEPPOL id for its buyer", "send it by `--channel email` or `print`")
    if seller.address is None:
        raise OutboxError(
            f"{what} goes by PEPPOL, but the seller has no address, so its country (COUNTRY_C1) is not known",
            'declare the seller\'s address: `address "street", "postcode", "city", NO`',
        )
    payload, namespace, root_name, customization, process = _payload(ubl, doc)

    envelope = etree.Element(f"{{{SBDH}}}StandardBusinessDocument", nsmap={None: SBDH})
    header = etree.SubElement(envelope, f"{{{SBDH}}}StandardBusinessDocumentHeader")
    _text(header, "HeaderVersion", "1.0")
    sender = etree.SubElement(header, f"{{{SBDH}}}Sender")
    _text(sender, "Identifier", seller.peppol, Authority=PARTICIPANT_SCHEME)
    receiver = etree.SubElement(header, f"{{{SBDH}}}Receiver")
    _text(receiver, "Identifier", buyer.peppol, Authority=PARTICIPANT_SCHEME)
    identification = etree.SubElement(header, f"{{{SBDH}}}DocumentIdentification")
    _text(identification, "Standard", namespace)
    _text(identification, "TypeVersion", UBL_VERSION)
    _text(identification, "InstanceIdentifier", instance_identifier(seller.peppol, doc))
    _text(identification, "Type", root_name)
    _text(identification, "CreationDateAndTime", creation_time(doc))
    scope = etree.SubElement(header, f"{{{SBDH}}}BusinessScope")
    _scope(scope, "DOCUMENTID", document_type_id(namespace, root_name, customization), DOCUMENT_SCHEME)
    _scope(scope, "PROCESSID", process, PROCESS_SCHEME)
    _scope(scope, "COUNTRY_C1", seller.address.country)
    envelope.append(payload)
    data: bytes = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data
