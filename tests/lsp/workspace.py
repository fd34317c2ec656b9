"""A small workspace written out for the server tests: two customers, a metric, an index, a plan in two
versions and two contracts (C-1 follows the 2025 version by its signing date, C-2 pins 2026)."""

from __future__ import annotations

from pathlib import Path

PRELUDE = """seller vendor {
  name "Prøve AS"
  orgnr "976240391"
  mva
}

customer buyer {
  name "Kjøper AS"
  orgnr "922152799"
}

customer other {
  name "Annen AS"
  orgnr "922152799"
}

metric calls "API-kall" { events "api.call"  count }

index kpi "KPI" {
  2025-10 100.0
  2026-10 103.0
}
"""

PLANS = """plan basic "Basic" effective 2025-01-01 {
  currency NOK
  charge seats "Seats" {
    per_unit 100.00 per seat per month
  }
  charge api "API" {
    usage calls
    per_unit 0.01
  }
}

plan basic "Basic" effective 2026-01-01 {
  currency NOK
  charge seats "Seats" {
    per_unit 120.00 per seat per month
  }
}
"""

C1 = """contract C-1 {
  customer buyer
  signed 2025-06-01
  start 2025-07-01
  term 12 months
  plan basic {
    seats quantity 5
  }
  amendment 1 "More seats" signed 2025-09-01 effective 2025-10-01 {
    seats quantity 8
  }
}
"""

C2 = """contract C-2 {
  customer other
  signed 2026-02-01
  start 2026-03-01
  term 12 months
  plan basic version 2026-01-01 {
    seats quantity 2
  }
  charge setup "Setup" {
    one_time 1_000.00 on start
  }
  indexation kpi yearly on 01-01 from 2027-01-01 compare october on seats
}
"""

FILES = {"prelude.avt": PRELUDE, "plans.avt": PLANS, "contracts/c1.avt": C1, "contracts/c2.avt": C2}


def write(root: Path) -> Path:
    for name, text in {"avtale.toml": "", **FILES}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root
