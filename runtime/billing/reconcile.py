"""Expected minus issued, per line identity and VAT group, turned into drafts.

A line identity (compiler/billing/lines.py) is the contract, the line's kind,
its charge, its discount and its billing period; never its label. For every
identity and VAT category and rate, the difference between what is expected now
and what was issued (credit notes negative) is settled:

- nothing issued yet: the line goes on the contract's invoice as it is;
- a shortfall: one correction line on the invoice, saying what changed;
- an excess: one correction line on a credit note referencing the invoice it
  corrects; one credit note per corrected invoice.

A changed label changes no identity, so nothing is drafted; a changed VAT
category moves the amount from one VAT group to another: the old is credited
and the new billed. A second run with the same inputs drafts nothing.

Issued lines whose contract or charge no longer exists in the workspace are not
reconciled at all: they are reported as orphans, and an apply refuses to run.

Two guards keep an ordinary mistake from moving money:

- a line not issued yet is drafted only when it is due by the run's as-of date,
  although issued lines are compared with what the terms now say up to the
  horizon (the latest applied run's as-of): a run at an earlier date never
  credits a period merely because it is not due yet then;
- usage that was billed and is now gone (a missing folder, a deleted file) is
  reported, not credited, unless the run says the removal is meant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal

import attrs

from compiler import model
from compiler.billing.lines import LineId, Tax
from compiler.billing.price import PricedLine
from compiler.billing.provenance import CorrectionTrace, DocumentRef, Trace, trace_from_json, trace_to_json
from runtime.billing.bankdays import due_date
from runtime.billing.parties import line_details, parties_for
from runtime.ledger.documents import DraftDocument, DraftLine, IssuedLine
from runtime.ledger.errors import LedgerError

ZERO = Decimal(0)
CORRECTION = "Korreksjon: "
Bucket = tuple[LineId, Tax]
_RANK = {"prepaid": 0, "recurring": 0, "one_time": 0, "usage": 0, "discount": 1, "drawdown": 2, "minimum": 3}


@attrs.frozen(kw_only=True)
class KnownIds:
    """The ids a contract's issued lines may name: its charges (and `minimum`) and its discounts."""

    charges: frozenset[str]
    discounts: frozenset[str]


@attrs.frozen(kw_only=True)
class Orphan:
    """Issued lines that name a contract, charge or discount the workspace no longer has."""

    contract: str
    what: str
    """`contract X`, `charge X`, `discount X`."""
    documents: tuple[tuple[str, int], ...]
    """(series, number) of every document holding such a line."""


@attrs.frozen(kw_only=True)
class VanishedUsage:
    """A metered total that issued documents billed and the usage no longer has: never read as zero."""

    contract: str
    charge: str
    metric: str
    start: date
    end: date
    """The local days [start, end) whose events are gone."""
    billed: Decimal
    """The total the issued line was metered from."""
    documents: tuple[tuple[str, int], ...]
    """(series, number) of the documents that billed it."""


@attrs.frozen(kw_only=True)
class Reconciled:
    drafts: list[DraftDocument]
    orphans: list[Orphan]
    vanished: list[VanishedUsage]
    """Usage gone from periods already billed: the corrections it would cause are left out."""


def _orphan_reason(line: IssuedLine, known: Mapping[str, KnownIds]) -> str | None:
    ids = known.get(line.contract)
    if ids is None:
        return f"contract {line.contract}"
    if line.charge not in ids.charges:
        return f"charge {line.charge}"
    if line.discount and line.discount not in ids.discounts:
        return f"discount {line.discount}"
    return None


