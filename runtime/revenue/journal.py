"""The revenue journal: balanced entries on the seller's accounts from issued documents and recognised revenue.

A pure function of the ledger's documents, the recognised revenue and the seller's
accounts (docs/revenue.md, "Journal"). Three kinds of entry:

- `issue` (an invoice): Dr receivable gross / Cr deferred net / Cr VAT, one net and one
  VAT line per VAT category and rate;
- `credit` (a credit note): the same lines on the other side;
- `recognise` (one per contract and month, dated the month's last day): Dr deferred /
  Cr revenue, one revenue line per revenue account.

Per contract the journal keeps the contract balance B = billed net - recognised. The
deferred account holds max(B, 0) of it and the unbilled account max(-B, 0). Every
event changes B by some delta; the deferred account moves by max(B', 0) - max(B, 0) and
the unbilled account by max(-B', 0) - max(-B, 0). So revenue recognised beyond what was
billed goes Dr unbilled instead of Dr deferred, and the next invoice credits unbilled
(reversing it) instead of deferred for that part, and never more than it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

import attrs

from compiler.model import Accounts
from compiler.money import allocate
from runtime.ledger.documents import IssuedDocument
from runtime.ledger.totals import VatGroup
from runtime.revenue.cutover import BilledBefore
from runtime.revenue.records import Recognised

ZERO = Decimal(0)
EntryKind = Literal["issue", "credit", "recognise"]

# Our VAT categories as the standard Norwegian VAT codes (Standard_Tax_Codes.csv, SAF-T 1.30).
# `zero` is 5 (domestic zero rate) for a buyer in Norway and 52 (export) for a buyer abroad.
VAT_CODES: dict[str, str] = {
    "standard": "3",
    "medium": "31",
    "low": "33",
    "zero": "5",
    "reverse_charge": "51",
    "exempt": "6",
    "outside": "6",
}
EXPORT_CODE = "52"


class JournalError(ValueError):
    """Inputs the journal cannot post: a message and a help line, as every user-facing error."""

    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.help = help


@attrs.frozen(kw_only=True)
class LineTax:
    """The VAT a line carries: its standard VAT code, rate, the base posted and its share of the VAT."""

    code: str
    rate: Decimal
    base: Decimal
    vat: Decimal


@attrs.frozen(kw_only=True)
class JournalLine:
    account: int
    debit: Decimal
    credit: Decimal
    customer: str | None = None
    """On receivable lines: the customer the amount is owed by."""
    tax: LineTax | None = None
    """On the lines that post a VAT base (the net of one VAT group): for the VAT return."""


@attrs.frozen(kw_only=True)
class JournalEntry:
    id: str
    """`I250001` (invoice), `C950001` (credit note), `R-<contract>-<YYYY-MM>` (recognition)."""
    date: date
    kind: EntryKind
    description: str
    contract: str
    customer: str
    currency: str
    document: str | None
    """`invoice 250001` or `credit note 950001`; None for a recognition entry."""
    lines: tuple[JournalLine, ...]

    @property
    def debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)


def vat_code(category: str, buyer_country: str | None) -> str:
    """The standard VAT code of a VAT category; zero-rated sales to a buyer abroad are export (52)."""
    if category == "zero" and buyer_country is not None and buyer_country != "NO":
        return EXPORT_CODE
    try:
        return VAT_CODES[category]
    except KeyError:
        raise JournalError(
            f"VAT category `{category}` has no standard VAT code",
            f"the known categories are {', '.join(VAT_CODES)}",
        ) from None


def _posting(account: int, credit: Decimal, customer: str | None = None, tax: LineTax | None = None) -> JournalLine:
    """A line crediting `credit` to the account; a negative amount is a debit."""
    if credit >= 0:
        return JournalLine(account=account, debit=ZERO, credit=credit, customer=customer, tax=tax)
    return JournalLine(account=account, debit=-credit, credit=ZERO, customer=customer, tax=tax)


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@attrs.define
class _Balance:
    """One contract's billed net minus recognised, and the currency it is kept in."""

    currency: str
    amount: Decimal = ZERO

    def move(self, delta: Decimal) -> tuple[Decimal, Decimal]:
        """Apply `delta`; return how much the deferred and the unbilled account balances grow."""
        before, after = self.amount, self.amount + delta
        self.amount = after
        return max(after, ZERO) - max(before, ZERO), max(-after, ZERO) - max(-before, ZERO)


