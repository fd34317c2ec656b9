"""The compiled Schematron cache: compiled once per .sch content, reused after, never run unless we wrote it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from runtime.einvoice.schematron import SCHXSLT, cache_key
from runtime.einvoice.validation import Validator

BOTH = ("CEN-EN16931-UBL.sch", "PEPPOL-EN16931-UBL.sch")


@pytest.fixture
def rules(tmp_path: Path, einvoice_rules: Path) -> Path:
    """A rules folder of our own: the schemas linked, the Schematron copied so a test may change it."""
    folder = tmp_path / "rules"
    (folder / "peppol-bis-billing-3.0.19").mkdir(parents=True)
    (folder / "ubl-2.1").symlink_to(einvoice_rules / "ubl-2.1")
    shutil.copytree(einvoice_rules / "peppol-bis-billing-3.0.19" / "sch", folder / "peppol-bis-billing-3.0.19" / "sch")
    return folder


def _stamps(cache: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in sorted(cache.iterdir())}


def test_a_second_load_does_not_recompile(rules: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = Validator.load(rules, cache=cache)
    assert first.compiled == BOTH
    stamps = _stamps(cache)
    assert len(stamps) == 2
    second = Validator.load(rules, cache=cache)
    assert second.compiled == ()
    assert _stamps(cache) == stamps  # nothing rewritten
    assert second.validate(b"<a") == first.validate(b"<a")


def test_the_cache_is_named_by_the_hash_of_the_sch_and_schxslt(rules: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    Validator.load(rules, cache=cache)
    sch = rules / "peppol-bis-billing-3.0.19" / "sch"
    expected = {f"{Path(name).stem}-{cache_key((sch / name).read_bytes())}.xsl" for name in BOTH}
    assert set(_stamps(cache)) == expected
    assert cache_key(b"x") != cache_key(b"y") and len(cache_key(b"x")) == 64


def test_a_changed_sch_is_recompiled_and_its_rules_used(rules: Path, tmp_path: Path, einvoice_examples: Path) -> None:
    cache = tmp_path / "cache"
    Validator.load(rules, cache=cache)
    peppol = rules / "peppol-bis-billing-3.0.19" / "sch" / "PEPPOL-EN16931-UBL.sch"
    text = peppol.read_text(encoding="utf-8")
    # Make PEPPOL-EN16931-R003 (buyer or order reference) a warning: the new rules must be the ones run.
    old = 'test="cbc:BuyerReference or cac:OrderReference/cbc:ID"\n        flag="fatal"'
    assert text.count(old) == 1
    peppol.write_text(text.replace(old, old.replace("fatal", "warning")), encoding="utf-8")
    changed = Validator.load(rules, cache=cache)
    assert changed.compiled == ("PEPPOL-EN16931-UBL.sch",)
    assert len(_stamps(cache)) == 3  # the old one is still there, harmless
    document = (einvoice_examples / "Norwegian-example-1.xml").read_bytes()
    for reference in (b"<cbc:BuyerReference>3150bdn</cbc:BuyerReference>", b"<cbc:ID>123</cbc:ID>"):
        assert document.count(reference) == 1
        document = document.replace(reference, b"")
    flags = {f.rule: f.flag for f in changed.validate(document)}
    assert flags["PEPPOL-EN16931-R003"] == "warning"


def test_a_cache_file_we_did_not_write_is_not_run(rules: Path, tmp_path: Path) -> None:
    """The cache holds code: a planted or damaged stylesheet fails its signature and is compiled anew."""
    cache = tmp_path / "cache"
    Validator.load(rules, cache=cache)
    planted = next(cache.glob("PEPPOL-EN16931-UBL-*.xsl"))
    head, _, body = planted.read_bytes().partition(b"\n")
    planted.write_bytes(head + b"\n" + body.replace(b"MUST", b"SHOULD"))
    again = Validator.load(rules, cache=cache)
    assert again.compiled == ("PEPPOL-EN16931-UBL.sch",)
    assert b"SHOULD be stated in the correct format" not in planted.read_bytes()


def test_the_default_cache_is_under_xdg_cache_home(
    rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert Validator.load(rules).compiled == BOTH
    assert len(list((tmp_path / "xdg" / "avtale" / "schematron").glob("*.xsl"))) == 2
    assert Validator.load(rules).compiled == ()


def test_schxslt_is_vendored_with_its_licence() -> None:
    assert "MIT License" in (SCHXSLT / "LICENSE").read_text(encoding="utf-8")
    assert (SCHXSLT / "pipeline-for-svrl.xsl").is_file() and (SCHXSLT / "compile" / "compile-2.0.xsl").is_file()
