"""Documents to table rows and back. Decimals are stored as their exact text, dates as ISO text."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from compiler.billing.lines import LINE_KINDS, LineKind
from runtime.ledger.closes import ClosedFigure
from runtime.ledger.documents import KINDS, DraftLine, IssuedDocument, IssuedLine, Kind
from runtime.ledger.handovers import CHANNELS, Handover
from runtime.ledger.identity import parse_timestamp
from runtime.ledger.parties import LineDetails, Parties, Party, PartyAddress, SnapshotSource
from runtime.ledger.totals import Totals, VatGroup


class RevisionLike(Protocol):
    """What `revision_row` reads of a run's revision (store.RunRevision)."""

    @property
    def commit(self) -> str | None: ...

    @property
    def dirty(self) -> bool: ...


Row = Sequence[Any]
# A document row with its lines, VAT groups and references, and (schema version 5) its party snapshot rows
# (seller first) and its line details rows (by line).
Raw = tuple[Row, list[Row], list[Row], list[int], list[Row], list[Row]]

DOCUMENT_COLUMNS = (
    "series, number, kind, contract, customer, currency, issue_date, due_date, buyer_reference, "
    "purchase_order, kid, net, vat, gross, previous_hash, hash, run"
)
LINE_COLUMNS = (
    "series, number, line, contract, charge, description, period_start, period_end, quantity, "
    "unit_price, net_amount, vat_category, vat_rate, provenance, corrects, line_kind, discount, billing_start, "
    "billing_end"
)
VAT_COLUMNS = "series, number, position, category, rate, taxable, vat"
ISSUED_LINE_COLUMNS = (
    "contract, charge, period_start, period_end, net_amount, series, number, line, provenance, description, "
    "line_kind, discount, billing_start, billing_end, vat_category, vat_rate, corrects"
)
REF_COLUMNS = "series, number, position, invoice"
PARTY_COLUMNS = (
    "series, number, role, id, name, orgnr, vat_number, foretaksregisteret, consumer, street, postcode, city, "
    "country, peppol, email, bank_account, language, source, recorded_at"
)
DETAIL_COLUMNS = "series, number, line, unit_code, vat_reason"
ROLES = ("seller", "buyer")


def document_row(doc: IssuedDocument) -> tuple[Any, ...]:
    return (
        doc.series,
        doc.number,
        doc.kind,
        doc.contract,
        doc.customer,
        doc.currency,
        doc.issue_date.isoformat(),
        doc.due_date.isoformat(),
        doc.buyer_reference,
        doc.purchase_order,
        doc.kid,
        str(doc.totals.net),
        str(doc.totals.vat),
        str(doc.totals.gross),
        doc.previous_hash,
        doc.hash,
        doc.issued_at_run,
    )


def line_rows(doc: IssuedDocument) -> list[tuple[Any, ...]]:
    return [
        (
            doc.series,
            doc.number,
            position,
            line.contract,
            line.charge,
            line.description,
            line.period_start.isoformat(),
            line.period_end.isoformat(),
            str(line.quantity),
            str(line.unit_price),
            str(line.net_amount),
            line.vat_category,
            str(line.vat_rate),
            line.provenance,
            line.corrects,
            line.kind,
            line.discount,
            line.billing_start.isoformat(),
            line.billing_end.isoformat(),
        )
        for position, line in enumerate(doc.lines, start=1)
    ]


def party_rows(series: Kind, number: int, parties: Parties, recorded_at: str | None = None) -> list[tuple[Any, ...]]:
    """The seller's and the buyer's row of a document's snapshot; `recorded_at` for a backfill only."""
    found = []
    for role, party in (("seller", parties.seller), ("buyer", parties.buyer)):
        address = party.address
        place = (
            (None, None, None, None)
            if address is None
            else (
                address.street,
                address.postcode,
                address.city,
                address.country,
            )
        )
        found.append(
            (
                series,
                number,
                role,
                party.id,
                party.name,
                party.orgnr,
                party.vat_number,
                int(party.foretaksregisteret),
                int(party.consumer),
                *place,
                party.peppol,
                party.email,
                party.bank_account,
                party.language,
                parties.source,
                recorded_at,
            )
        )
    return found


def detail_rows(series: Kind, number: int, details: Sequence[LineDetails | None]) -> list[tuple[Any, ...]]:
    """Each line's details, by line position (a line without any has no row)."""
    return [
        (series, number, position, found.unit_code, found.vat_reason)
        for position, found in enumerate(details, start=1)
        if found is not None
    ]


def decode_handover(row: Row) -> Handover:
    """A row of (series, number, channel, file, sha256, handed_over_at)."""
    channel = row[2]
    if channel not in CHANNELS:
        raise ValueError(f"unknown handover channel {channel!r}")
    return Handover(
        series=kind(row[0]),
        number=int(row[1]),
        channel=CHANNELS[CHANNELS.index(channel)],
        file=_text(row[3], "handover file"),
        sha256=_text(row[4], "handover sha256"),
        handed_over_at=parse_timestamp(row[5]),
    )


