"""Re-make kunder-og-avtaler.xlsx: 30 customers and 30 contracts as a small company keeps them.

    .venv/bin/python contracts_examples/import/make_example.py

Seeded, and saved with pinned timestamps, so the same script gives the same file. The mistakes are on
purpose (docs/import.md walks through them); the rest imports into contracts_examples/.
"""

from __future__ import annotations

import random
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from stdnum.no import orgnr

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from runtime.importing.xlsx import save_workbook  # noqa: E402

PLACES = [
    ("Oslo", "0150"),
    ("Bergen", "5003"),
    ("Trondheim", "7010"),
    ("Tromsø", "9008"),
    ("Bodø", "8006"),
    ("Ålesund", "6002"),
    ("Stavanger", "4006"),
    ("Kristiansand", "4611"),
    ("Lillehammer", "2609"),
    ("Molde", "6413"),
    ("Hamar", "2317"),
    ("Førde", "6800"),
]
BUSINESSES = [
    "Fjordklatring",
    "Nordlys Treningssenter",
    "Hytteliv Utleie",
    "Vestland Padling",
    "Trollheimen Turlag",
    "Sjøbris Rorbuer",
    "Bymarka Ski",
    "Polar Eventbyrå",
    "Fjellgym",
    "Havørn Camping",
    "Kystled Kajakk",
    "Lysfjord Yoga",
    "Stølsheimen Hytter",
    "Midnattsol Reiser",
    "Skjærgård Båtutleie",
    "Bratt Buldring",
    "Vinterfjell Alpin",
    "Elvelangs Løpeklubb",
    "Nordkapp Opplevelser",
    "Sørlandet Seilsenter",
    "Tindeklubben",
    "Bondegården Overnatting",
    "Breheimen Guider",
    "Sandvika Svømmeklubb",
]
PEOPLE = ["Kari Nordmann", "Ola Berg", "Ingrid Sæther", "Jonas Lie", "Sigrid Dahl", "Anders Haugland"]
STREETS = ["Storgata", "Kirkegata", "Strandveien", "Fjellveien", "Sjøgata", "Parkveien"]
CUSTOMER_HEADINGS = [
    "Kundenr",
    "Kundenavn",
    "Org.nr",
    "Privatkunde",
    "Gateadresse",
    "Postnr",
    "Sted",
    "Land",
    "E-post faktura",
    "EHF",
    "Kontaktperson",
    "Målform",
]
CONTRACT_HEADINGS = [
    "Avtalenr",
    "Kundenr",
    "Signert dato",
    "Startdato",
    "Bindingstid (mnd)",
    "Fornyelse (mnd)",
    "Oppsigelsestid (mnd)",
    "Plan",
    "Antall brukere",
    "Tjeneste",
    "Pris",
    "Fakturering",
    "Rabatt",
    "Rabatt til",
    "Fakturert til og med",
]


def valid_orgnr(rng: random.Random) -> str:
    """A random organisation number with the right MOD11 check digit (python-stdnum says which is right)."""
    while True:
        body = str(rng.randrange(91_000_000, 99_999_999))
        digits = [body + str(d) for d in range(10) if orgnr.is_valid(body + str(d))]
        if digits:
            number = digits[0]
            return f"{number[:3]} {number[3:6]} {number[6:]}"


def customers(rng: random.Random) -> list[list[object]]:
    rows: list[list[object]] = []
    for n in range(30):
        key = 1001 + n
        city, postcode = PLACES[n % len(PLACES)]
        street = f"{STREETS[n % len(STREETS)]} {rng.randrange(1, 80)}"
        if n < len(BUSINESSES):
            name = f"{BUSINESSES[n]} AS"
            email = f"faktura@{BUSINESSES[n].lower().split()[0].replace('ø', 'o').replace('å', 'a')}.example"
            ehf = "ja" if n % 3 else "nei"
            row: list[object] = [key, name, valid_orgnr(rng), "", street, postcode, city, "NO", email, ehf]
            row += [PEOPLE[n % len(PEOPLE)], "nynorsk" if n % 7 == 3 else "bokmål"]
        else:
            name = PEOPLE[n % len(PEOPLE)]
            email = f"{name.lower().replace(' ', '.').replace('æ', 'ae')}@example.no"
            row = [key, name, "", "x", street, postcode, city, "NO", email, "nei", "", "bokmål"]
        if postcode.startswith("0"):
            row[5] = int(postcode)  # typed as a number: Excel drops the leading zero (read back as 0150)
        rows.append(row)
    rows[6][2] = "913 604 518"  # mistake: a digit swapped in the organisation number
    return rows


def contracts(rng: random.Random) -> list[list[object]]:
    rows: list[list[object]] = []
    for n in range(30):
        year = 2025
        signed = date(year, 1 + n % 11, 1 + n % 20)
        start = date(year, 2 + n % 11, 1)
        number = f"SKT-{year}-{101 + n}"
        term, renew, notice = (12, 12, 3) if n % 4 else (None, None, 1)
        row: list[object] = [number, 1001 + n, signed, start, term, renew, notice]
        if n % 3 == 0:
            row += ["team", 5 + n % 20, None, None, None]
        elif n % 3 == 1 and n >= 24:
            row += ["start", None, None, None, None]
        else:
            price = Decimal(rng.choice(["490", "1290", "2490", "890"])) + Decimal("0.00")
            period = rng.choice(["måned", "kvartal", "år"])
            amount: object = price * {"måned": 1, "kvartal": 3, "år": 12}[period]
            if n % 5 == 2:
                amount = f"kr {format(amount, ',.2f').replace(',', ' ').replace('.', ',')}"  # typed as text
            row += [None, None, f"Bookingsystem, {period}sabonnement", amount, period]
        discount: list[object] = ["10 %", date(2025, 12, 1)] if n % 6 == 5 else [None, None]
        row += discount
        row.append(date(2026, 2, 28) if n % 2 == 0 else None)
        rows.append(row)
    rows[4][3] = "31.06.2025"  # mistake: a day that does not exist, typed as text
    rows[11][10] = "1 290,555"  # mistake: three decimals in a price
    rows[17][1] = 1081  # mistake: no such customer number
    rows[23][13] = date(2027, 1, 1)  # mistake: the discount runs past the end of the binding (the checker says so)
    return rows


def main(folder: Path = HERE) -> None:
    rng = random.Random(13)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headings, rows in (
        ("Kunder", CUSTOMER_HEADINGS, customers(rng)),
        ("Avtaler", CONTRACT_HEADINGS, contracts(rng)),
    ):
        sheet = workbook.create_sheet(title)
        sheet.append(headings)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, date):
                    cell.number_format = "DD.MM.YYYY"
                elif isinstance(cell.value, Decimal):
                    cell.number_format = "# ##0.00"
        sheet.freeze_panes = "A2"
    save_workbook(workbook, folder / "kunder-og-avtaler.xlsx")


if __name__ == "__main__":
    main()
