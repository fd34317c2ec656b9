"""Writing a clean plan's files into the workspace, each atomically."""

from __future__ import annotations

from pathlib import Path

from runtime.importing.plan import ImportPlan


def apply_plan(root: Path, plan: ImportPlan) -> list[Path]:
    """Write every file of the plan under `root`; returns the paths written, in order.

    Each file goes to a temporary name beside it and is renamed into place, so that a crash never leaves
    half a contract in the workspace. Files are not fsynced one by one (for 10,000 contracts that alone took
    2.5 s); `avtale fmt` writes the same way.
    """
    written = []
    for relative, content in sorted(plan.writes.items()):
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.import-tmp")
        temporary.write_text(content, encoding="utf-8", newline="\n")
        temporary.replace(target)
        written.append(target)
    return written
