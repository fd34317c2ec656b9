"""Under any sequence of bill runs, failed ones included, numbers stay gapless and the chain valid."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.ledger import DraftDocument, InvalidDraft, Kind, Ledger
from runtime.ledger.chain import GENESIS
from tests.ledger.factories import credit_note, invoice, issue, line

# One planned document: a credit note (if any invoice exists to correct) or an invoice, an amount, and
# whether the draft is broken (an unrounded amount), which must make its whole run issue nothing.
planned = st.tuples(st.booleans(), st.integers(min_value=-10_000, max_value=10**7), st.booleans())
runs = st.lists(st.lists(planned, max_size=5), min_size=1, max_size=6)


def draft(is_credit: bool, cents: int, broken: bool, invoices: list[int], pick: int) -> DraftDocument:
    amount = str(Decimal(cents).scaleb(-2) + (Decimal("0.001") if broken else 0))
    if is_credit and invoices:
        return credit_note(invoices[pick % len(invoices)], net=amount)
    return invoice(line(amount))


@settings(max_examples=40, deadline=None)
@given(runs, st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_numbers_stay_gapless_and_the_chain_valid(
    plan: list[list[tuple[bool, int, bool]]], invoice_start: int, credit_note_start: int
) -> None:
    starts = {"invoice_start": invoice_start, "credit_note_start": credit_note_start}
    with tempfile.TemporaryDirectory() as folder, Ledger.open(Path(folder) / "ledger.sqlite") as ledger:
        issued_invoices: list[int] = []
        expected_runs = 0
        for run in plan:
            drafts = [draft(c, cents, broken, issued_invoices, i) for i, (c, cents, broken) in enumerate(run)]
            try:
                docs = issue(ledger, drafts, **starts)
            except InvalidDraft:
                assert any(broken for _, _, broken in run)
                continue
            expected_runs += bool(drafts)
            issued_invoices += [d.number for d in docs if d.series == "invoice"]
        assert len(ledger.bill_runs()) == expected_runs
        series: list[tuple[Kind, int]] = [("invoice", invoice_start), ("credit_note", credit_note_start)]
        for kind, start in series:
            docs = ledger.documents(kind)
            assert [d.number for d in docs] == list(range(start, start + len(docs)))
            assert [d.previous_hash for d in docs] == [GENESIS, *(d.hash for d in docs)][: len(docs)]
        assert ledger.verify() == []
