"""SAF-T Financial 1.30: hand-built journals checked against Skatteetaten's schema and code lists."""

from __future__ import annotations

import csv
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from compiler.model import Accounts, Address, Kid, Seller
from dsl.span import Span
from runtime.revenue.journal import journal
from runtime.revenue.saft import GROUPING, NS, TAX_CODES, SaftCustomer, SaftError, grouping, saft_document
from tests.revenue.journal_documents import document, recognised

D = Decimal
Q = {"s": NS}
CREATED = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
ACCOUNTS = Accounts()


def saft_folder() -> Path:
    """`$AVTALE_SHARED/saft-1.30`, else `<repo>/../shared/saft-1.30`; missing is a failure, never a skip."""
    shared = Path(os.environ.get("AVTALE_SHARED") or Path(__file__).resolve().parents[2] / ".." / "shared")
    folder = shared / "saft-1.30"
    schema = folder / "Norwegian_SAF-T_Financial_Schema_v_1.30.xsd"
    assert schema.is_file(), f"the SAF-T 1.30 schema is missing: expected {schema} (set AVTALE_SHARED)"
    return folder


def validate(xml: bytes) -> etree._Element:
    """The parsed file; fails with the schema's complaints if it is not valid SAF-T 1.30."""
    schema = etree.XMLSchema(etree.parse(str(saft_folder() / "Norwegian_SAF-T_Financial_Schema_v_1.30.xsd")))
    root = etree.fromstring(xml)
    if not schema.validate(root):
        pytest.fail("\n".join(str(error) for error in schema.error_log))
    return root


def seller(mva: bool = True) -> Seller:
    return Seller(
        id="skarvtind",
        name="Skarvtind Software AS",
        orgnr="925792403",
        mva=mva,
        foretaksregisteret=True,
        address=Address(street="Keiser Wilhelms gate 22", postcode="6003", city="Ålesund", country="NO"),
        bank=None,
        email="faktura@skarvtind.example",
        peppol=None,
        invoice_numbers_from=1,
        credit_note_numbers_from=1,
        kid=Kid(),
        due_days=14,
        revenue_policy="ifrs15",
        accounts=ACCOUNTS,
        currency="NOK",
        span=Span.__new__(Span),
    )


CUSTOMERS = {
    "kunde": SaftCustomer(
        id="kunde",
        name="Kunde AS",
        orgnr="923609016",
        address=Address(street="Storgata 1", postcode="0155", city="Oslo", country="NO"),
    ),
    "utland": SaftCustomer(id="utland", name="Utland AB", orgnr=None, address=None),
}


def entries_2026() -> list:  # type: ignore[type-arg]
    docs = [
        document(250001, date(2025, 12, 1), [("standard", "25", "1200.00", "300.00")]),
        document(250002, date(2026, 2, 1), [("standard", "25", "1000.00", "250.00"), ("low", "12", "100.00", "12.00")]),
        document(250003, date(2026, 3, 1), [("zero", "0", "500.00", "0.00")], customer="utland", country="SE"),
        document(950001, date(2026, 4, 1), [("standard", "25", "200.00", "50.00")], kind="credit_note"),
        document(250004, date(2027, 1, 1), [("standard", "25", "999.00", "249.75")]),
    ]
    records = [
        recognised(date(2025, 12, 1), "100.00"),
        recognised(date(2026, 1, 1), "1500.00"),  # 400 of it earned before it is billed
        recognised(date(2026, 2, 1), "100.00", account=3100, obligation="api"),
        recognised(date(2026, 3, 1), "250.00", contract="B-2", account=3100),
    ]
    return journal(docs, records, ACCOUNTS, date(2000, 1, 1), date(2100, 1, 1))


def text(root: etree._Element, path: str) -> list[str]:
    return [node.text for node in root.iterfind(path, Q)]


def test_the_file_of_a_year_validates_against_the_schema() -> None:
    validate(saft_document(seller(), CUSTOMERS, ACCOUNTS, entries_2026(), 2026, CREATED))


def test_the_header_names_the_seller_the_year_and_the_software() -> None:
    root = validate(saft_document(seller(), CUSTOMERS, ACCOUNTS, entries_2026(), 2026, CREATED, version="9.9"))
    assert text(root, "s:Header/s:AuditFileVersion") == ["1.30"]
    assert text(root, "s:Header/s:AuditFileCountry") == ["NO"]
    assert text(root, "s:Header/s:AuditFileDateCreated") == ["2027-01-15"]
    assert text(root, "s:Header/s:SoftwareVersion") == ["9.9"]
    assert text(root, "s:Header/s:Company/s:RegistrationNumber") == ["925792403"]
    assert text(root, "s:Header/s:Company/s:TaxRegistration/s:TaxRegistrationNumber") == ["925792403MVA"]
    assert text(root, "s:Header/s:DefaultCurrencyCode") == ["NOK"]
    assert text(root, "s:Header/s:SelectionCriteria/*") == ["1", "2026", "12", "2026"]