def _line_of(
    bucket: Bucket,
    description: str,
    start: date,
    end: date,
    quantity: Decimal,
    unit_price: Decimal,
    net: Decimal,
    trace: Trace,
    corrects: int | None = None,
) -> DraftLine:
    """A draft line of an identity and VAT group: its identity columns are the bucket's."""
    ident, tax = bucket
    return DraftLine(
        contract=ident.contract,
        charge=ident.charge,
        description=description,
        period_start=start,
        period_end=end,
        quantity=quantity,
        unit_price=unit_price,
        net_amount=net,
        vat_category=tax.category,
        vat_rate=tax.rate,
        provenance=trace_to_json(trace),
        kind=ident.kind,
        discount=ident.discount,
        billing_start=ident.period_start,
        billing_end=ident.period_end,
        corrects=corrects,
    )


def _draft_line(line: PricedLine) -> DraftLine:
    bucket = (line.id, line.tax)
    return _line_of(bucket, line.label, line.start, line.end, line.quantity, line.unit_price, line.net, line.trace())


def _what_changed(target: PricedLine | None, issued: Decimal) -> str:
    if target is None:
        return f"no longer billed (issued {issued:f}): the contract no longer has it for this period"
    amendments = sorted({p.amendment for p in target.trace().pieces if p.amendment is not None})
    amendments += sorted({u.amendment for u in target.trace().usage if u.amendment is not None})
    because = f"; amendment {', '.join(str(a) for a in amendments)}" if amendments else ""
    return f"now {target.net:f}, issued {issued:f}{because}"


def _correction(
    bucket: Bucket,
    difference: Decimal,
    target: PricedLine | None,
    before: list[IssuedLine],
    corrects: int | None,
) -> DraftLine:
    ident = bucket[0]
    last = before[-1]
    issued = sum((x.net_amount for x in before), ZERO)
    if target is not None:
        base = target.trace()
        label, start, end = target.label, target.start, target.end
    else:
        base = _issued_trace(last)
        label, start, end = last.description.removeprefix(CORRECTION), last.period_start, last.period_end
    trace = Trace(
        kind="correction",
        line_kind=ident.kind,
        source=base.source,
        amendment=base.amendment,
        billing_date=base.billing_date,
        pieces=base.pieces,
        usage=base.usage,
        discount=base.discount,
        minimum=base.minimum,
        prepaid=base.prepaid,
        drawdown=base.drawdown,
        correction=CorrectionTrace(
            expected=target.net if target is not None else ZERO,
            issued=issued,
            corrects=tuple(DocumentRef(series=x.series, number=x.number, line=x.line) for x in before),
            reason=_what_changed(target, issued),
        ),
    )
    amount = abs(difference)
    return _line_of(bucket, f"{CORRECTION}{label}", start, end, Decimal(1), amount, amount, trace, corrects)


def _issued_trace(line: IssuedLine) -> Trace:
    try:
        return trace_from_json(line.provenance)
    except ValueError as exc:
        raise LedgerError(
            f"{line.series.replace('_', ' ')} {line.number} line {line.line} has reasons that cannot be read ({exc})",
            "run the ledger verification to see what was changed, and restore the file from a backup",
        ) from None


def _vanished(target: PricedLine, before: list[IssuedLine]) -> list[VanishedUsage]:
    """The metered totals the last issued line of a usage identity billed that are now zero: where the pieces
    priced now that overlap a billed piece (of its metric) meter nothing together. A billed piece no piece
    overlaps any more was removed by the terms (a termination before it), not by the data; one the terms
    cut short (a termination inside it) is gone only when what is left of it meters nothing."""
    if not isinstance(target.detail, tuple):
        return []
    now = [(piece.metric, piece.start, piece.end, total) for piece, total, _ in target.detail]

    def gone(metric: str, start: date, end: date) -> bool:
        overlapping = [total for m, s, e, total in now if m == metric and s < end and start < e]
        return bool(overlapping) and not any(overlapping)

    documents = tuple(sorted({(x.series, x.number) for x in before}))
    return [
        VanishedUsage(
            contract=target.id.contract,
            charge=target.id.charge,
            metric=used.metric,
            start=used.start,
            end=used.end,
            billed=used.total,
            documents=documents,
        )
        for used in _issued_trace(before[-1]).usage
        if used.total != 0 and gone(used.metric, used.start, used.end)
    ]


