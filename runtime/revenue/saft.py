"""SAF-T Financial 1.30 (Norway): the revenue journal as an audit file for one accounting year.

What the file holds (docs/revenue.md, "SAF-T"): the header with the seller as the
company; the general ledger accounts the journal posts to, each with its grouping
code from the næringsspesifikasjon and its opening and closing balance; the
customers with their receivable balances; the tax table with the standard VAT
codes; and the journal's entries of the year as general-ledger transactions.

The output is deterministic: the creation time and the software version are
parameters, and everything is listed in a fixed order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

import attrs
from lxml import etree

from compiler.model import Accounts, Address, Seller
from compiler.vat import rate
from dsl.ast import VatCategory
from runtime.revenue.journal import JournalEntry, JournalLine

NS = "urn:StandardAuditFile-Taxation-Financial:NO"
ZERO = Decimal(0)
CENT = Decimal("0.01")
SOFTWARE = "Avtale"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


class SaftError(ValueError):
    """What keeps the journal from being an audit file: a message and a help line."""

    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.help = help


@attrs.frozen(kw_only=True)
class SaftCustomer:
    """A customer as the audit file lists it."""

    id: str
    name: str
    orgnr: str | None
    address: Address | None


# Account ranges (NS 4102) and the næringsspesifikasjon grouping code each maps to (naeringsspesifikasjon.csv in
# Skatteetaten's SAF-T 1.30 files). Only the ranges the journal posts to are here: receivables, earned not
# invoiced, VAT, customer advances and deferred income, and operating revenue.
GROUPING: tuple[tuple[int, int, str, str, str], ...] = (
    (1500, 1529, "balanseverdiForOmloepsmiddel", "1500", "Kundefordringer"),
    (1530, 1559, "balanseverdiForOmloepsmiddel", "1530", "Opptjente ikke fakturerte driftsinntekter"),
    (1570, 1579, "balanseverdiForOmloepsmiddel", "1570", "Andre kortsiktige krav/fordringer"),
    (2700, 2769, "kortsiktigGjeld", "2740", "Oppgjørskonto merverdiavgift"),
    (2900, 2909, "kortsiktigGjeld", "2900", "Forskudd fra kunder"),
    (2965, 2979, "kortsiktigGjeld", "2970", "Uopptjent inntekt"),
    (2990, 2999, "kortsiktigGjeld", "2990", "Annen kortsiktig gjeld"),
    (3000, 3099, "salgsinntekt", "3000", "Salgsinntekt og uttak, avgiftspliktig"),
    (3100, 3199, "salgsinntekt", "3100", "Salgsinntekt og uttak, avgiftsfritt"),
    (3200, 3299, "salgsinntekt", "3200", "Salgsinntekt og uttak, utenfor merverdiavgiftsloven"),
    (3600, 3649, "annenDriftsinntekt", "3600", "Leieinntekt fast eiendom"),
    (3695, 3699, "annenDriftsinntekt", "3695", "Annen leieinntekt"),
    (3700, 3709, "annenDriftsinntekt", "3700", "Provisjonsinntekt"),
    (3710, 3799, "annenDriftsinntekt", "3710", "Lisens-, patent- og royaltyinntekt"),
    (3900, 3999, "annenDriftsinntekt", "3900", "Andre driftsinntekter"),
)

# The standard VAT codes the journal uses (Standard_Tax_Codes.csv): code, description, the category whose rate
# applies (None: no VAT).
TAX_CODES: tuple[tuple[str, str, VatCategory | None], ...] = (
    ("3", "Utgående merverdiavgift", "standard"),
    ("31", "Utgående merverdiavgift", "medium"),
    ("33", "Utgående merverdiavgift", "low"),
    ("5", "Innenlands omsetning og uttak fritatt for merverdiavgift", None),
    ("51", "Innenlandsk omsetning med omvendt avgiftplikt", None),
    ("52", "Utførsel av varer og tjenester", None),
    ("6", "Omsetning og uttak utenfor merverdiavgiftsloven", None),
)

ROLE_NAMES = {
    "receivable": "Kundefordringer",
    "deferred": "Forskuddsbetalt inntekt",
    "unbilled": "Opptjent, ikke fakturert inntekt",
    "revenue": "Salgsinntekt tjenester",
    "vat": "Utgående merverdiavgift",
}


def grouping(account: int) -> tuple[str, str, str]:
    """(GroupingCategory, GroupingCode, description) of an account, or a SaftError saying which ranges are known."""
    for low, high, category, code, description in GROUPING:
        if low <= account <= high:
            return category, code, description
    known = ", ".join(f"{low}-{high}" for low, high, *_ in GROUPING)
    raise SaftError(
        f"account {account} has no SAF-T grouping code in Avtale",
        f"SAF-T 1.30 needs one for every account; Avtale maps the account ranges {known}: "
        "use an account in one of them in the seller's `accounts` block or the charge's `account`",
    )


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(CENT):f}"


def _sub(parent: etree._Element, tag: str, text: object | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        element.text = str(text)
    return element


def _address(parent: etree._Element, address: Address | None) -> None:
    if address is None:
        return
    node = _sub(parent, "Address")
    _sub(node, "StreetName", address.street)
    _sub(node, "City", address.city)
    _sub(node, "PostalCode", address.postcode)
    _sub(node, "Country", address.country)


def _balance(parent: etree._Element, when: str, amount: Decimal) -> None:
    """`OpeningDebitBalance` 100.00 or `OpeningCreditBalance` 100.00: SAF-T states a balance on its side."""
    side = "Debit" if amount >= 0 else "Credit"
    _sub(parent, f"{when}{side}Balance", _money(abs(amount)))


def _header(root: etree._Element, seller: Seller, year: int, created: datetime, version: str) -> None:
    header = _sub(root, "Header")
    _sub(header, "AuditFileVersion", "1.30")
    _sub(header, "AuditFileCountry", "NO")
    _sub(header, "AuditFileDateCreated", created.date().isoformat())
    _sub(header, "SoftwareCompanyName", SOFTWARE)
    _sub(header, "SoftwareID", SOFTWARE)
    _sub(header, "SoftwareVersion", version)
    company = _sub(header, "Company")
    _sub(company, "RegistrationNumber", seller.orgnr)
    _sub(company, "Name", seller.name)
    _address(company, seller.address)
    # A contact person is mandatory in the schema; the workspace names none, so the placeholder other
    # exporters use stands in for the name.
    contact = _sub(company, "Contact")
    person = _sub(contact, "ContactPerson")
    _sub(person, "FirstName", "NotUsed")
    _sub(person, "LastName", "NotUsed")
    if seller.email:
        _sub(contact, "Email", seller.email)
    if seller.mva:
        registration = _sub(company, "TaxRegistration")
        _sub(registration, "TaxRegistrationNumber", f"{seller.orgnr}MVA")
        _sub(registration, "TaxType", "MVA")
        _sub(registration, "TaxAuthority", "Skatteetaten")
    _sub(header, "DefaultCurrencyCode", "NOK")
    criteria = _sub(header, "SelectionCriteria")
    _sub(criteria, "PeriodStart", 1)
    _sub(criteria, "PeriodStartYear", year)
    _sub(criteria, "PeriodEnd", 12)
    _sub(criteria, "PeriodEndYear", year)
    _sub(header, "TaxAccountingBasis", "A")


def _account_names(accounts: Accounts) -> dict[int, str]:
    names: dict[int, str] = {}
    for role, name in ROLE_NAMES.items():
        names.setdefault(getattr(accounts, role), name)
    return names


def _sums(entries: Iterable[JournalEntry]) -> tuple[dict[int, Decimal], dict[str, Decimal]]:
    """Debit minus credit per account, and per customer on the receivable lines."""
    by_account: dict[int, Decimal] = defaultdict(lambda: ZERO)
    by_customer: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        for line in entry.lines:
            by_account[line.account] += line.debit - line.credit
            if line.customer is not None:
                by_customer[line.customer] += line.debit - line.credit
    return by_account, by_customer


def _master_files(
    root: etree._Element,
    accounts: Accounts,
    customers: Sequence[SaftCustomer],
    before: Sequence[JournalEntry],
    during: Sequence[JournalEntry],
    year: int,
) -> None:
    opening, opening_customer = _sums(before)
    closing, closing_customer = _sums([*before, *during])
    names = _account_names(accounts)
    used = sorted({line.account for entry in [*before, *during] for line in entry.lines} | set(names))
    master = _sub(root, "MasterFiles")
    ledger_accounts = _sub(master, "GeneralLedgerAccounts")
    for number in used:
        category, code, description = grouping(number)
        node = _sub(ledger_accounts, "Account")
        _sub(node, "AccountID", number)
        _sub(node, "AccountDescription", names.get(number, description))
        _sub(node, "GroupingCategory", category)
        _sub(node, "GroupingCode", code)
        _sub(node, "AccountType", "GL")
        _balance(node, "Opening", opening.get(number, ZERO))
        _balance(node, "Closing", closing.get(number, ZERO))
    if customers:
        listed = _sub(master, "Customers")
        for customer in customers:
            node = _sub(listed, "Customer")
            if customer.orgnr:
                _sub(node, "RegistrationNumber", customer.orgnr)
            _sub(node, "Name", customer.name)
            _address(node, customer.address)
            _sub(node, "CustomerID", customer.id)
            balance = _sub(node, "BalanceAccount")
            _sub(balance, "AccountID", accounts.receivable)
            _balance(balance, "Opening", opening_customer.get(customer.id, ZERO))
            _balance(balance, "Closing", closing_customer.get(customer.id, ZERO))
    table = _sub(master, "TaxTable")
    entry = _sub(table, "TaxTableEntry")
    _sub(entry, "TaxType", "MVA")
    _sub(entry, "Description", "Merverdiavgift")
    year_end = date(year, 12, 31)
    for tax_code, text, rated in TAX_CODES:
        details = _sub(entry, "TaxCodeDetails")
        _sub(details, "TaxCode", tax_code)
        _sub(details, "Description", text)
        percent = ZERO if rated is None else rate(rated, year_end)
        _sub(details, "TaxPercentage", f"{percent:f}")
        _sub(details, "Country", "NO")
        _sub(details, "StandardTaxCode", tax_code)
        _sub(details, "BaseRate", 100)


def _line(parent: etree._Element, number: int, entry: JournalEntry, line: JournalLine) -> None:
    node = _sub(parent, "Line")
    _sub(node, "RecordID", number)
    _sub(node, "AccountID", line.account)
    if entry.document is not None:
        _sub(node, "SourceDocumentID", entry.document)
    if line.customer is not None:
        _sub(node, "CustomerID", line.customer)
    _sub(node, "Description", entry.description)
    side = "Debit" if line.debit else "Credit"
    amount = _sub(node, f"{side}Amount")
    _sub(amount, "Amount", _money(line.debit or line.credit))
    if line.tax is not None:
        tax = _sub(node, "TaxInformation")
        _sub(tax, "TaxType", "MVA")
        _sub(tax, "TaxCode", line.tax.code)
        _sub(tax, "TaxPercentage", f"{line.tax.rate:f}")
        _sub(tax, "TaxBase", _money(line.tax.base))
        tax_amount = _sub(tax, f"{side}TaxAmount")
        _sub(tax_amount, "Amount", _money(line.tax.vat))


JOURNALS = (
    ("SALG", "Utgående fakturaer og kreditnotaer", "Sales", ("issue", "credit")),
    ("INNTEKT", "Inntektsføring per kontrakt og måned", "Revenue", ("recognise",)),
)


def _entries(root: etree._Element, during: Sequence[JournalEntry]) -> None:
    ledger = _sub(root, "GeneralLedgerEntries")
    _sub(ledger, "NumberOfEntries", len(during))
    _sub(ledger, "TotalDebit", _money(sum((e.debit for e in during), ZERO)))
    _sub(ledger, "TotalCredit", _money(sum((e.credit for e in during), ZERO)))
    for journal_id, description, kind, kinds in JOURNALS:
        chosen = [e for e in during if e.kind in kinds]
        if not chosen:
            continue
        journal = _sub(ledger, "Journal")
        _sub(journal, "JournalID", journal_id)
        _sub(journal, "Description", description)
        _sub(journal, "Type", kind)
        for entry in chosen:
            transaction = _sub(journal, "Transaction")
            _sub(transaction, "TransactionID", entry.id)
            _sub(transaction, "Period", entry.date.month)
            _sub(transaction, "PeriodYear", entry.date.year)
            _sub(transaction, "TransactionDate", entry.date.isoformat())
            _sub(transaction, "Description", entry.description)
            _sub(transaction, "SystemEntryDate", entry.date.isoformat())
            _sub(transaction, "GLPostingDate", entry.date.isoformat())
            if entry.kind != "recognise":
                _sub(transaction, "CustomerID", entry.customer)
            for number, line in enumerate((x for x in entry.lines if x.debit or x.credit), start=1):
                _line(transaction, number, entry, line)


def saft_document(
    seller: Seller,
    customers: Mapping[str, SaftCustomer],
    accounts: Accounts,
    entries: Sequence[JournalEntry],
    year: int,
    created: datetime,
    version: str = "1",
) -> bytes:
    """The SAF-T Financial 1.30 file of `year` as UTF-8 XML.

    `entries` is the journal from the beginning up to the end of the year at least: entries
    before the year make the opening balances, entries after it are left out. Every amount
    must be in NOK (SAF-T's currency, and Avtale keeps no exchange rates). Every customer on a
    receivable line must be in `customers`; the file lists those with entries up to the year's end.
    """
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    foreign = sorted({(e.contract, e.currency) for e in entries if e.currency != "NOK" and e.date < end})
    if foreign:
        contract, currency = foreign[0]
        raise SaftError(
            f"contract {contract} is in {currency}; SAF-T amounts are in NOK and Avtale keeps no exchange rates",
            "export SAF-T from your accounting system, which converts at its rates; "
            "`avtale revenue journal` shows the entries in their own currencies",
        )
    before = [e for e in entries if e.date < start]
    during = [e for e in entries if start <= e.date < end]
    wanted = sorted({line.customer for e in [*before, *during] for line in e.lines if line.customer is not None})
    missing = [c for c in wanted if c not in customers]
    if missing:
        raise SaftError(
            f"customer {missing[0]} has entries but no name or address to list",
            "declare the customer in the workspace (`customer ID { name ... }`)",
        )
    root = etree.Element(f"{{{NS}}}AuditFile", nsmap={None: NS})
    _header(root, seller, year, created, version)
    _master_files(root, accounts, [customers[c] for c in wanted], before, during, year)
    _entries(root, during)
    return XML_DECLARATION + bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True))
