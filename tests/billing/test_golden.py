"""Golden snapshot of the example workspace's bill runs: every document, line and total.

On a copy of contracts_examples/: plan `bill --as-of 2026-07-01 --json`, apply it,
then apply a second month (`--as-of 2026-08-01`) on the existing ledger. Compared
with the files in tests/billing/golden/:

    bill_2026-07-01.json  the first plan, as the CLI prints it
    documents.txt         `invoice show` and `invoice explain` of every issued document
    lines.csv             `export csv` after both runs

Regenerate with `pytest tests/billing/test_golden.py --update-expect` (the flag of
tests/conftest.py, as for tests/cases) and review the diff: a changed figure here
is a changed bill. The other tests check the figures against each other, which
regenerating cannot satisfy.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

from runtime.cli.main import cli
from runtime.ledger.documents import IssuedDocument
from runtime.ledger.store import Ledger
from tests.factories.cli import copy_examples

GOLDEN = Path(__file__).parent / "golden"
FIRST, SECOND = date(2026, 7, 1), date(2026, 8, 1)


@attrs.frozen
class Runs:
    plan_json: str  # stdout of `bill --as-of FIRST --json`
    documents_txt: str
    lines_csv: str
    documents: list[IssuedDocument]  # read back from the ledger after both runs


def run(root: Path, *args: str) -> str:
    """stdout of the command; it must succeed and write nothing to stderr (kept out of the snapshots)."""
    result = CliRunner().invoke(cli, ["--workspace", str(root), *args])
    assert result.exit_code == 0, f"avtale {' '.join(args)} failed ({result.exit_code}):\n{result.output}"
    assert result.stderr == "", f"avtale {' '.join(args)} warned:\n{result.stderr}"
    return result.stdout


def _stable(text: str, root: Path) -> str:
    # The workspace lives in a fresh temporary folder each run: should any output name a
    # path in it, only that prefix is replaced (today none does; hashes and KIDs are stable).
    return text.replace(str(root), "<workspace>")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    root = copy_examples(tmp_path_factory.mktemp("golden") / "ws")
    plan_json = run(root, "bill", "--as-of", FIRST.isoformat(), "--json")
    run(root, "ledger", "init")
    run(root, "bill", "--as-of", FIRST.isoformat(), "--apply")
    run(root, "bill", "--as-of", SECOND.isoformat(), "--apply")
    with Ledger.open(root / "ledger.sqlite", create=False) as ledger:
        documents = ledger.documents()  # invoices before credit notes, each series by number
    parts = []
    for doc in documents:
        flag = ["--credit-note"] if doc.series == "credit_note" else []
        for command in ("show", "explain"):
            args = ["invoice", command, str(doc.number), *flag]
            parts.append(f"==== avtale {' '.join(args)}\n{run(root, *args)}\n")
    yield Runs(
        plan_json=_stable(plan_json, root),
        documents_txt=_stable("".join(parts), root),
        lines_csv=_stable(run(root, "export", "csv"), root),
        documents=documents,
    )


def _compare(name: str, actual: str, update: bool) -> None:
    """As tests/test_expect.py does for the .out files: rewrite with --update-expect, else compare."""
    expected = GOLDEN / name
    if update:
        GOLDEN.mkdir(exist_ok=True)
        expected.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert expected.exists(), f"no {expected}; run pytest --update-expect and review"
    assert actual == expected.read_text(encoding="utf-8"), f"{name} changed; if intended, --update-expect and review"


def test_first_plan_json(runs: Runs, update_expect: bool) -> None:
    _compare(f"bill_{FIRST}.json", runs.plan_json, update_expect)


def test_issued_documents(runs: Runs, update_expect: bool) -> None:
    _compare("documents.txt", runs.documents_txt, update_expect)


def test_exported_lines(runs: Runs, update_expect: bool) -> None:
    _compare("lines.csv", runs.lines_csv, update_expect)


# Checks the snapshot cannot vouch for: figures against each other, not against a file.


def _signed(kind: str, gross: Decimal) -> Decimal:
    return gross if kind == "invoice" else -gross


def _cent(amount: Decimal, like: str) -> Decimal:
    """`amount` rounded half up to as many decimals as the figure `like` is written with (2 for NOK)."""
    return amount.quantize(Decimal(1).scaleb(-len(like.partition(".")[2])), ROUND_HALF_UP)


def test_the_plan_adds_up(runs: Runs) -> None:
    plan = json.loads(runs.plan_json)
    assert plan["as_of"] == FIRST.isoformat() and plan["applied"] is False
    assert plan["documents"] and plan["blocked"] == [] and plan["unknown_ids"] == []
    for doc in plan["documents"]:
        where = f"{doc['kind']} for {doc['contract']}"
        assert doc["issue_date"] == FIRST.isoformat() and doc["due_date"] >= doc["issue_date"], where
        totals: dict[str, Any] = doc["totals"]
        net, vat, gross = Decimal(totals["net"]), Decimal(totals["vat"]), Decimal(totals["gross"])
        assert gross == net + vat, where
        assert net == sum((Decimal(line["net_amount"]) for line in doc["lines"]), Decimal(0)), where
        assert net == sum((Decimal(g["taxable"]) for g in totals["groups"]), Decimal(0)), where
        assert vat == sum((Decimal(g["vat"]) for g in totals["groups"]), Decimal(0)), where
        for group in totals["groups"]:
            taxable = sum(
                (
                    Decimal(line["net_amount"])
                    for line in doc["lines"]
                    if line["vat_category"] == group["category"] and Decimal(line["vat_rate"]) == Decimal(group["rate"])
                ),
                Decimal(0),
            )
            assert Decimal(group["taxable"]) == taxable, (where, group)
            expected_vat = _cent(taxable * Decimal(group["rate"]) / 100, group["taxable"])
            assert Decimal(group["vat"]) == expected_vat, (where, group)
        for line in doc["lines"]:
            # nothing is billed before it is due: no line of a later billing date
            assert date.fromisoformat(line["provenance"]["billing_date"]) <= FIRST, (where, line["description"])
            assert line["period_start"] < line["period_end"], (where, line["description"])


def test_what_was_issued_is_what_was_planned(runs: Runs) -> None:
    plan = json.loads(runs.plan_json)["documents"]
    first = [d for d in runs.documents if d.issue_date == FIRST]
    second = [d for d in runs.documents if d.issue_date == SECOND]
    assert len(first) + len(second) == len(runs.documents) and second, "both runs issued, nothing else"
    assert {d.issued_at_run for d in first} == {1} and {d.issued_at_run for d in second} == {2}
    planned_total = sum((_signed(d["kind"], Decimal(d["totals"]["gross"])) for d in plan), Decimal(0))
    issued_total = sum((_signed(d.kind, d.totals.gross) for d in first), Decimal(0))
    assert issued_total == planned_total
    by_contract = sorted((d.kind, d.contract, d.totals.gross) for d in first)
    assert by_contract == sorted((d["kind"], d["contract"], Decimal(d["totals"]["gross"])) for d in plan)
    for series in ("invoice", "credit_note"):
        numbers = [d.number for d in runs.documents if d.series == series]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)) if numbers else []), "gapless"
    invoices = {d.number: d for d in runs.documents if d.series == "invoice"}
    for doc in runs.documents:
        assert doc.totals.gross == doc.totals.net + doc.totals.vat, doc.number
        for number in doc.corrects:  # a credit note corrects an earlier invoice of its own contract
            assert number in invoices and invoices[number].contract == doc.contract, (doc.number, number)
        for line in doc.lines:
            due = date.fromisoformat(json.loads(line.provenance)["billing_date"])
            assert due <= doc.issue_date, (doc.number, line.description)


def test_the_export_has_every_issued_line(runs: Runs) -> None:
    rows = list(csv.DictReader(io.StringIO(runs.lines_csv)))
    assert len(rows) == sum(len(d.lines) for d in runs.documents)
    for doc in runs.documents:
        mine = [r for r in rows if r["series"] == doc.series and int(r["number"]) == doc.number]
        assert sum((Decimal(r["net_amount"]) for r in mine), Decimal(0)) == doc.totals.net, doc.number
