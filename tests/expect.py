"""Expect tests: .avt reproducers checked as a workspace, output compared with a file beside them.

A case `NAME.avt` is copied into a fresh workspace together with
`cases/prelude.avt` (unless its first line is `# prelude: none`) and
`NAME.toml` as avtale.toml when present; `NAME.link` makes a dangling link
named NAME.avt instead (an unreadable file). The rendered diagnostics are
compared with `NAME.out`. Run `pytest --update-expect` to rewrite the .out files
and docs/errors.md, then review the diff.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from dsl.diagnostics import Severity, sorted_diagnostics
from dsl.render import render_text, summary_line
from runtime.loader import load

CASES = Path(__file__).parent / "cases"
PRELUDE = CASES / "prelude.avt"


def case_paths(kind: str) -> list[Path]:
    folder = CASES / kind
    return sorted([*folder.glob("*.avt"), *folder.glob("*.link")])


def case_name(path: Path) -> str:
    return path.stem


def source_text(path: Path) -> str:
    if path.suffix == ".link":
        return f"(a symbolic link to `{path.read_text().strip()}`)\n"
    return path.read_bytes().decode("utf-8", errors="replace")


def run_case(path: Path, *, notes: bool | None = None) -> tuple[str, list[str]]:
    """The rendered diagnostics of the case, and the codes found."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = path.with_suffix(".toml")
        (root / "avtale.toml").write_text(settings.read_text() if settings.exists() else "")
        target = root / f"{path.stem}.avt"
        if path.suffix == ".link":
            target.symlink_to(root / path.read_text().strip())
        else:
            shutil.copyfile(path, target)
        if path.suffix == ".link" or not path.read_bytes().startswith(b"# prelude: none"):
            shutil.copyfile(PRELUDE, root / "prelude.avt")
        workspace = load(root, use_cache=False)
    show_notes = notes if notes is not None else path.stem.startswith("N")
    shown = [d for d in sorted_diagnostics(workspace.diagnostics) if show_notes or d.severity is not Severity.NOTE]
    text = "\n\n".join(render_text(d, workspace.source_lines) for d in shown)
    summary = summary_line(shown) or "no problems"
    return f"{text}\n\n{summary}\n" if text else f"{summary}\n", [d.code for d in shown]


def expected_path(path: Path) -> Path:
    return path.with_suffix(".out")