def test_a_seller_outside_the_vat_register_has_no_tax_registration() -> None:
    root = validate(saft_document(seller(mva=False), CUSTOMERS, ACCOUNTS, entries_2026(), 2026, CREATED))
    assert text(root, "s:Header/s:Company/s:TaxRegistration/s:TaxRegistrationNumber") == []


def test_accounts_carry_grouping_codes_and_hand_computed_balances() -> None:
    root = validate(saft_document(seller(), CUSTOMERS, ACCOUNTS, entries_2026(), 2026, CREATED))
    accounts = {
        node.findtext("s:AccountID", namespaces=Q): [
            (child.tag.split("}")[1], child.text) for child in node if "Balance" in child.tag or "Grouping" in child.tag
        ]
        for node in root.iterfind("s:MasterFiles/s:GeneralLedgerAccounts/s:Account", Q)
    }
    # Opening (end of 2025): invoice 1,500 gross, 1,200 net of which 100 recognised: 1,100 deferred.
    # 2026, receivable: +1,362 (250002) +500 (250003) -250 (950001). Contract A-1: January recognises 1,500,
    # 400 beyond what was billed (unbilled), which 250002 clears; A-1 ends at billed 2,600 - recognised 1,700
    # = 900 deferred. Contract B-2 is recognised 250 and never billed: 250 unbilled.
    assert accounts == {
        "1500": [
            ("GroupingCategory", "balanseverdiForOmloepsmiddel"),
            ("GroupingCode", "1500"),
            ("OpeningDebitBalance", "1500.00"),
            ("ClosingDebitBalance", "3112.00"),
        ],
        "1530": [
            ("GroupingCategory", "balanseverdiForOmloepsmiddel"),
            ("GroupingCode", "1530"),
            ("OpeningDebitBalance", "0.00"),
            ("ClosingDebitBalance", "250.00"),
        ],
        "2700": [
            ("GroupingCategory", "kortsiktigGjeld"),
            ("GroupingCode", "2740"),
            ("OpeningCreditBalance", "300.00"),
            ("ClosingCreditBalance", "512.00"),
        ],
        "2965": [
            ("GroupingCategory", "kortsiktigGjeld"),
            ("GroupingCode", "2970"),
            ("OpeningCreditBalance", "1100.00"),
            ("ClosingCreditBalance", "900.00"),
        ],
        "3020": [
            ("GroupingCategory", "salgsinntekt"),
            ("GroupingCode", "3000"),
            ("OpeningCreditBalance", "100.00"),
            ("ClosingCreditBalance", "1600.00"),
        ],
        "3100": [
            ("GroupingCategory", "salgsinntekt"),
            ("GroupingCode", "3100"),
            ("OpeningDebitBalance", "0.00"),
            ("ClosingCreditBalance", "350.00"),
        ],
    }


def test_customers_have_their_receivable_balances() -> None:
    root = validate(saft_document(seller(), CUSTOMERS, ACCOUNTS, entries_2026(), 2026, CREATED))
    customers = root.findall("s:MasterFiles/s:Customers/s:Customer", Q)
    assert [c.findtext("s:CustomerID", namespaces=Q) for c in customers] == ["kunde", "utland"]
    assert text(customers[0], "s:BalanceAccount/*") == ["1500", "1500.00", "2612.00"]
    assert text(customers[1], "s:BalanceAccount/*") == ["1500", "0.00", "500.00"]
    assert text(customers[0], "s:RegistrationNumber") == ["923609016"]
    assert text(customers[1], "s:RegistrationNumber") == []


def test_the_entries_of_the_year_are_transactions_with_totals() -> None:
    root = validate(saft_document(seller(), CUSTOMERS, ACCOUNTS, entries_2026(), 2026, CREATED))
    ledger = root.find("s:GeneralLedgerEntries", Q)
    assert ledger is not None
    ids = text(ledger, "s:Journal/s:Transaction/s:TransactionID")
    assert ids == ["I250002", "I250003", "C950001", "R-A-1-2026-01", "R-A-1-2026-02", "R-B-2-2026-03"]
    assert text(ledger, "s:NumberOfEntries") == ["6"]
    # Debits: 1,362 + 500 + 250 (documents) + 1,500 + 100 + 250 (recognition)
    assert text(ledger, "s:TotalDebit") == text(ledger, "s:TotalCredit") == ["3962.00"]
    [credit] = [
        t
        for t in ledger.iterfind("s:Journal/s:Transaction", Q)
        if t.findtext("s:TransactionID", namespaces=Q) == "C950001"
    ]
    lines = [
        (line.findtext("s:AccountID", namespaces=Q), line.find("s:DebitAmount", Q) is not None)
        for line in credit.iterfind("s:Line", Q)
    ]
    assert lines == [("1500", False), ("2965", True), ("2700", True)]
    assert text(credit, "s:Line/s:CustomerID") == ["kunde"]
    assert text(credit, "s:Line/s:TaxInformation/s:DebitTaxAmount/s:Amount") == ["50.00"]


