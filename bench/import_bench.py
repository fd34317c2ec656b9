"""Benchmark `avtale import`: 10,000 contract rows (and their customers) from .xlsx into a new workspace.

    python bench/import_bench.py [--contracts 10000] [--runs 3]

Generates one workbook (seeded): a Kunder sheet of CONTRACTS/2 customers and an Avtaler sheet of CONTRACTS
rows, half on plan `team` with a seat count, half with their own price, some with a discount and a
cut-over date. Each run copies a workspace holding just the seller and the plan, then times
`import_into` (read + validate + generate + check + write) in this process, and checks that every row
was created. Prints the median of RUNS and writes all samples to bench/out/import.json.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
OUT = BENCH / "out"

from runtime.importing import import_into  # noqa: E402
from runtime.importing.mapping import (  # noqa: E402
    DEFAULT,
    ChargeColumns,
    Mapping,
    SheetMapping,
)

SELLER = """seller vendor {
  name "Benk AS"
  orgnr "976240391"
  mva
}

plan team "Team" effective 2025-01-01 {
  charge platform "Plattform" {
    flat 1_000.00 per month
  }
  charge seats "Brukere" {
    per_unit 100.00 per seat per month
  }
}
"""
ORGNRS = ["976240391", "922152799", "971352418", "919730609", "999906087"]
CUSTOMERS = ["Kundenr", "Navn", "Org.nr.", "Adresse", "Postnr.", "Poststed", "Land", "E-post", "EHF"]
CONTRACTS = ["Avtalenr", "Kundenr", "Signert", "Oppstart", "Binding (mnd)", "Fornyes (mnd)", "Oppsigelse (mnd)"]
CONTRACTS += ["Plan", "Antall brukere", "Beskrivelse", "Pris", "Periode", "Rabatt", "Rabatt gjelder"]
CONTRACTS += ["Fakturert t.o.m."]


def mapping() -> Mapping:
    contract_columns = {k: h for k, h in DEFAULT.contracts.columns.items() if h in CONTRACTS}
    contract_columns["discount_on"] = "Rabatt gjelder"
    return Mapping(
        customers=SheetMapping("Kunder", {k: h for k, h in DEFAULT.customers.columns.items() if h in CUSTOMERS}),
        contracts=SheetMapping("Avtaler", contract_columns, {"seats": ChargeColumns(quantity="Antall brukere")}),
        source="bench",
    )


def workbook(path: Path, contracts: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    customers = book.create_sheet("Kunder")
    customers.append(CUSTOMERS)
    count = max(1, contracts // 2)
    for n in range(count):
        orgnr = ORGNRS[n % len(ORGNRS)]
        address = [f"Gate {n % 90 + 1}", f"{rng.randrange(1, 9999):04d}", "Oslo", "NO"]
        ehf = "ja" if n % 2 else "nei"
        customers.append(
            [f"K{n:06d}", f"Kunde {n} AS", f"{orgnr[:3]} {orgnr[3:6]} {orgnr[6:]}", *address, f"f{n}@x.no", ehf]
        )
    sheet = book.create_sheet("Avtaler")
    sheet.append(CONTRACTS)
    for n in range(contracts):
        start = date(2025, 1, 1) + timedelta(days=rng.randrange(365))
        row: list[object] = [f"AVT-{n:06d}", f"K{n % count:06d}", start - timedelta(days=10), start, 12, 12, 3]
        if n % 2:
            row += ["team", rng.randrange(1, 200), None, None, None]
        else:
            row += [None, None, "Abonnement", f"kr {rng.randrange(100, 9000)},00", "måned"]
        row += ["10 %", "platform, seats" if n % 2 else "subscription"] if n % 7 == 0 else [None, None]
        row.append(date(2026, 2, 28) if n % 3 == 0 else None)
        sheet.append(row)
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        book = base / "bok.xlsx"
        workbook(book, args.contracts)
        samples = []
        for run in range(args.runs):
            root = base / f"ws{run}"
            root.mkdir()
            (root / "avtale.toml").write_text('cache = ".cache"\n', encoding="utf-8")
            (root / "seller.avt").write_text(SELLER, encoding="utf-8")
            started = time.perf_counter()
            result = import_into(root, book, mapping())
            elapsed = time.perf_counter() - started
            expected = args.contracts + max(1, args.contracts // 2)
            assert result.plan.errors == (), result.plan.errors[:3]
            assert result.plan.count("created") == expected, result.plan.count("created")
            samples.append(elapsed)
            shutil.rmtree(root)
            print(f"run {run + 1}: {elapsed:.2f} s", flush=True)
    median = statistics.median(samples)
    print(f"import of {args.contracts} contract rows from .xlsx: median {median:.2f} s over {args.runs} runs")
    OUT.mkdir(exist_ok=True)
    (OUT / "import.json").write_text(
        json.dumps({"contracts": args.contracts, "seconds": samples, "median": median}, indent=2) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