def decode_figure(row: Row) -> ClosedFigure:
    """A row of (contract, obligation, account, currency, amount) of closed_figures."""
    if not isinstance(row[2], int):
        raise ValueError(f"account {row[2]!r} is not a whole number")
    return ClosedFigure(
        contract=_text(row[0], "contract"),
        obligation=_text(row[1], "obligation"),
        account=row[2],
        currency=_text(row[3], "currency"),
        amount=decimal(row[4]),
    )


def revision_row(revision: RevisionLike | None) -> tuple[str | None, int | None]:
    """A run's revision as the `revision` and `dirty` columns of bill_runs: both NULL when none is recorded."""
    if revision is None:
        return None, None
    return revision.commit, int(revision.dirty)


def vat_rows(doc: IssuedDocument) -> list[tuple[Any, ...]]:
    return [
        (doc.series, doc.number, position, g.category, str(g.rate), str(g.taxable), str(g.vat))
        for position, g in enumerate(doc.totals.groups, start=1)
    ]


def ref_rows(doc: IssuedDocument) -> list[tuple[Any, ...]]:
    return [(doc.series, doc.number, position, invoice) for position, invoice in enumerate(doc.corrects, start=1)]


def kind(value: object) -> Kind:
    for known in KINDS:
        if value == known:
            return known
    raise ValueError(f"unknown document kind {value!r}")


def decimal(value: object) -> Decimal:
    """A stored amount; anything but the text of a finite Decimal means the row was damaged."""
    if not isinstance(value, str):
        raise ValueError(f"amount {value!r} is not text")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"amount {value!r} is not a finite number")
    return amount


def line_kind(value: object) -> LineKind:
    for known in LINE_KINDS:
        if value == known:
            return known
    raise ValueError(f"unknown line kind {value!r}")


def day(value: object) -> date:
    if not isinstance(value, str):
        raise ValueError(f"date {value!r} is not text")
    return date.fromisoformat(value)


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} {value!r} is not text")
    return value


def _maybe_text(value: object, what: str) -> str | None:
    return None if value is None else _text(value, what)


def _flag(value: object, what: str) -> bool:
    if value not in (0, 1) or isinstance(value, float):
        raise ValueError(f"{what} {value!r} is neither 0 nor 1")
    return bool(value)


def _source(value: object) -> SnapshotSource:
    if value == "issue":
        return "issue"
    if value == "backfill":
        return "backfill"
    raise ValueError(f"snapshot source {value!r} is neither issue nor backfill")


def decode_party(row: Row) -> Party:
    """A row in PARTY_COLUMNS order, from `id` on."""
    place = row[6:10]
    if all(v is None for v in place):
        address = None
    else:
        street, postcode, city, country = (_text(v, "an address field") for v in place)
        address = PartyAddress(street=street, postcode=postcode, city=city, country=country)
    return Party(
        id=_text(row[0], "party id"),
        name=_text(row[1], "party name"),
        orgnr=_maybe_text(row[2], "organisation number"),
        vat_number=_maybe_text(row[3], "VAT number"),
        foretaksregisteret=_flag(row[4], "foretaksregisteret"),
        consumer=_flag(row[5], "consumer"),
        address=address,
        peppol=_maybe_text(row[10], "PEPPOL id"),
        email=_maybe_text(row[11], "email"),
        bank_account=_maybe_text(row[12], "bank account"),
        language=_text(row[13], "language"),
    )


def decode_parties(found: Sequence[Row]) -> Parties | None:
    """A document's snapshot from its party rows (PARTY_COLUMNS from `role` on); None when it has none."""
    if not found:
        return None
    roles = [row[0] for row in found]
    if sorted(roles, key=str) != sorted(ROLES):
        raise ValueError(f"the party snapshot holds {roles!r}, not one seller and one buyer")
    sources = {row[15] for row in found}
    if len(sources) != 1:
        raise ValueError(f"the seller's and the buyer's snapshot have different sources ({sorted(sources, key=str)})")
    by_role = {row[0]: decode_party(row[1:]) for row in found}
    return Parties(seller=by_role["seller"], buyer=by_role["buyer"], source=_source(found[0][15]))


def decode_details(row: Row) -> LineDetails:
    """A row in DETAIL_COLUMNS order, from `unit_code` on."""
    return LineDetails(unit_code=_text(row[0], "unit code"), vat_reason=_maybe_text(row[1], "VAT reason"))


def decode_line(row: Row, details: LineDetails | None = None) -> DraftLine:
    """A row in LINE_COLUMNS order, from `contract` on."""
    return DraftLine(
        contract=row[0],
        charge=row[1],
        description=row[2],
        period_start=day(row[3]),
        period_end=day(row[4]),
        quantity=decimal(row[5]),
        unit_price=decimal(row[6]),
        net_amount=decimal(row[7]),
        vat_category=row[8],
        vat_rate=decimal(row[9]),
        provenance=row[10],
        corrects=row[11],
        kind=line_kind(row[12]),
        discount=row[13],
        billing_start=day(row[14]),
        billing_end=day(row[15]),
        details=details,
    )