def test_tax_information_sits_on_the_lines_with_the_base() -> None:
    root = validate(saft_document(seller(), CUSTOMERS, ACCOUNTS, entries_2026(), 2026, CREATED))
    taxes = [
        [child.text for child in tax if child.text and child.text.strip()] + text(tax, "s:CreditTaxAmount/s:Amount")
        for tax in root.iterfind("s:GeneralLedgerEntries/s:Journal/s:Transaction/s:Line/s:TaxInformation", Q)
    ]
    # 250002: 400 of the standard group clears January's unbilled revenue, 600 is deferred; VAT 250 split 100/150.
    assert taxes[:4] == [
        ["MVA", "3", "25", "400.00", "100.00"],
        ["MVA", "3", "25", "600.00", "150.00"],
        ["MVA", "33", "12", "100.00", "12.00"],
        ["MVA", "52", "0", "500.00", "0.00"],
    ]


def test_the_output_is_the_same_bytes_every_time() -> None:
    first = saft_document(seller(), CUSTOMERS, ACCOUNTS, entries_2026(), 2026, CREATED)
    assert saft_document(seller(), CUSTOMERS, ACCOUNTS, entries_2026(), 2026, CREATED) == first


def test_the_tax_table_holds_the_standard_codes_as_skatteetaten_lists_them() -> None:
    with (saft_folder() / "Standard_Tax_Codes.csv").open(encoding="utf-8-sig") as handle:
        official = {row["Code"]: row for row in csv.DictReader(handle, delimiter=";")}
    root = validate(saft_document(seller(), CUSTOMERS, ACCOUNTS, entries_2026(), 2026, CREATED))
    details = root.findall("s:MasterFiles/s:TaxTable/s:TaxTableEntry/s:TaxCodeDetails", Q)
    assert [d.findtext("s:TaxCode", namespaces=Q) for d in details] == ["3", "31", "33", "5", "51", "52", "6"]
    rates = {"Regular rate": "25", "Reduced rate, middle": "15", "Reduced rate, low": "12", "Zero rate": "0", "": "0"}
    for detail in details:
        code = detail.findtext("s:TaxCode", namespaces=Q)
        assert detail.findtext("s:StandardTaxCode", namespaces=Q) == code
        assert detail.findtext("s:Description", namespaces=Q) == official[code]["DescriptionNOB"]
        assert detail.findtext("s:TaxPercentage", namespaces=Q) == rates[official[code]["TaxRate"]]
    assert {code for code, *_ in TAX_CODES} <= set(official)


def test_every_grouping_code_is_in_the_official_list_under_its_category() -> None:
    with (saft_folder() / "naeringsspesifikasjon.csv").open(encoding="utf-8-sig") as handle:
        official = {
            (row["GroupingCategory"], row["GroupingCode"]): row for row in csv.DictReader(handle, delimiter=";")
        }
    for _, _, category, code, description in GROUPING:
        assert (category, code) in official, (category, code)
        assert official[(category, code)]["CodeDescriptionNOB"] == description


def test_an_account_without_a_grouping_code_is_refused_with_help() -> None:
    with pytest.raises(SaftError, match="account 1234 has no SAF-T grouping code") as caught:
        grouping(1234)
    assert "1500-1529" in caught.value.help


def test_a_foreign_currency_is_refused_with_help() -> None:
    docs = [document(1, date(2026, 1, 1), [("zero", "0", "100.00", "0.00")], currency="EUR")]
    entries = journal(docs, [], ACCOUNTS, date(2000, 1, 1), date(2100, 1, 1))
    with pytest.raises(SaftError, match="contract A-1 is in EUR") as caught:
        saft_document(seller(), CUSTOMERS, ACCOUNTS, entries, 2026, CREATED)
    assert "journal" in caught.value.help


def test_a_customer_without_master_data_is_refused() -> None:
    with pytest.raises(SaftError, match="customer utland has entries"):
        saft_document(seller(), {"kunde": CUSTOMERS["kunde"]}, ACCOUNTS, entries_2026(), 2026, CREATED)
