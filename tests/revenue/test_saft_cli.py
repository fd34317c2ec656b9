"""`avtale export saft` on the example workspace: the file validates against Skatteetaten's schema."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from runtime.revenue.saft import NS
from tests.revenue.test_journal_cli import billed, hand_recognised, run  # noqa: F401 (fixtures)
from tests.revenue.test_saft import validate

Q = {"s": NS}


def test_the_export_of_the_billed_examples_with_hand_recognised_revenue_validates(
    hand_recognised: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    out = tmp_path / "saft.xml"
    code, stdout, err = run(hand_recognised, "export", "saft", "--year", "2026", "--out", str(out))
    assert code == 0, err
    assert f"to {out}" in stdout
    root = validate(out.read_bytes())
    ids = [node.text for node in root.iterfind("s:GeneralLedgerEntries/s:Journal/s:Transaction/s:TransactionID", Q)]
    assert "R-SKT-2026-007-2026-01" in ids
    assert sum(1 for i in ids if i.startswith("I")) == 11
    # Fjällstugan is in Sweden: its zero-rated sales are export (code 52).
    codes = {node.text for node in root.iterfind(".//s:TaxInformation/s:TaxCode", Q)}
    assert "52" in codes and "3" in codes


def test_the_export_of_contracts_examples_validates(billed: Path, tmp_path: Path) -> None:  # noqa: F811
    """The whole pipeline, with the recognition engine: ledger init, bill --apply, export saft."""
    out = tmp_path / "saft.xml"
    code, _, err = run(billed, "export", "saft", "--year", "2026", "--out", str(out))
    assert code == 0, err
    root = validate(out.read_bytes())
    lines = root.findall("s:GeneralLedgerEntries/s:Journal/s:Transaction/s:Line", Q)
    assert lines
    kinds = {node.text for node in root.iterfind("s:GeneralLedgerEntries/s:Journal/s:JournalID", Q)}
    assert kinds == {"SALG", "INNTEKT"}


def test_an_unknown_year_option_is_a_message(billed: Path) -> None:  # noqa: F811
    code, _, err = run(billed, "export", "saft", "--year", "26")
    assert code == 2
    assert "26 is not in the range 1970<=x<=2100" in err


def test_stdout_without_out(hand_recognised: Path) -> None:  # noqa: F811
    code, stdout, err = run(hand_recognised, "export", "saft", "--year", "2026")
    assert code == 0, err
    assert etree.fromstring(stdout.encode("utf-8")).tag == f"{{{NS}}}AuditFile"


def test_without_a_ledger_the_message_says_how_to_make_one(tmp_path: Path) -> None:
    (tmp_path / "avtale.toml").write_text("")
    (tmp_path / "seller.avt").write_text(
        'seller s {\n  name "S AS"\n  orgnr "925792403"\n  mva\n  foretaksregisteret\n}\n', encoding="utf-8"
    )
    code, _, err = run(tmp_path, "export", "saft", "--year", "2026")
    assert code == 1
    assert "error: there is no ledger at" in err
    assert "= help: `avtale ledger init` creates it" in err