def _reading_order(line: DraftLine, correction: bool) -> tuple[object, ...]:
    """Periods in order; within one, a prepaid credit first, then each charge followed by its discounts and its
    drawdown, corrections last."""
    charge = "" if line.kind == "prepaid" else line.charge
    return (line.billing_start, correction, charge, _RANK[line.kind], line.discount, line.vat_category)


def _corrected_invoice(before: list[IssuedLine], period_invoices: Mapping[tuple[str, str, date], int]) -> int | None:
    """The invoice an excess corrects: the latest invoice that billed this identity (or that a credit
    note for it corrected), else the latest invoice that billed the same charge for the same period."""
    numbers = [x.number for x in before if x.series == "invoice"]
    numbers += [x.corrects for x in before if x.series == "credit_note" and x.corrects is not None]
    if numbers:
        return max(numbers)
    if before:
        first = before[0]
        return period_invoices.get((first.contract, first.charge, first.billing_start))
    return None


def _refuse_billed_before_cutover(workspace: model.Workspace, billed: Mapping[Bucket, list[IssuedLine]]) -> None:
    """A contract's cut-over says the old billing invoiced its periods through a day, yet the ledger holds
    Avtale's own invoice for one of them (a `billed_through` moved later than where Avtale took over, or set
    after the fact). Reconciling would credit those lines: refuse, and say which."""
    found: list[tuple[date, int, int, str, IssuedLine, model.Cutover]] = []
    for bucket, lines in billed.items():
        contract = workspace.contracts.get(bucket[0].contract)
        cutover = contract.cutover if contract is not None else None
        if cutover is None or sum((x.net_amount for x in lines), ZERO) == 0:
            continue
        first = min(lines, key=lambda x: (x.period_start, x.number, x.line))
        if bucket[0].kind == "minimum" and bucket[0].period_end > cutover.first_day:
            continue  # the true-up of a year that runs across the cut-over is Avtale's, billed when it ends
        if first.period_start < cutover.first_day:
            found.append((first.period_start, first.number, first.line, first.series, first, cutover))
    if not found:
        return
    *_, first, cutover = min(found, key=lambda item: item[:4])
    where = "avtale.toml" if cutover.from_settings else f"{cutover.span.file}:{cutover.span.line}"
    raise LedgerError(
        f"contract {first.contract}: {first.series.replace('_', ' ')} {first.number} line {first.line} "
        f"billed `{first.charge}` from {first.period_start}, which `billed_through {cutover.through}` "
        f"({where}) says the old billing invoiced; a run would credit it",
        f"set `billed_through` to the day before {first.period_start}, where Avtale took over; if the old billing "
        "invoiced the same period too, keep Avtale's invoice and credit the old one where it was issued",
    )


