"""The words on a PDF document, in the buyer's language: bokmål (nb), nynorsk (nn) or English (en).

A template receives the table of its document's language (docs/pdf.md), so a user's own
template says the same things in the same words without keeping a table of its own.
"""

from __future__ import annotations

import attrs

LANGUAGES = ("nb", "nn", "en")


@attrs.frozen(kw_only=True)
class Labels:
    invoice: str
    credit_note: str
    invoice_number: str
    credit_note_number: str
    issue_date: str
    credit_note_date: str
    due_date: str
    contract: str
    buyer_reference: str
    purchase_order: str
    customer: str
    seller: str
    description: str
    period: str
    quantity: str
    unit_price: str
    vat: str
    amount: str
    vat_summary: str
    taxable: str
    rate: str
    total_net: str
    total_vat: str
    total_gross: str
    vat_included: str
    amount_due: str
    amount_credited: str
    payment: str
    account: str
    kid: str
    remember_kid: str
    all_prices_include_vat: str
    credit_note_for: str
    credit_note_for_many: str
    dated: str
    credit_settlement: str
    orgnr: str
    foretaksregisteret: str
    email: str
    page: str
    of: str
    vat_exemption: str
    standard: str
    zero: str
    exempt: str
    reverse_charge: str
    outside: str


NB = Labels(
    invoice="Faktura",
    credit_note="Kreditnota",
    invoice_number="Fakturanummer",
    credit_note_number="Kreditnotanummer",
    issue_date="Fakturadato",
    credit_note_date="Dato",
    due_date="Forfallsdato",
    contract="Avtale",
    buyer_reference="Deres referanse",
    purchase_order="Deres ordrenr.",
    customer="Kunde",
    seller="Selger",
    description="Beskrivelse",
    period="Periode",
    quantity="Antall",
    unit_price="Pris",
    vat="Mva",
    amount="Beløp",
    vat_summary="Mva-spesifikasjon",
    taxable="Grunnlag",
    rate="Sats",
    total_net="Sum eks. mva",
    total_vat="Mva",
    total_gross="Sum inkl. mva",
    vat_included="herav mva",
    amount_due="Å betale",
    amount_credited="Kreditert beløp",
    payment="Betaling",
    account="Kontonummer",
    kid="KID",
    remember_kid="Husk å oppgi KID ved betaling.",
    all_prices_include_vat="Alle beløp inkl. mva.",
    credit_note_for="Kreditnota for faktura {numbers}",
    credit_note_for_many="Kreditnota for fakturaene {numbers}",
    dated="av {date}",
    credit_settlement="Denne kreditnotaen skal ikke betales.",
    orgnr="Org.nr.",
    foretaksregisteret="Foretaksregisteret",
    email="E-post",
    page="Side",
    of="av",
    vat_exemption="Grunnlag for fritak",
    standard="Mva {rate}",
    zero="Fritatt for mva (0 %)",
    exempt="Unntatt fra mva",
    reverse_charge="Omvendt avgiftsplikt",
    outside="Utenfor mva-området",
)

NN = attrs.evolve(
    NB,
    buyer_reference="Dykkar referanse",
    purchase_order="Dykkar ordrenr.",
    seller="Seljar",
    description="Skildring",
    quantity="Mengd",
    total_net="Sum utan mva",
    vat_included="av dette mva",
    remember_kid="Hugs å oppgje KID når du betaler.",
    credit_settlement="Denne kreditnotaen skal ikkje betalast.",
    foretaksregisteret="Føretaksregisteret",
    exempt="Unnateke frå mva",
    reverse_charge="Omvend avgiftsplikt",
    outside="Utanfor mva-området",
)

EN = Labels(
    invoice="Invoice",
    credit_note="Credit note",
    invoice_number="Invoice number",
    credit_note_number="Credit note number",
    issue_date="Invoice date",
    credit_note_date="Date",
    due_date="Due date",
    contract="Contract",
    buyer_reference="Your reference",
    purchase_order="Your order no.",
    customer="Customer",
    seller="Seller",
    description="Description",
    period="Period",
    quantity="Quantity",
    unit_price="Unit price",
    vat="VAT",
    amount="Amount",
    vat_summary="VAT summary",
    taxable="Taxable amount",
    rate="Rate",
    total_net="Total excl. VAT",
    total_vat="VAT",
    total_gross="Total incl. VAT",
    vat_included="of which VAT",
    amount_due="Amount due",
    amount_credited="Amount credited",
    payment="Payment",
    account="Account number",
    kid="KID (payment reference)",
    remember_kid="Please quote the KID with your payment.",
    all_prices_include_vat="All amounts include VAT.",
    credit_note_for="Credit note for invoice {numbers}",
    credit_note_for_many="Credit note for invoices {numbers}",
    dated="of {date}",
    credit_settlement="This credit note is not to be paid.",
    orgnr="Org. no.",
    foretaksregisteret="Register of Business Enterprises (Foretaksregisteret)",
    email="Email",
    page="Page",
    of="of",
    vat_exemption="Reason for exemption",
    standard="VAT {rate}",
    zero="Zero-rated (0 %)",
    exempt="Exempt from VAT",
    reverse_charge="Reverse charge",
    outside="Outside the scope of VAT",
)

TABLES = {"nb": NB, "nn": NN, "en": EN}

UNITS: dict[str, dict[str, str]] = {
    # UN/ECE Recommendation 20 codes the plans use, as a reader writes them; others are shown as their code.
    "C62": {"nb": "stk", "nn": "stk", "en": "pcs"},
    "EA": {"nb": "stk", "nn": "stk", "en": "each"},
    "MON": {"nb": "mnd", "nn": "mnd", "en": "month"},
    "ANN": {"nb": "år", "nn": "år", "en": "year"},
    "DAY": {"nb": "dag", "nn": "dag", "en": "day"},
    "HUR": {"nb": "time", "nn": "time", "en": "hour"},
    "MIN": {"nb": "min", "nn": "min", "en": "min"},
    "E34": {"nb": "GB", "nn": "GB", "en": "GB"},
    "E35": {"nb": "TB", "nn": "TB", "en": "TB"},
    "4L": {"nb": "MB", "nn": "MB", "en": "MB"},
    "KWH": {"nb": "kWh", "nn": "kWh", "en": "kWh"},
}


def labels_for(language: str) -> Labels:
    """The table for a language; bokmål for one the table does not have (the workspace checks languages)."""
    return TABLES.get(language, NB)


def unit_name(code: str, language: str) -> str:
    names = UNITS.get(code)
    return names.get(language, names["nb"]) if names else code