def _split(total: Decimal, groups: Sequence[VatGroup]) -> list[Decimal]:
    """`total` (same sign as the document's net, no larger) taken from the groups in order, each up to its base.

    Groups whose base has the other sign (a group of discounts alone) take none, so the
    parts add up to `total`: the groups of the right sign together hold at least the net.
    """
    parts = []
    left = total
    for group in groups:
        if left > 0 and group.taxable > 0:
            part = min(left, group.taxable)
        elif left < 0 and group.taxable < 0:
            part = max(left, group.taxable)
        else:
            part = ZERO
        parts.append(part)
        left -= part
    return parts


def _base_line(account: int, base: Decimal, vat: Decimal, rate: Decimal, code: str, sign: int) -> JournalLine:
    """The net of (part of) one VAT group; its tax is stated on the line's side, so as magnitudes."""
    tax = LineTax(code=code, rate=rate, base=abs(base), vat=abs(vat))
    return _posting(account, sign * base, tax=tax)


def _document_entry(doc: IssuedDocument, balance: _Balance, accounts: Accounts) -> JournalEntry:
    """Dr receivable gross / Cr deferred (or unbilled, for what was earned before) net / Cr VAT; reversed for a
    credit note."""
    sign = 1 if doc.kind == "invoice" else -1  # credit notes store positive amounts
    grew_deferred, grew_unbilled = balance.move(sign * doc.totals.net)
    # The part of the net that reverses unbilled revenue, with the document's sign (credits on an invoice).
    from_unbilled = sign * -grew_unbilled
    groups = doc.totals.groups
    unbilled_parts = _split(from_unbilled, groups)
    buyer = doc.parties.buyer if doc.parties is not None else None
    country = buyer.address.country if buyer is not None and buyer.address is not None else None
    lines = [_posting(accounts.receivable, -sign * doc.totals.gross, customer=doc.customer)]
    vat_lines = []
    for group, unbilled in zip(groups, unbilled_parts, strict=True):
        code = vat_code(group.category, country)
        deferred = group.taxable - unbilled
        pieces = [(accounts.unbilled, unbilled), (accounts.deferred, deferred)]
        pieces = [(account, amount) for account, amount in pieces if amount] or [(accounts.deferred, ZERO)]
        shares = allocate(group.vat, [abs(amount) for _, amount in pieces], doc.currency)
        for (account, amount), share in zip(pieces, shares, strict=True):
            lines.append(_base_line(account, amount, share, group.rate, code, sign))
        if group.vat:
            vat_lines.append(_posting(accounts.vat, sign * group.vat))
    assert sum(unbilled_parts, ZERO) == from_unbilled
    assert doc.totals.net - from_unbilled == sign * grew_deferred
    name = "invoice" if doc.kind == "invoice" else "credit note"
    prefix = "I" if doc.kind == "invoice" else "C"
    return JournalEntry(
        id=f"{prefix}{doc.number}",
        date=doc.issue_date,
        kind="issue" if doc.kind == "invoice" else "credit",
        description=f"{name.capitalize()} {doc.number} to {doc.customer}, contract {doc.contract}",
        contract=doc.contract,
        customer=doc.customer,
        currency=doc.currency,
        document=f"{name} {doc.number}",
        lines=tuple(lines + vat_lines),
    )