def _refuse_billing_history(
    wanted: Mapping[Bucket, PricedLine],
    billed: Mapping[Bucket, list[IssuedLine]],
    settled: Mapping[str, date],
    as_of: date,
    taken_over: Mapping[str, date],
) -> None:
    """A line that would bill days before Avtale took the contract over: what the old billing invoiced, come
    back because `billed_through` was removed or moved earlier (or the start moved earlier). Drafting it would
    bill the customer twice: refuse, and say which.

    Where Avtale took over is what applied runs recorded (`taken_over`: the latest first day a run that reached
    it saw). Any line due whose days begin before it and that would draft something is refused: a new line, and
    a line issued already that would change (a period in arrears across the cut-over that would grow back over
    the old billing's days). Early periods priced 0.00 (no usage, or all of it free) were never invoiced, yet
    they are Avtale's: late usage for them bills. For a contract without a record (a ledger from before it was
    kept, or no run reached its first day yet), the first period Avtale invoiced stands in, for new lines."""
    first: dict[str, date] = {}
    for bucket, lines in billed.items():
        contract = bucket[0].contract
        if contract in settled or contract in taken_over or bucket[0].kind == "minimum":
            continue  # a contract settled since its last apply reconciles only its recent lines
        start = min(x.period_start for x in lines)
        if contract not in first or start < first[contract]:
            first[contract] = start
    recorded = {c: day for c, day in taken_over.items() if c not in settled}
    if not first and not recorded:
        return

    def before_takeover(bucket: Bucket, target: PricedLine) -> bool:
        contract = bucket[0].contract
        if bucket[0].kind == "minimum" or target.billing_date > as_of:
            return False
        issued = sum((x.net_amount for x in billed.get(bucket, ())), ZERO)
        if contract in recorded:
            return target.start < recorded[contract] and target.net != issued
        return bucket not in billed and bool(target.net) and contract in first and target.end <= first[contract]

    found = [target for bucket, target in wanted.items() if before_takeover(bucket, target)]
    if not found:
        return
    line = min(found, key=lambda t: (t.id.contract, t.start, t.id.charge, t.id.kind, t.id.discount))
    contract = line.id.contract
    raise LedgerError(
        f"contract {contract}: a run would invoice `{line.id.charge}` for {line.start} – "
        f"{line.end - timedelta(days=1)}, "
        + (
            ("before" if line.end <= recorded[contract] else "which begins before")
            + f" {recorded[contract]}, where Avtale took it over (recorded by its bill runs)"
            if contract in recorded
            else f"before {first[contract]}, the first period Avtale invoiced for it"
        ),
        "periods before where Avtale took over are the old billing's: if `billed_through` was removed or moved "
        "earlier, set it back to the last day the old billing invoiced (docs/cutover.md); if they were never "
        "invoiced (a start moved earlier), invoice them by hand",
    )


