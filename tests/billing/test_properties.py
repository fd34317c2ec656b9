"""Properties of bill runs under random sequences of runs and amendments."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.billing.provenance import trace_from_json
from runtime.billing.expected import UsageKey, expected_lines, schedules
from runtime.billing.run import apply
from runtime.ledger.store import Ledger
from tests.billing.helpers import contract, workspace

START = date(2026, 1, 1)


def no_usage(requests: Sequence[UsageKey]) -> Mapping[UsageKey, Decimal]:
    return {}


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[str], list[date]]:
    """Amendment texts (appended one by one, as in git) and the as-of dates of the runs between them."""
    amendments: list[str] = []
    effective = START
    for number in range(1, draw(st.integers(0, 3)) + 1):
        effective = effective + timedelta(days=draw(st.integers(1, 90)))
        quantity = draw(st.integers(0, 30))
        amendments.append(
            f'  amendment {number} "Endring" signed {START} effective {effective} {{\n'
            f"    seats quantity {quantity}\n  }}"
        )
    runs = sorted(draw(st.lists(st.dates(START, date(2027, 2, 1)), min_size=1, max_size=5)))
    return amendments, runs


def text_with(amendments: list[str]) -> str:
    body = '  charge seats "Seats" {\n    per_unit 99.00 per seat per month\n    quantity 10\n  }\n'
    body += '  charge base "Base" {\n    flat 1_234.56 per quarter\n    billed quarterly in advance\n  }\n'
    body += '  discount "Intro" 12.5% on seats until 2026-04-20'
    if amendments:
        body += "\n" + "\n".join(amendments)
    return contract(body, term="term 12 months")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_runs_and_amendments_keep_the_ledger_consistent(history: tuple[list[str], list[date]]) -> None:
    amendments, runs = history
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger.open(Path(tmp) / "ledger.sqlite")
        with ledger:
            for i, day in enumerate(runs):
                # the amendments known at this run: a growing prefix, as they are appended to the file
                known = amendments[: len(amendments) * (i + 1) // len(runs)]
                ws = workspace(text_with(known))
                apply(ws, ledger, no_usage, day)
                # re-running the same run issues nothing
                assert apply(ws, ledger, no_usage, day)[1] == []
            # numbers gapless per series, chain intact
            for series in ("invoice", "credit_note"):
                numbers = [d.number for d in ledger.documents(series)]
                assert numbers == list(range(1, len(numbers) + 1))
            assert ledger.verify() == []
            # every line explains itself with a typed trace
            for line in ledger.issued_lines():
                assert trace_from_json(line.provenance).billing_date <= runs[-1]
            # what stands issued is exactly what the final contract says was due, per identity and VAT
            final = workspace(text_with(amendments))
            last = runs[-1]
            expected = expected_lines(schedules(final, last), {}, last)
            want: dict[object, Decimal] = defaultdict(Decimal)
            for e in expected.lines:
                want[e.id, e.tax] += e.net
            have: dict[object, Decimal] = defaultdict(Decimal)
            for line in ledger.issued_lines():
                have[line.id, line.tax] += line.net_amount
            assert {k: v for k, v in have.items() if v} == {k: v for k, v in want.items() if v}
