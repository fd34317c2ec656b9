"""Expected minus issued, per contract, charge, line and period, turned into drafts.

A line never billed goes on the contract's next invoice as it is. A line billed
at another amount than is now expected (a back-dated amendment, late usage) is
corrected: a shortfall goes on the invoice as a correction, an excess becomes a
line of a credit note referencing the invoice it corrects. Lines whose billed
amount matches are settled, so a second run with the same inputs drafts nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal

import attrs

from compiler import model
from runtime.billing.expected import ExpectedLine, LineKey
from runtime.ledger.documents import DraftDocument, DraftLine, IssuedLine

ZERO = Decimal(0)


CORRECTION = "Korreksjon: "


def _key(line: IssuedLine) -> LineKey:
    """The key an issued line settles, read from its columns (no JSON parsing: runs see every line ever issued)."""
    label = line.description.removeprefix(CORRECTION)
    return LineKey(line.contract, line.charge, label, line.period_start, line.period_end)


def _draft_line(expected: ExpectedLine) -> DraftLine:
    return DraftLine(
        contract=expected.key.contract,
        charge=expected.key.charge,
        description=expected.label,
        period_start=expected.key.period_start,
        period_end=expected.key.period_end,
        quantity=expected.quantity,
        unit_price=expected.unit_price,
        net_amount=expected.net,
        vat_category=expected.vat_category,
        vat_rate=expected.vat_rate,
        provenance=json.dumps(expected.provenance, sort_keys=True, ensure_ascii=False),
    )


def _correction(
    key: LineKey, amount: Decimal, template: ExpectedLine | None, issued: list[IssuedLine], credit: bool
) -> DraftLine:
    last = issued[-1]
    previous = json.loads(last.provenance)
    vat_category = template.vat_category if template else _vat_of(previous)
    vat_rate = template.vat_rate if template else Decimal(str(previous.get("vat_rate", "0")))
    provenance = {
        "kind": "correction",
        "key": key.as_json(),
        "expected": f"{template.net:f}" if template else "0.00",
        "issued": f"{sum((x.net_amount for x in issued), ZERO):f}",
        "corrects": [{"series": x.series, "number": x.number, "line": x.line} for x in issued],
        "source": (template.provenance if template else previous).get("source", ""),
        "vat_category": vat_category,
        "vat_rate": f"{vat_rate:f}",
    }
    return DraftLine(
        contract=key.contract,
        charge=key.charge,
        description=f"{CORRECTION}{key.label}",
        period_start=key.period_start,
        period_end=key.period_end,
        quantity=Decimal(1),
        unit_price=amount,
        net_amount=amount,
        vat_category=vat_category,
        vat_rate=vat_rate,
        provenance=json.dumps(provenance, sort_keys=True, ensure_ascii=False),
        corrects=next((x.number for x in reversed(issued) if x.series == "invoice"), None) if credit else None,
    )


_RANK = {"recurring": 0, "one_time": 0, "usage": 0, "discount": 1, "minimum": 2}


def _reading_order(key: LineKey, kind: str, correction: bool) -> tuple[object, ...]:
    """Periods in order; within one, each charge followed by its discount, corrections last."""
    return (key.period_start, correction, key.charge, _RANK.get(kind, 0), key.label, key.period_end)


def _vat_of(provenance: Mapping[str, object]) -> str:
    return str(provenance.get("vat_category", "standard"))


def reconcile(
    workspace: model.Workspace,
    expected: Iterable[ExpectedLine],
    issued: Iterable[IssuedLine],
    as_of: date,
) -> list[DraftDocument]:
    """The invoices and credit notes that make issued equal expected, in contract order."""
    wanted: dict[LineKey, ExpectedLine] = {}
    for line in expected:
        twin = wanted.get(line.key)
        if twin is not None:  # two identical discounts on one line: one line, both amounts
            line = attrs.evolve(twin, amount=twin.amount + line.amount, net=twin.net + line.net)
        wanted[line.key] = line
    billed: dict[LineKey, list[IssuedLine]] = defaultdict(list)
    for done in issued:
        billed[_key(done)].append(done)
    invoice_lines: dict[str, list[tuple[tuple[object, ...], DraftLine]]] = defaultdict(list)
    credit_lines: dict[str, list[tuple[tuple[object, ...], DraftLine]]] = defaultdict(list)
    for key in wanted.keys() | billed.keys():  # order comes from sorting each document below
        target = wanted.get(key)
        before = billed.get(key, [])
        difference = (target.net if target else ZERO) - sum((x.net_amount for x in before), ZERO)
        if difference == 0:
            continue
        if not before:
            assert target is not None
            invoice_lines[key.contract].append((_reading_order(key, target.kind, False), _draft_line(target)))
        elif difference > 0:
            fix = _correction(key, difference, target, before, credit=False)
            invoice_lines[key.contract].append((_reading_order(key, "", True), fix))
        else:
            fix = _correction(key, -difference, target, before, credit=True)
            credit_lines[key.contract].append((_reading_order(key, "", True), fix))
    drafts: list[DraftDocument] = []
    for cid in sorted(set(invoice_lines) | set(credit_lines)):
        contract = workspace.contracts.get(cid)
        if contract is None:
            continue  # a contract deleted from the sources: its documents stand; nothing new is drafted
        customer = workspace.customers[contract.customer]
        reference = contract.reference or customer.reference
        header = {
            "contract": cid,
            "customer": contract.customer,
            "currency": contract.currency,
            "issue_date": as_of,
            "due_date": as_of + timedelta(days=contract.due_days),
            "buyer_reference": reference or (None if contract.purchase_order else cid),
            "purchase_order": contract.purchase_order,
        }
        if invoice_lines.get(cid):
            lines = tuple(line for _, line in sorted(invoice_lines[cid], key=lambda pair: pair[0]))
            drafts.append(DraftDocument(kind="invoice", lines=lines, **header))  # type: ignore[arg-type]
        if credit_lines.get(cid):
            credits = tuple(line for _, line in sorted(credit_lines[cid], key=lambda pair: pair[0]))
            corrects = tuple(sorted({x.corrects for x in credits if x.corrects is not None}))
            drafts.append(DraftDocument(kind="credit_note", lines=credits, corrects=corrects, **header))  # type: ignore[arg-type]
    return drafts
