"""A workspace held in memory and checked again after each edit: the engine under the editor server.

`Checker` keeps every file's text and parse, and the memo of the last check (compiler/memo.py). An edit
re-parses the file it touches and nothing else; the check then takes every declaration the edit did
not reach from the memo, so a one-contract edit checks that contract again, and a plan edit the plan
and the contracts that follow it. The result is the one `avtale check` gives for the same texts:
parse diagnostics, the settings' diagnostics, and the semantic check (or, with syntax errors
anywhere, the note that it did not run). Pure: the caller reads the files and passes their text.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping

import attrs

from compiler import model
from compiler.codes import SEMANTICS_SKIPPED
from compiler.cutover import workspace_cutover
from compiler.memo import Memo
from compiler.settings import SETTINGS_FILE, Settings, parse_settings, setting_span
from compiler.workspace import CheckResult, check_workspace
from dsl import ast
from dsl.diagnostics import Diagnostic, sorted_diagnostics
from dsl.parser import ParseResult, parse, parse_bytes


@attrs.frozen
class Snapshot:
    """The workspace as checked after the latest edit."""

    files: Mapping[str, ast.SourceFile | None]
    """Each .avt file's AST; None where syntax errors stopped its parse."""
    texts: Mapping[str, str]
    settings: Settings
    diagnostics: tuple[Diagnostic, ...]
    """Everything found, sorted: syntax, settings, semantics."""
    result: CheckResult | None
    """The semantic check; None when syntax errors stopped it."""
    reused: int = 0
    checked: int = 0
    """Declarations taken from the memo, and checked again."""
    by_file: Mapping[str, tuple[Diagnostic, ...]] = attrs.Factory(dict)
    """`diagnostics` grouped by file, in order: an editor publishes per file, and compares them per file."""

    @property
    def workspace(self) -> model.Workspace | None:
        return self.result.workspace if self.result is not None else None


class Checker:
    """One workspace's files in memory. Paths are relative to the workspace root, `/`-separated."""

    def __init__(self, settings_text: str = "", files: Mapping[str, str] | None = None) -> None:
        self._settings_text = settings_text
        self._texts: dict[str, str] = {}
        self._parsed: dict[str, ParseResult] = {}
        self._unreadable: dict[str, ParseResult] = {}
        """Files that are not text (not UTF-8): their diagnostics stop the semantic checks, as a syntax error does."""
        self._memo = Memo()
        for path, text in (files or {}).items():
            self.set_file(path, text)

    @property
    def paths(self) -> list[str]:
        return sorted({*self._texts, *self._unreadable})

    def text(self, path: str) -> str | None:
        if path == SETTINGS_FILE:
            return self._settings_text
        return self._texts.get(path)

    def set_settings(self, text: str) -> None:
        self._settings_text = text

    def set_unreadable(self, path: str, data: bytes) -> None:
        """A file whose bytes are not UTF-8: it stays in the check as `avtale check` keeps it (E0101)."""
        self._texts.pop(path, None)
        self._parsed.pop(path, None)
        self._unreadable[path] = parse_bytes(data, path)

    def set_parsed(self, path: str, text: str, parsed: ParseResult) -> None:
        """Add a file with its parse already made (from a cache): the parse must be of this very text."""
        self._unreadable.pop(path, None)
        self._texts[path] = text
        self._parsed[path] = parsed

    def set_file(self, path: str, text: str) -> bool:
        """Add or replace a file's text; False when it is the text already held (nothing to do)."""
        self._unreadable.pop(path, None)
        if self._texts.get(path) == text:
            return False
        self._texts[path] = text
        self._parsed[path] = parse(text, path)
        return True

    def remove_file(self, path: str) -> bool:
        self._parsed.pop(path, None)
        gone = self._unreadable.pop(path, None) is not None
        return self._texts.pop(path, None) is not None or gone

    def replace_all(self, files: Mapping[str, str]) -> None:
        """Hold exactly these files (a workspace read from disk again); unchanged texts keep their parse."""
        for path in [p for p in self.paths if p not in files]:
            self.remove_file(path)
        for path, text in files.items():
            self.set_file(path, text)

    def check(self) -> Snapshot:
        settings, found = parse_settings(self._settings_text)
        paths = self.paths
        parsed = [self._parsed[p] if p in self._parsed else self._unreadable[p] for p in paths]
        found += [d for r in parsed for d in r.diagnostics]
        result: CheckResult | None = None
        reused = checked = 0
        if any(d.is_error for r in parsed for d in r.diagnostics):
            found.append(SEMANTICS_SKIPPED)
        else:
            cutover = workspace_cutover(settings.billed_through, setting_span(self._settings_text, "billed_through"))
            files = [r.file for r in parsed if r.file is not None]
            result = check_workspace(files, cutover=cutover, memo=self._memo)
            reused, checked = self._memo.reused, self._memo.checked
        semantic = result.diagnostics if result is not None else ()
        # the semantic ones come sorted and are most of them: merge, rather than sort them all again
        merged = tuple(heapq.merge(sorted_diagnostics(found), semantic, key=Diagnostic.sort_key))
        by_file: dict[str, list[Diagnostic]] = {}
        for diagnostic in merged:
            by_file.setdefault(diagnostic.span.file, []).append(diagnostic)
        return Snapshot(
            files={p: r.file for p, r in zip(paths, parsed, strict=True)},
            texts=dict(self._texts),
            settings=settings,
            diagnostics=merged,
            result=result,
            reused=reused,
            checked=checked,
            by_file={path: tuple(found_here) for path, found_here in by_file.items()},
        )
