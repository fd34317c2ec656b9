"""The hash chain: each document's hash covers its content and the hash before it in its series.

hash = sha256(previous_hash as ASCII hex + canonical JSON of the document), where the
canonical JSON is the document without `hash` and `previous_hash`: keys sorted, no
spaces, UTF-8, Decimals and dates as strings exactly as stored. Changing any stored
figure, line, reference or number breaks the document's hash; removing or reordering
a document breaks the link from the next one.

A document issued with snapshots of its parties and lines (schema version 5, `parties.source == "issue"`) has
them in its canonical JSON too, with `"format": 2`: each line gains `details`, the document gains `parties`.
Stripping the snapshot, or relabelling it a backfill, gives the old form and so another hash. A document issued
before version 5 has neither and keeps its old canonical form, and so its hash, exactly; a snapshot backfilled
for it later is not covered.
"""

from __future__ import annotations

import hashlib
import json
from json.encoder import encode_basestring as _encode_string

from runtime.ledger.documents import DraftLine, IssuedDocument
from runtime.ledger.parties import Party

GENESIS = "0" * 64
SNAPSHOT_FORMAT = 2  # the canonical form of a document that carries its issue-time snapshots


def _json(value: object) -> str:
    """`value` as json.dumps writes it in the canonical form. Strings, None, bools and ints, which are all a
    document holds but its list of corrected invoices, without json.dumps's per-call setup (strings through the
    C encoder json.dumps itself uses with ensure_ascii=False); anything else through json.dumps."""
    if isinstance(value, str):
        return _encode_string(value)  # a subclass too: json.dumps encodes any str's characters
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)  # what json.dumps writes for any int, whatever its class's own repr
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _line(line: DraftLine, snapshot: bool) -> str:
    details = ""
    if snapshot:
        found = line.details
        shown = (
            "null"
            if found is None
            else f'{{"unit_code":{_json(found.unit_code)},"vat_reason":{_json(found.vat_reason)}}}'
        )
        details = f',"details":{shown}'
    return (
        f'{{"billing_end":{_json(line.billing_end.isoformat())},"billing_start":{_json(line.billing_start.isoformat())},'
        f'"charge":{_json(line.charge)},"contract":{_json(line.contract)},"corrects":{_json(line.corrects)},'
        f'"description":{_json(line.description)}{details},"discount":{_json(line.discount)},'
        f'"line_kind":{_json(line.kind)},"net_amount":{_json(str(line.net_amount))},'
        f'"period_end":{_json(line.period_end.isoformat())},"period_start":{_json(line.period_start.isoformat())},'
        f'"provenance":{_json(line.provenance)},"quantity":{_json(str(line.quantity))},'
        f'"unit_price":{_json(str(line.unit_price))},"vat_category":{_json(line.vat_category)},'
        f'"vat_rate":{_json(str(line.vat_rate))}}}'
    )


def _party(party: Party) -> str:
    address = party.address
    shown = (
        "null"
        if address is None
        else f'{{"city":{_json(address.city)},"country":{_json(address.country)},'
        f'"postcode":{_json(address.postcode)},"street":{_json(address.street)}}}'
    )
    return (
        f'{{"address":{shown},"bank_account":{_json(party.bank_account)},"consumer":{_json(party.consumer)},'
        f'"email":{_json(party.email)},"foretaksregisteret":{_json(party.foretaksregisteret)},"id":{_json(party.id)},'
        f'"language":{_json(party.language)},"name":{_json(party.name)},"orgnr":{_json(party.orgnr)},'
        f'"peppol":{_json(party.peppol)},"vat_number":{_json(party.vat_number)}}}'
    )


def covers_snapshots(doc: IssuedDocument) -> bool:
    """Whether the document's hash covers its party and line snapshots: those recorded when it was issued."""
    return doc.parties is not None and doc.parties.source == "issue"


def canonical(doc: IssuedDocument) -> bytes:
    """The document as JSON with its keys sorted, no spaces, UTF-8 (module doc). Written out key by key in
    sorted order rather than built as dicts for json.dumps: issuing hashes every document, and this takes about
    a quarter less time. tests/ledger/test_chain.py holds it to json.dumps of the same content, key for key."""
    snapshot = covers_snapshots(doc)
    lines = ",".join([_line(line, snapshot) for line in doc.lines])
    groups = ",".join(
        f'{{"category":{_json(g.category)},"rate":{_json(str(g.rate))},"taxable":{_json(str(g.taxable))},'
        f'"vat":{_json(str(g.vat))}}}'
        for g in doc.totals.groups
    )
    format_ = parties = ""
    if snapshot:
        assert doc.parties is not None
        format_ = f',"format":{SNAPSHOT_FORMAT}'
        parties = f',"parties":{{"buyer":{_party(doc.parties.buyer)},"seller":{_party(doc.parties.seller)}}}'
    text = (
        f'{{"buyer_reference":{_json(doc.buyer_reference)},"contract":{_json(doc.contract)},'
        f'"corrects":{_json(list(doc.corrects))},"currency":{_json(doc.currency)},"customer":{_json(doc.customer)},'
        f'"due_date":{_json(doc.due_date.isoformat())}{format_},"gross":{_json(str(doc.totals.gross))},'
        f'"issue_date":{_json(doc.issue_date.isoformat())},"kid":{_json(doc.kid)},"kind":{_json(doc.kind)},'
        f'"lines":[{lines}],"net":{_json(str(doc.totals.net))},"number":{_json(doc.number)}{parties},'
        f'"purchase_order":{_json(doc.purchase_order)},"run":{_json(doc.issued_at_run)},"series":{_json(doc.series)},'
        f'"vat":{_json(str(doc.totals.vat))},"vat_groups":[{groups}]}}'
    )
    return text.encode("utf-8")


def document_hash(doc: IssuedDocument) -> str:
    """The hash `doc` must carry, from its previous_hash and its content (its own `hash` is ignored)."""
    return hashlib.sha256(doc.previous_hash.encode("ascii") + canonical(doc)).hexdigest()