def _recognition_entry(
    contract: str, month: date, records: Sequence[Recognised], customer: str, balance: _Balance, accounts: Accounts
) -> JournalEntry | None:
    """Dr deferred (or unbilled, beyond what was billed) / Cr revenue per account; None if nothing nets."""
    by_account: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for record in records:
        by_account[record.account] += record.amount
    total = sum(by_account.values(), ZERO)
    grew_deferred, grew_unbilled = balance.move(-total)
    lines = [_posting(account, amount) for account, amount in sorted(by_account.items()) if amount]
    if not lines and not grew_deferred and not grew_unbilled:
        return None
    debits = [(accounts.deferred, grew_deferred), (accounts.unbilled, -grew_unbilled)]
    lines = [_posting(account, amount) for account, amount in debits if amount] + lines
    reasons = sorted({r.reason for r in records if r.kind == "catch_up" and r.reason})
    note = f" (catch-up: {'; '.join(reasons)})" if reasons else ""
    return JournalEntry(
        id=f"R-{contract}-{month:%Y-%m}",
        date=_month_end(month),
        kind="recognise",
        description=f"Revenue recognised for {month:%Y-%m}, contract {contract}{note}",
        contract=contract,
        customer=customer,
        currency=records[0].currency,
        document=None,
        lines=tuple(lines),
    )


def _check_currency(balances: dict[str, _Balance], contract: str, currency: str) -> _Balance:
    balance = balances.setdefault(contract, _Balance(currency=currency))
    if balance.currency != currency:
        raise JournalError(
            f"contract {contract} has amounts in both {balance.currency} and {currency}",
            "a contract is billed and recognised in one currency; check its `currency` and its issued documents",
        )
    return balance


def journal(
    documents: Iterable[IssuedDocument],
    recognised: Iterable[Recognised],
    accounts: Accounts,
    start: date,
    end: date,
    customers: dict[str, str] | None = None,
    before: Iterable[BilledBefore] = (),
) -> list[JournalEntry]:
    """The entries dated from `start` up to but excluding `end`, in date order.

    `before` holds what the old billing invoiced before each contract's cut-over (runtime/revenue/cutover.py):
    it moves the contract's balance, as the old books did, and posts nothing, so that revenue recognised after
    it posts against the deferred revenue the old invoices opened. Which months the old books posted is not
    Avtale's to know: `start` says where this journal takes over (docs/cutover.md).

    Balances are carried from the first document and recognition on, whatever `start`
    is, so that an entry in the window posts against the right deferred and unbilled
    amounts. On one day, documents come before recognition (the month is closed after
    the day's bill run), invoices before credit notes, each in contract and number order.
    `customers` names the customer of a contract that has recognised revenue but no
    document yet; otherwise the customer comes from the contract's documents.
    """
    customer_of = dict(customers or {})
    events: list[tuple[date, int, str, int, object]] = []
    for old in before:
        events.append((old.day, 0, old.contract, 0, old))
    for doc in documents:
        customer_of.setdefault(doc.contract, doc.customer)
        events.append((doc.issue_date, 0 if doc.kind == "invoice" else 1, doc.contract, doc.number, doc))
    by_month: dict[tuple[str, date], list[Recognised]] = defaultdict(list)
    for record in recognised:
        by_month[(record.contract, record.month.replace(day=1))].append(record)
    for (contract, month), records in by_month.items():
        events.append((_month_end(month), 2, contract, 0, (contract, month, records)))
    events.sort(key=lambda event: event[:4])

    balances: dict[str, _Balance] = {}
    entries: list[JournalEntry] = []
    for when, _, _, _, payload in events:
        entry: JournalEntry | None
        if isinstance(payload, BilledBefore):
            _check_currency(balances, payload.contract, payload.currency).move(payload.net)
            continue
        if isinstance(payload, IssuedDocument):
            entry = _document_entry(payload, _check_currency(balances, payload.contract, payload.currency), accounts)
        else:
            contract, month, records = payload  # type: ignore[misc]
            currencies = sorted({r.currency for r in records})
            for currency in currencies:  # more than one is refused
                balance = _check_currency(balances, contract, currency)
            entry = _recognition_entry(contract, month, records, customer_of.get(contract, ""), balance, accounts)
        if entry is not None and start <= when < end:
            entries.append(entry)
    return entries


def balances(entries: Iterable[JournalEntry]) -> dict[int, Decimal]:
    """Debit minus credit per account over the entries."""
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        for line in entry.lines:
            out[line.account] += line.debit - line.credit
    return dict(out)
