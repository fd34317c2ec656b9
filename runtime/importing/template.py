"""`avtale import --template DIR`: a spreadsheet ready to fill in, and the mapping that reads it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from runtime.importing.mapping import DEFAULT, DEFAULT_NAME, KIND_FIELDS, Kind, mapping_toml
from runtime.importing.xlsx import save_workbook

SPREADSHEET = "avtale-import.xlsx"

_EXAMPLES: dict[Kind, dict[str, object]] = {
    "customers": {
        "id": "fjellsport",
        "name": "Fjellsport Eksempel AS",
        "orgnr": "976 240 391",
        "street": "Storgata 1",
        "postcode": "0150",
        "city": "Oslo",
        "country": "NO",
        "email": "faktura@fjellsport.example",
        "ehf": "ja",
        "reference": "Kari Nordmann",
        "language": "nb",
    },
    "contracts": {
        "id": "AVT-2026-001",
        "customer": "fjellsport",
        "signed": date(2025, 12, 15),
        "start": date(2026, 1, 1),
        "term_months": 12,
        "renew_months": 12,
        "notice_months": 3,
        "due_days": 14,
        "purchase_order": "PO-1234",
        "description": "Abonnement, Fjellsport",
        "amount": Decimal("1490.00"),
        "period": "måned",
        "discount": "10 %",
        "discount_until": date(2026, 7, 1),
        "billed_through": date(2026, 2, 28),
    },
}


INSTRUCTIONS = [
    "Slik fyller du ut arket (how to fill in this workbook)",
    "",
    "Kunder: én rad per kunde. Avtaler: én rad per avtale. Rad 2 i hvert ark er et eksempel; slett det.",
    "Kundenr knytter avtalen til kunden; det blir kundens id i Avtale (små bokstaver, _).",
    "Datoer: 31.01.2026, 2026-01-31 eller en datocelle. Beløp: 1 234,50, kr 1.234,50 eller et tall.",
    "Org.nr.: 9 siffer, mellomrom er greit. Tomt org.nr. betyr privatperson.",
    "EHF: ja når kunden tar imot EHF (PEPPOL 0192:orgnr). Ja/nei: ja, nei, x.",
    "Binding (mnd) tom: løpende avtale, med Oppsigelse (mnd). Fornyes (mnd) tom: slutter etter bindingen.",
    "Plan: id-en til en plan i arbeidsområdet; ellers Beskrivelse, Pris og Periode (måned, kvartal, år).",
    "Rabatt: 15 % eller 0,15 (et tall opp til 1 er en brøkdel). Rabatt til: første dag uten rabatt.",
    "Fakturert t.o.m.: siste dag det gamle systemet fakturerte (se docs/cutover.md).",
    "",
    "Kolonnene (the columns):",
]


def write_template(folder: Path) -> list[Path]:
    """The template workbook and its mapping in `folder`; returns the files written."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    kinds: tuple[Kind, ...] = ("customers", "contracts")
    for kind in kinds:
        mapping = DEFAULT.of(kind)
        sheet = workbook.create_sheet(mapping.sheet or kind)
        for column, (field, heading) in enumerate(mapping.columns.items(), start=1):
            sheet.cell(row=1, column=column, value=heading).font = Font(bold=True)
            value = _EXAMPLES[kind].get(field)
            cell = sheet.cell(row=2, column=column, value=value)
            if isinstance(value, date):
                cell.number_format = "DD.MM.YYYY"
            elif isinstance(value, Decimal):
                cell.number_format = "# ##0.00"
            sheet.column_dimensions[cell.column_letter].width = max(12, len(heading) + 2)
        sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("Veiledning")
    lines = list(INSTRUCTIONS)
    for kind in kinds:
        mapping = DEFAULT.of(kind)
        lines += [f"{mapping.sheet}:"] + [f"  {h}: {KIND_FIELDS[kind][f]}" for f, h in mapping.columns.items()]
    for row, line in enumerate(lines, start=1):
        guide.cell(row=row, column=1, value=line)
    guide.cell(row=1, column=1).font = Font(bold=True)
    guide.column_dimensions["A"].width = 110
    folder.mkdir(parents=True, exist_ok=True)
    spreadsheet, mapping_file = folder / SPREADSHEET, folder / DEFAULT_NAME
    save_workbook(workbook, spreadsheet)
    mapping_file.write_text(mapping_toml(DEFAULT), encoding="utf-8")
    return [spreadsheet, mapping_file]