def decode_document(
    row: Row,
    lines: list[Row],
    groups: list[Row],
    refs: list[int],
    parties: Sequence[Row] = (),
    details: Sequence[Row] = (),
) -> IssuedDocument:
    """A row in DOCUMENT_COLUMNS order with its lines (LINE_COLUMNS from `contract`) and VAT groups, its
    references, its party rows (PARTY_COLUMNS from `role`) and line details (DETAIL_COLUMNS from `line`)."""
    by_line: dict[int, LineDetails] = {}
    for detail in details:
        position = detail[0]
        if not isinstance(position, int) or not 1 <= position <= len(lines) or position in by_line:
            raise ValueError(f"line details for line {position!r} do not belong to one of its {len(lines)} lines")
        by_line[position] = decode_details(detail[1:])
    totals = Totals(
        groups=tuple(
            VatGroup(category=g[0], rate=decimal(g[1]), taxable=decimal(g[2]), vat=decimal(g[3])) for g in groups
        ),
        net=decimal(row[11]),
        vat=decimal(row[12]),
        gross=decimal(row[13]),
    )
    return IssuedDocument(
        series=kind(row[0]),
        number=row[1],
        kind=kind(row[2]),
        contract=row[3],
        customer=row[4],
        currency=row[5],
        issue_date=day(row[6]),
        due_date=day(row[7]),
        buyer_reference=row[8],
        purchase_order=row[9],
        kid=row[10],
        totals=totals,
        previous_hash=row[14],
        hash=row[15],
        issued_at_run=row[16],
        lines=tuple(decode_line(line, by_line.get(position)) for position, line in enumerate(lines, start=1)),
        corrects=tuple(refs),
        parties=decode_parties(parties),
    )


def issued_line(row: Row) -> IssuedLine:
    """A row of ISSUED_LINE_COLUMNS as reconciliation sees it: credit-note amounts negative."""
    net = decimal(row[4])
    return IssuedLine(
        contract=row[0],
        charge=row[1],
        period_start=day(row[2]),
        period_end=day(row[3]),
        net_amount=-net if row[5] == "credit_note" else net,
        series=kind(row[5]),
        number=row[6],
        line=row[7],
        provenance=row[8],
        description=row[9],
        kind=line_kind(row[10]),
        discount=row[11],
        billing_start=day(row[12]),
        billing_end=day(row[13]),
        vat_category=row[14],
        vat_rate=decimal(row[15]),
        corrects=row[16],
    )


SERIES_ORDER = "CASE series WHEN 'invoice' THEN 0 ELSE 1 END"


def read_raw(db: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> list[Raw]:
    """Document rows with their line, VAT group, reference, party and line details rows, in document order.

    `where` filters each of the six tables by their shared `series` and `number` columns.
    """
    docs = db.execute(
        f"SELECT {DOCUMENT_COLUMNS} FROM documents {where} ORDER BY {SERIES_ORDER}, number", params
    ).fetchall()
    lines: dict[tuple[str, int], list[Row]] = defaultdict(list)
    groups: dict[tuple[str, int], list[Row]] = defaultdict(list)
    refs: dict[tuple[str, int], list[int]] = defaultdict(list)
    for row in db.execute(f"SELECT {LINE_COLUMNS} FROM document_lines {where} ORDER BY line", params):
        lines[row[0], row[1]].append(row[3:])
    for row in db.execute(f"SELECT {VAT_COLUMNS} FROM document_vat {where} ORDER BY position", params):
        groups[row[0], row[1]].append(row[3:])
    for row in db.execute(f"SELECT {REF_COLUMNS} FROM document_refs {where} ORDER BY position", params):
        refs[row[0], row[1]].append(row[3])
    parties: dict[tuple[str, int], list[Row]] = defaultdict(list)
    details: dict[tuple[str, int], list[Row]] = defaultdict(list)
    if has_snapshots(db):
        order = "CASE role WHEN 'seller' THEN 0 ELSE 1 END, role"
        for row in db.execute(f"SELECT {PARTY_COLUMNS} FROM document_parties {where} ORDER BY {order}", params):
            parties[row[0], row[1]].append(row[2:])
        for row in db.execute(f"SELECT {DETAIL_COLUMNS} FROM document_line_details {where} ORDER BY line", params):
            details[row[0], row[1]].append(row[2:])
    return [
        (
            doc,
            lines[doc[0], doc[1]],
            groups[doc[0], doc[1]],
            refs[doc[0], doc[1]],
            parties[doc[0], doc[1]],
            details[doc[0], doc[1]],
        )
        for doc in docs
    ]


def has_snapshots(db: sqlite3.Connection) -> bool:
    """Whether the file has the snapshot tables (schema version 5 on): an older ledger read as it is has none."""
    found = db.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('document_parties', "
        "'document_line_details')"
    ).fetchone()[0]
    return int(found) == 2