def reconcile(
    workspace: model.Workspace,
    expected: Iterable[PricedLine],
    issued: Iterable[IssuedLine],
    known: Mapping[str, KnownIds],
    as_of: date,
    bank_days: bool = True,
    since: Mapping[str, date] | None = None,
    accept_removed_usage: bool = False,
    taken_over: Mapping[str, date] | None = None,
) -> Reconciled:
    """The invoices and credit notes that make issued equal expected, in contract order, the orphans,
    and usage gone from billed periods.

    `expected` may reach past `as_of` (to the horizon): issued lines are compared with all of it,
    but a line not issued yet is drafted only when it is due by `as_of`.

    For a contract in `since`, only the identities expected now are reconciled: its other issued
    lines were all billed by that date and stood settled then, from the same inputs.
    """
    settled = since or {}
    wanted: dict[Bucket, PricedLine] = {}
    for line in expected:
        bucket = (line.id, line.tax)
        if bucket in wanted:
            raise ValueError(f"two expected lines share the identity {line.id} and VAT {line.tax}")
        wanted[bucket] = line
    billed: dict[Bucket, list[IssuedLine]] = defaultdict(list)
    period_invoices: dict[tuple[str, str, date], int] = {}
    lost: dict[tuple[str, str], set[tuple[str, int]]] = defaultdict(set)
    for done in issued:
        if done.contract in settled and (done.id, done.tax) not in wanted:
            continue
        reason = _orphan_reason(done, known)
        if reason is not None:
            lost[done.contract, reason].add((done.series, done.number))
            continue
        billed[done.id, done.tax].append(done)
        if done.series == "invoice":
            where = (done.contract, done.charge, done.billing_start)
            period_invoices[where] = max(period_invoices.get(where, 0), done.number)
    _refuse_billed_before_cutover(workspace, billed)
    _refuse_billing_history(wanted, billed, settled, as_of, taken_over or {})
    orphans = [
        Orphan(contract=contract, what=what, documents=tuple(sorted(docs)))
        for (contract, what), docs in sorted(lost.items())
    ]
    invoice_lines: dict[str, list[tuple[tuple[object, ...], DraftLine]]] = defaultdict(list)
    credit_lines: dict[tuple[str, int], list[tuple[tuple[object, ...], DraftLine]]] = defaultdict(list)
    vanished: list[VanishedUsage] = []
    for bucket in wanted.keys() | billed.keys():  # order comes from sorting each document below
        target = wanted.get(bucket)
        before = billed.get(bucket, [])
        difference = (target.net if target else ZERO) - sum((x.net_amount for x in before), ZERO)
        if difference == 0:
            continue
        contract = bucket[0].contract
        if not before:
            assert target is not None
            if target.billing_date > as_of:  # due later: a run at an earlier as-of leaves it for then
                continue
            draft = _draft_line(target)
            # A new negative line (a discount) goes with its base line when that is billed now, and
            # otherwise on a credit note against the invoice that billed the base line.
            invoice = (
                None if difference > 0 else period_invoices.get((contract, target.id.charge, target.id.period_start))
            )
            if invoice is None:
                invoice_lines[contract].append((_reading_order(draft, False), draft))
                continue
            credit = attrs.evolve(draft, net_amount=-draft.net_amount, unit_price=-draft.unit_price, corrects=invoice)
            credit_lines[contract, invoice].append((_reading_order(credit, False), credit))
        elif difference > 0:
            fix = _correction(bucket, difference, target, before, None)
            invoice_lines[contract].append((_reading_order(fix, True), fix))
        else:
            gone = _vanished(target, before) if target is not None and bucket[0].kind == "usage" else []
            if gone and not accept_removed_usage:
                vanished += gone
                continue
            invoice = _corrected_invoice(before, period_invoices)
            if invoice is None:  # only a damaged ledger has a credit that corrects no invoice
                raise LedgerError(
                    f"the issued lines of {bucket[0].contract} `{bucket[0].charge}` for the period from "
                    f"{bucket[0].period_start} credit no invoice, so there is nothing a correction can reference",
                    "run the ledger verification to see what was changed, and restore the file from a backup",
                )
            fix = _correction(bucket, difference, target, before, invoice)
            credit_lines[contract, invoice].append((_reading_order(fix, True), fix))
    drafts: list[DraftDocument] = []

    def stated(found: list[tuple[tuple[object, ...], DraftLine]]) -> tuple[DraftLine, ...]:
        """The lines in reading order, each with the unit code and VAT reason it shows."""
        ordered = sorted(found, key=lambda pair: pair[0])
        return tuple(attrs.evolve(line, details=line_details(workspace, line)) for _, line in ordered)

    for cid in sorted(set(invoice_lines) | {c for c, _ in credit_lines}):
        contract_ = workspace.contracts[cid]
        customer = workspace.customers[contract_.customer]
        reference = contract_.reference or customer.reference
        header = {
            "parties": parties_for(workspace, cid),
            "contract": cid,
            "customer": contract_.customer,
            "currency": contract_.currency,
            "issue_date": as_of,
            "due_date": due_date(as_of, contract_.due_days, bank_days),
            "buyer_reference": reference or (None if contract_.purchase_order else cid),
            "purchase_order": contract_.purchase_order,
        }
        if invoice_lines.get(cid):
            lines = stated(invoice_lines[cid])
            drafts.append(DraftDocument(kind="invoice", lines=lines, **header))  # type: ignore[arg-type]
        for invoice in sorted(n for c, n in credit_lines if c == cid):
            credits = stated(credit_lines[cid, invoice])
            drafts.append(DraftDocument(kind="credit_note", lines=credits, corrects=(invoice,), **header))  # type: ignore[arg-type]
    vanished.sort(key=lambda v: (v.contract, v.charge, v.start, v.metric))
    return Reconciled(drafts=drafts, orphans=orphans, vanished=vanished)
