"""Imports point down only (runtime -> compiler -> dsl), and only dsl/ knows Lark."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
FORBIDDEN = {"dsl": {"compiler", "runtime"}, "compiler": {"runtime", "lark"}, "runtime": {"lark"}}
IMPURE = {"os", "sqlite3", "duckdb", "subprocess", "socket", "time", "random", "pathlib", "tempfile"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_point_down(layer: str) -> None:
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files
    bad = {str(p.relative_to(ROOT)): sorted(imports(p) & FORBIDDEN[layer]) for p in files}
    assert {k: v for k, v in bad.items() if v} == {}


def test_compiler_is_pure() -> None:
    bad = {str(p.relative_to(ROOT)): sorted(imports(p) & IMPURE) for p in (ROOT / "compiler").rglob("*.py")}
    assert {k: v for k, v in bad.items() if v} == {}
    for path in (ROOT / "compiler").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "date.today(" not in text and "datetime.now(" not in text, path
