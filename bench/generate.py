"""Generate a deterministic synthetic Avtale workspace for benchmarks.

    python bench/generate.py OUT_DIR --contracts N [--seed S]

The workspace holds one seller, one customer per five contracts (about a fifth
of them consumers), two metrics, a KPI index, three plans (one with two
versions) with flat, per-unit, one-time, graduated, volume and package pricing,
and N contracts of about 20 lines each on average. Most contracts sit in a file
of their own under contracts/NNN/ (100 per folder); the contracts of every
seventh customer share one file under contracts/kunder/, as a team that keeps
a customer's agreements together would write them. Some contracts have own
charges, discounts, indexation, SSP, minimum commitments and amendments.

The same N and seed always give byte-identical files, and the workspace checks
clean (`avtale check` exits 0 with no errors).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from stdnum.no import orgnr

CONTRACTS_PER_CUSTOMER = 5
CUSTOMERS_PER_FILE = 100
CONTRACTS_PER_FOLDER = 100
SHARED_FILE_EVERY = 7
"""The contracts of every 7th customer share one file."""

FIRST_NAMES = [
    "Kari",
    "Ola",
    "Ingrid",
    "Lars",
    "Sigrid",
    "Nils",
    "Astrid",
    "Håkon",
    "Solveig",
    "Øystein",
    "Marit",
    "Bjørn",
    "Åse",
    "Eirik",
    "Liv",
    "Tor",
]
LAST_NAMES = [
    "Nordmann",
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Berg",
    "Haugen",
]
WORDS = [
    "Fjord",
    "Nord",
    "Vest",
    "Øst",
    "Sør",
    "Berg",
    "Dal",
    "Skog",
    "Havn",
    "Elv",
    "Lys",
    "Stein",
    "Vind",
    "Bølge",
    "Tind",
    "Ås",
]
KINDS = [
    "Logistikk",
    "Regnskap",
    "Bygg",
    "Data",
    "Eiendom",
    "Transport",
    "Helse",
    "Handel",
    "Energi",
    "Marin",
    "Reklame",
    "Rådgivning",
]
CITIES = [
    ("0155", "Oslo"),
    ("5003", "Bergen"),
    ("7011", "Trondheim"),
    ("4006", "Stavanger"),
    ("9008", "Tromsø"),
    ("3015", "Drammen"),
    ("4610", "Kristiansand"),
    ("8006", "Bodø"),
]
STREETS = [
    "Storgata",
    "Kongens",
    "gate",
    "Dronningens",
    "gate",
    "Havnegata",
    "Kirkegata",
    "Strandgata",
    "Torggata",
    "Parkveien",
]


def money(value: float) -> str:
    """An amount with two decimals and `_` between thousands: 4_990.00."""
    whole, fraction = f"{value:.2f}".split(".")
    return f"{int(whole):_}.{fraction}"


def orgnrs(count: int, first_base: int = 91_000_000) -> list[str]:
    """`count` valid organisation numbers: 8-digit bases in order, each with its MOD11 check digit."""
    found: list[str] = []
    base = first_base
    while len(found) < count:
        for digit in "0123456789":
            candidate = f"{base}{digit}"
            if orgnr.is_valid(candidate):
                found.append(candidate)
                break
        base += 1
    return found


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, 28))


SELLER = """\
# The company that issues the invoices.
seller skyfjord {
  name "Skyfjord AS"
  orgnr "923609016"
  mva
  foretaksregisteret
  address "Dronning Eufemias gate 16", "0191", "Oslo", NO
  bank "1503.12.34562"
  email "faktura@skyfjord.example"
  peppol "0192:923609016"
  invoice_numbers from 10001
  credit_note_numbers from 90001
  kid mod10 length 10
  due 14 days
  revenue_policy ifrs15
  accounts { receivable 1500  deferred 2965  unbilled 1530  revenue 3020  vat 2700 }
}
"""

METRICS = """\
metric api_calls "API-kall" { events "api.call"  count }
metric storage_gb "Lagring (GB)" { events "storage.snapshot"  max value }
"""

PLAN_START = """\
plan start "Skyfjord Start" effective 2024-01-01 {
  currency NOK
  charge base "Grunnpakke" {
    flat 490.00 per month
    billed monthly in advance
    revenue ratably daily
  }
  charge users "Brukere" {
    per_unit 79.00 per user per month
    billed monthly in advance
    revenue ratably daily
  }
}
"""

PLAN_TEAM = """\
plan team "Skyfjord Team" effective {effective} {{
  currency NOK
  charge platform "Plattformavgift" {{
    flat {platform} per month
    billed monthly in advance
    revenue ratably daily
    ssp {platform} per month
  }}
  charge seats "Brukerlisenser" {{
    per_unit {seat} per seat per month
    billed monthly in advance
    revenue ratably daily
  }}
  charge api "API-kall" {{
    usage api_calls
    graduated {{
      up to 100_000    0.00
      up to 1_000_000  {api_mid}
      above            {api_top}
    }}
    revenue as consumed
  }}
  charge storage "Lagring" {{
    usage storage_gb
    volume {{
      up to 500    2.00
      up to 5_000  1.50 + 100.00 flat
      above        1.00
    }}
    revenue as consumed
  }}
  charge setup "Oppstart og opplæring" {{
    one_time 25_000.00 on start
    revenue over term
  }}
}}
"""

PLAN_ENTERPRISE = """\
plan enterprise "Skyfjord Enterprise" effective 2024-01-01 {
  currency NOK
  charge platform "Plattformavgift" {
    flat 120_000.00 per year
    billed quarterly in advance
    revenue ratably daily
    account 3020
  }
  charge seats "Brukerlisenser" {
    per_unit 1_490.00 per seat per year
    billed yearly in advance
    revenue ratably monthly
  }
  charge api "API-kall" {
    usage api_calls
    per_unit 0.004
    billed quarterly in arrears
    unit "C62"
  }
  charge storage "Lagring" {
    usage storage_gb
    package 100 for 150.00
  }
  charge support "Premium support" {
    flat 7_500.00 per quarter
    billed quarterly in advance
    vat standard
  }
}
"""

RECURRING = {"start": ("base", "users"), "team": ("platform", "seats"), "enterprise": ("platform", "seats")}
PLAN_CHARGES = {
    "start": ("base", "users"),
    "team": ("platform", "seats", "api", "storage", "setup"),
    "enterprise": ("platform", "seats", "api", "storage", "support"),
}
PER_UNIT = {"start": "users", "team": "seats", "enterprise": "seats"}


@dataclass
class Customer:
    id: str
    text: str


def customer_block(index: int, number: str, rng: random.Random) -> Customer:
    cid = f"k{index:06d}"
    postcode, city = rng.choice(CITIES)
    street = f"{rng.choice(STREETS)} {rng.randint(1, 120)}"
    if index % 5 == 4:
        person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        lines = [
            f"customer {cid} {{",
            f'  name "{person}"',
            "  consumer",
            f'  address "{street}", "{postcode}", "{city}", NO',
            f'  email "kunde{index}@example.no"',
            "}",
        ]
    else:
        company = f"{rng.choice(WORDS)}{rng.choice(WORDS).lower()} {rng.choice(KINDS)} AS"
        lines = [f"customer {cid} {{", f'  name "{company}"', f'  orgnr "{number}"']
        if rng.random() < 0.6:
            lines.append(f'  peppol "0192:{number}"')
        lines.append(f'  address "{street}", "{postcode}", "{city}", NO')
        if rng.random() < 0.5:
            lines.append(f'  reference "{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"')
        if rng.random() < 0.1:
            lines.append("  language en")
        lines.append("}")
    return Customer(cid, "\n".join(lines) + "\n")


SIGNED_FROM = date(2024, 2, 1)
SIGNED_DAYS = 1000
"""Contracts are signed on a day of [SIGNED_FROM, SIGNED_FROM + SIGNED_DAYS] unless told otherwise."""


def contract_block(
    index: int, customer: str, rng: random.Random, signed_from: date = SIGNED_FROM, signed_days: int = SIGNED_DAYS
) -> str:
    """One contract, 12 to 45 lines; every date and name chosen so that it checks clean."""
    cid = f"SKY-{index:06d}"
    plan = rng.choices(["start", "team", "enterprise"], weights=[3, 5, 2])[0]
    signed = signed_from + timedelta(days=rng.randint(0, signed_days))
    start = add_months(signed.replace(day=1), 1) if rng.random() < 0.8 else signed + timedelta(days=rng.randint(0, 20))
    renewal = rng.choices(["renew", "evergreen", "none"], weights=[6, 2, 2])[0]
    term = rng.choice([12, 24, 36]) if renewal != "evergreen" else None
    end = add_months(start, term) if term else None
    recurring = RECURRING[plan]
    unit_charge = PER_UNIT[plan]
    quantity = rng.randint(1, 250)

    out: list[str] = []
    if rng.random() < 0.5:
        out.append(f"# Kundeansvarlig: {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
    out += [f"contract {cid} {{", f"  customer {customer}", f"  signed {signed}", f"  start {start}"]
    if term:
        out.append(f"  term {term} months")
    notice: int | None = None
    if renewal == "renew":
        notice = rng.choice([1, 2, 3])
        out.append(f"  renew 12 months notice {notice} months")
    elif renewal == "evergreen":
        notice = 3
        out.append("  evergreen notice 3 months")
    else:
        out.append("  no renewal")
    anchor: int | None = None
    if rng.random() < 0.4:
        anchor = rng.choice([1, 1, 1, 15])
        out.append(f"  billing anchor {anchor}")
    if rng.random() < 0.3:
        out.append(f"  due {rng.choice([10, 20, 30])} days")
    if rng.random() < 0.5:
        out.append(f'  purchase_order "PO-{rng.randint(1000, 99999)}"')
    if rng.random() < 0.2:
        out.append(f'  reference "{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"')
    pin = " version 2024-01-01" if plan == "team" and rng.random() < 0.15 else ""
    out += [f"  plan {plan}{pin} {{", f"    {unit_charge} quantity {quantity}"]
    if plan == "team" and rng.random() < 0.5:
        out.append(f"    setup price {money(rng.choice([0, 10_000, 15_000, 20_000]))}")
    if rng.random() < 0.2:
        out.append(f"    {recurring[0]} price {money(rng.randint(30, 600) * 10)}")
    out.append("  }")
    charges = set(PLAN_CHARGES[plan])
    if rng.random() < 0.25:
        out += [
            '  charge onboarding "Opplæring og oppsett" {',
            f"    one_time {money(rng.randint(5, 60) * 1000)} on start",
            "    revenue at start",
            "  }",
        ]
        charges.add("onboarding")
        if rng.random() < 0.5:
            out.append(f"  ssp onboarding {money(rng.randint(10, 70) * 1000)}")
    if rng.random() < 0.1:
        out += [
            '  charge consulting "Rådgivning" {',
            "    per_unit 1_250.00 per hour per month",
            f"    quantity {rng.randint(2, 40)}",
            "    billed monthly in arrears",
            '    unit "HUR"',
            "  }",
        ]
    if plan == "enterprise" and rng.random() < 0.5:
        out.append(f"  minimum {money(rng.randint(10, 50) * 10_000)} per contract year")
    if rng.random() < 0.45:
        months = 12 if (term or 36) >= 24 else 6
        on = ", ".join(recurring[: rng.randint(1, 2)])
        out.append(
            f'  discount "Lanseringsrabatt" {rng.choice([5, 10, 15, 20])}% on {on} until {add_months(start, months)}'
        )
    if rng.random() < 0.3:
        first_jan = date(start.year + 1, 1, 1)
        if end is None or first_jan < end:
            cap = f" cap {rng.choice([3, 4, 5])}%" if rng.random() < 0.7 else ""
            floor = " floor 0%" if rng.random() < 0.2 else ""
            on = ", ".join(recurring)
            out.append(f"  indexation kpi yearly on 01-01 from {first_jan} compare october{cap}{floor} on {on}")
    # `prorate none` needs every recurring charge to start a billing period on the effective date.
    monthly = plan == "start" and start.day == 1 and anchor in (None, 1)
    out += _amendments(rng, start, end, notice, monthly, plan, recurring, unit_charge, quantity, charges)
    out.append("}")
    return "\n".join(out) + "\n"


def _amendments(
    rng: random.Random,
    start: date,
    end: date | None,
    notice: int | None,
    monthly: bool,
    plan: str,
    recurring: tuple[str, ...],
    unit_charge: str,
    quantity: int,
    charges: set[str],
) -> list[str]:
    """Up to three amendments, three months apart, inside any term (the shortest is 12 months).

    A termination is signed with the notice the contract asks for; a discount
    window ends with the term at the latest; `prorate none` only where every
    charge is billed monthly from the first of the month."""
    count = rng.choices([0, 1, 2, 3], weights=[40, 32, 18, 10])[0]
    out: list[str] = []
    for number in range(1, count + 1):
        effective = add_months(start, 3 * number)
        kind = rng.choices(["seats", "support", "discount", "price", "terminate"], weights=[50, 15, 15, 15, 5])[0]
        if kind == "terminate" and number != count:
            kind = "seats"
        if kind == "support" and "support" in charges:
            kind = "seats"
        if kind == "terminate" and notice:
            signed = add_months(effective, -notice)
        else:
            signed = effective - timedelta(days=rng.randint(5, 25))
        signed = max(signed, start)  # never before the contract itself (E0605)
        reason = {
            "seats": "Endret antall brukere",
            "support": "Premium support",
            "discount": "Kampanjerabatt",
            "price": "Ny pris etter forhandling",
            "terminate": "Avsluttet etter avtale",
        }[kind]
        out.append(f'  amendment {number} "{reason}" signed {signed} effective {effective} {{')
        if kind == "seats":
            quantity = max(1, quantity + rng.randint(-20, 40))
            out.append(f"    {unit_charge} quantity {quantity}")
        elif kind == "support":
            charges.add("support")
            out += [
                '    charge support "Premium support" {',
                "      flat 2_500.00 per month",
                "      billed quarterly in advance",
                "      revenue ratably daily",
                "    }",
            ]
        elif kind == "discount":
            until = min(add_months(effective, 6), end) if end else add_months(effective, 6)
            out.append(f'    discount "Kampanje" 10% on {recurring[0]} from {effective} until {until}')
        elif kind == "price":
            out.append(f"    {recurring[0]} price {money(rng.randint(30, 600) * 10)}")
            if rng.random() < 0.5:
                out.append("    accounting catch_up")
        else:
            out.append("    terminate")
            if monthly:
                out.append("    prorate none")
        out.append("  }")
    return out


INDEX_VALUES = [
    (f"{2023 + (m + 9) // 12}-{(m + 9) % 12 + 1:02d}", 131.0 + 0.3 * m + (0.4 if m % 12 in (2, 3) else 0))
    for m in range(40)
]


def index_text() -> str:
    lines = ['index kpi "SSB konsumprisindeks, totalindeks (2015=100)" {']
    lines += [f"  {month} {value:.1f}" for month, value in INDEX_VALUES]
    lines.append("}")
    return "\n".join(lines) + "\n"


def generate(
    out: Path, contracts: int, seed: int = 1, signed_from: date = SIGNED_FROM, signed_days: int = SIGNED_DAYS
) -> tuple[int, int, int]:
    """Write the workspace; return (files, lines, bytes) of the .avt files and avtale.toml. Contracts are
    signed from `signed_from` over `signed_days` days (the defaults give the workspace every benchmark uses)."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files: dict[str, str] = {
        "avtale.toml": f"# Synthetic benchmark workspace: {contracts} contracts, seed {seed}.\n",
        "seller.avt": SELLER,
        "metrics.avt": METRICS,
        "indices/kpi.avt": index_text(),
        "plans/start.avt": PLAN_START,
        "plans/team-2024.avt": PLAN_TEAM.format(
            effective="2024-01-01", platform="4_990.00", seat="149.00", api_mid="0.012", api_top="0.008"
        ),
        "plans/team-2025.avt": PLAN_TEAM.format(
            effective="2025-07-01", platform="5_490.00", seat="169.00", api_mid="0.011", api_top="0.007"
        ),
        "plans/enterprise.avt": PLAN_ENTERPRISE,
    }
    n_customers = max(1, contracts // CONTRACTS_PER_CUSTOMER)
    numbers = orgnrs(n_customers)
    customers = [customer_block(i, numbers[i], rng) for i in range(n_customers)]
    for first in range(0, n_customers, CUSTOMERS_PER_FILE):
        chunk = customers[first : first + CUSTOMERS_PER_FILE]
        files[f"customers/{first // CUSTOMERS_PER_FILE:03d}.avt"] = "\n".join(c.text for c in chunk)
    shared: dict[str, list[str]] = {}
    for i in range(contracts):
        owner = i % n_customers
        text = contract_block(i + 1, customers[owner].id, rng, signed_from, signed_days)
        if owner % SHARED_FILE_EVERY == 0:
            shared.setdefault(customers[owner].id, []).append(text)
        else:
            files[f"contracts/{i // CONTRACTS_PER_FOLDER:03d}/SKY-{i + 1:06d}.avt"] = text
    for customer, texts in shared.items():
        files[f"contracts/kunder/{customer}.avt"] = "\n".join(texts)
    lines = size = 0
    for name, text in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        lines += text.count("\n")
        size += len(data)
    return len(files), lines, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="workspace folder to (re)create")
    parser.add_argument("--contracts", type=int, default=1000, help="number of contracts (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--signed-from", type=date.fromisoformat, default=SIGNED_FROM, help=f"first signing day (default {SIGNED_FROM})"
    )
    parser.add_argument(
        "--signed-days", type=int, default=SIGNED_DAYS, help=f"signing window in days (default {SIGNED_DAYS})"
    )
    args = parser.parse_args(argv)
    files, lines, size = generate(args.out, args.contracts, args.seed, args.signed_from, args.signed_days)
    print(f"{args.out}: {files} files, {lines} lines, {size / 1e6:.1f} MB, {args.contracts} contracts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
