"""`avtale revenue journal` on the example workspace, billed as of 2026-07-01."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from runtime.cli import revenue_journal
from runtime.ledger.documents import IssuedDocument
from runtime.ledger.store import Ledger
from runtime.revenue.records import Recognised
from tests.factories.cli import bill, copy_examples, run
from tests.factories.revenue import recognised

D = Decimal


@pytest.fixture(scope="module")
def billed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example workspace with its ledger, billed as of 2026-07-01."""
    return bill(copy_examples(tmp_path_factory.mktemp("journal") / "ws"), "2026-07-01")


# Revenue for one contract of the examples, written by hand, so these tests read the journal, not the engine.
RECOGNISED = [recognised(date(2026, 1, 1), "1000.00", contract="SKT-2026-007", obligation="licence", account=3100)]


@pytest.fixture
def hand_recognised(monkeypatch: pytest.MonkeyPatch, billed: Path) -> Path:
    def fake(ctx: object, as_of: date) -> tuple[list[IssuedDocument], list[Recognised]]:
        with Ledger.open(billed / "ledger.sqlite", create=False, read_only=True) as ledger:
            return ledger.documents(), list(RECOGNISED)

    monkeypatch.setattr(revenue_journal, "recognised_revenue", fake)
    return billed


def test_json_lists_balanced_entries_for_every_document(hand_recognised: Path) -> None:
    code, out, err = run(hand_recognised, "revenue", "journal", "--json")
    assert code == 0, err
    entries = json.loads(out)
    with Ledger.open(hand_recognised / "ledger.sqlite", create=False, read_only=True) as ledger:
        documents = ledger.documents()
    assert [e["id"] for e in entries if e["kind"] == "issue"] == [f"I{d.number}" for d in documents]
    for entry in entries:
        debit = sum(D(line["debit"]) for line in entry["lines"])
        credit = sum(D(line["credit"]) for line in entry["lines"])
        assert debit == credit, entry
    [recognition] = [e for e in entries if e["kind"] == "recognise"]
    assert recognition["id"] == "R-SKT-2026-007-2026-01"
    assert recognition["customer"] == "fjallstugan"
    assert [(line["account"], line["debit"], line["credit"]) for line in recognition["lines"]][-1] == (
        3100,
        "0",
        "1000.00",
    )


def test_a_window_of_months_and_csv(hand_recognised: Path) -> None:
    code, out, err = run(hand_recognised, "revenue", "journal", "--from", "2026-01", "--to", "2026-01", "--csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {row["date"] for row in rows} <= {f"2026-01-{day:02d}" for day in range(1, 32)}
    assert {row["entry"] for row in rows if row["kind"] == "recognise"} == {"R-SKT-2026-007-2026-01"}
    assert sum(D(r["debit"]) for r in rows) == sum(D(r["credit"]) for r in rows) > 0


def test_the_table_ends_with_the_totals(hand_recognised: Path) -> None:
    code, out, err = run(hand_recognised, "revenue", "journal", "--to", "2026-01")
    assert code == 0, err
    assert "R-SKT-2026-007-2026-01" in out
    assert "debits equal credits:" in out.splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13"], "is not a month"),
        (["--from", "januar"], "is not a month"),
        (["--from", "2026-03", "--to", "2026-01"], "is before"),
        (["--json", "--csv"], "choose one of --json and --csv"),
    ],
)
def test_mistakes_in_the_options_are_messages(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "avtale.toml").write_text("")
    code, _, err = run(tmp_path, "revenue", "journal", *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
