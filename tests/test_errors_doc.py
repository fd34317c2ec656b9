"""Every diagnostic code has a reproducer, and docs/errors.md is what they generate."""

from __future__ import annotations

from compiler.codes import CODES
from tests.errors_doc import DOC, generate, reproducers


def test_every_code_has_a_reproducer() -> None:
    missing = sorted(set(CODES) - set(reproducers()))
    assert missing == [], f"codes without a reproducer in tests/cases/bad: {missing}"


def test_reproducers_use_known_codes() -> None:
    assert sorted(set(reproducers()) - set(CODES)) == []


def test_errors_doc_is_generated(update_expect: bool) -> None:
    text = generate()
    if update_expect:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, "docs/errors.md is stale: run pytest --update-expect"
