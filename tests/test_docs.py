"""Every `avt` example in the README and docs/ parses and is in canonical form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dsl.parser import parse
from dsl.printer import format_source

ROOT = Path(__file__).parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```avt\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        if doc.name == "errors.md":  # reproducers of mistakes, on purpose
            continue
        for i, text in enumerate(BLOCK.findall(doc.read_text(encoding="utf-8"))):
            found.append((f"{doc.name}#{i + 1}", text))
    return found


@pytest.mark.parametrize(("name", "text"), examples(), ids=[n for n, _ in examples()])
def test_doc_example_parses_and_is_canonical(name: str, text: str) -> None:
    result = parse(text, name)
    assert result.file is not None, result.diagnostics
    assert format_source(result.file) == text


def test_there_are_examples() -> None:
    assert len(examples()) >= 8
