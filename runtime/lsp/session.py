"""One workspace as the editor sees it: the files on disk, with the open buffers over them, checked incrementally.

The files are found and read as `avtale check` reads them (runtime/loader.py); an open buffer stands in for
its file until it is closed. Every edit goes to the `Checker`, which re-parses that file alone and
re-checks only the declarations the edit reaches. After a check, `changed_diagnostics` gives the files
whose diagnostics differ from what was last published, so that an edit in a plan republishes the contract
files it affects, open or not, and nothing else.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

from compiler.incremental import Checker, Snapshot
from compiler.settings import SETTINGS_FILE, Settings, parse_settings
from dsl import ast
from dsl.diagnostics import Diagnostic, sorted_diagnostics
from runtime.loader import MAX_SOURCE_BYTES, SKIP_DIRS, Skipped, parse_inputs, read_files, read_regular
from runtime.lsp.index import FileIndex, WorkspaceIndex

Grouped = dict[str, tuple[Diagnostic, ...]]


class Session:
    """A workspace folder (holding avtale.toml) checked in memory."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.open: dict[str, str] = {}
        """Open buffers by workspace-relative path."""
        self._disk: dict[str, str] = {}
        self._read_problems: list[Diagnostic] = []
        self._settings_text = ""
        self.settings = Settings()
        self.checker = Checker()
        self._snapshot: Snapshot | None = None
        self._published: Grouped = {}
        self._file_index: dict[str, FileIndex] = {}
        self._good: dict[str, ast.SourceFile] = {}
        """Each file's last AST that parsed, so names stay known while a file is mid-edit."""
        self._index: WorkspaceIndex | None = None
        self._settle = False
        self.reload()

    # ----------------------------------------------------------------- paths
    def relative(self, file: Path) -> str:
        return Path(os.path.relpath(file.resolve(), self.root)).as_posix()

    def absolute(self, path: str) -> Path:
        return Path(os.path.normpath(self.root / path))

    def is_source(self, path: str) -> bool:
        """Whether a .avt path lies where `avtale check` looks for sources (so that a new, unsaved
        file counts), and outside the folders it skips."""
        if not path.endswith(".avt"):
            return False
        if path in self._disk:
            return True
        for source in self.settings.sources:
            folder = Path(os.path.normpath(source)).as_posix()
            inside = path if folder == "." else path.removeprefix(folder + "/")
            if folder != "." and inside == path:
                continue
            if inside.startswith("../"):
                continue
            if not any(p in SKIP_DIRS or p.startswith(".") for p in inside.split("/")[:-1]):
                return True
        return False

    # ------------------------------------------------------------ reading
    def reload(self) -> None:
        """Read avtale.toml and every source again (settings changed, or files changed on disk).

        Raises WorkspaceError when avtale.toml cannot be read; what was read before stays."""
        inputs = read_files(self.root)
        self._settings_text = inputs.settings_text
        self.settings = inputs.settings
        # the settings' own diagnostics come with every check; keep what reading the sources found
        problems = [d for d in inputs.diagnostics if d.span.file != SETTINGS_FILE]
        texts: dict[str, str] = {}
        not_text: dict[str, bytes] = {}
        for path in inputs.paths:
            data = inputs.sources.get(path)
            if data is None:
                continue  # unreadable: the loader reported it
            try:
                texts[path] = data.decode("utf-8")
            except UnicodeDecodeError:
                not_text[path] = data  # E0101, and no semantic checks, as `avtale check` does
        self._disk = texts
        self._read_problems = problems
        self.checker.set_settings(self.open.get(SETTINGS_FILE, self._settings_text))
        if not self.checker.paths:  # the first load: parses from the cache and the workers, as `avtale check`'s
            for path, result in parse_inputs(self.root, inputs).items():
                if path in texts:
                    self.checker.set_parsed(path, texts[path], result)
        self.checker.replace_all({**texts, **{p: t for p, t in self.open.items() if self.is_source(p)}})
        for path, data in not_text.items():
            if path not in self.open:
                self.checker.set_unreadable(path, data)
        self._snapshot = None
        self._settle = True

    def file_changed_on_disk(self, path: str) -> None:
        """A file was created, changed or deleted outside the editor."""
        if any(part in SKIP_DIRS or (part.startswith(".") and part != "..") for part in path.split("/")):
            return  # git's objects, caches: never sources (`avtale check` skips these folders too)
        if path == SETTINGS_FILE or (not path.endswith(".avt") and self._holds(path)):
            self.reload()  # the settings, or a folder of sources (deleted, renamed, checked out): read it all again
            return
        if not path.endswith(".avt"):
            return  # anything else deleted (an editor's backups, a build folder) is not ours
        if not self.is_source(path) and path not in self._disk:
            return
        try:
            text = read_regular(self.absolute(path), MAX_SOURCE_BYTES).decode("utf-8")
        except (OSError, Skipped, UnicodeDecodeError):
            self.reload()  # gone, or not a readable source: the loader says which
            return
        if any(d.span.file == path for d in self._read_problems):  # readable now: what reading it found is past
            self._read_problems = [d for d in self._read_problems if d.span.file != path]
            self._snapshot = None
        self._disk[path] = text
        if path not in self.open and self.checker.set_file(path, text):
            self._snapshot = None

    def set_buffer(self, path: str, text: str) -> None:
        """An open buffer's text (didOpen, didChange)."""
        if path == SETTINGS_FILE:
            self.open[path] = text
            self.checker.set_settings(text)
            self.settings = parse_settings(text)[0]
            self._snapshot = None
            return
        self.open[path] = text
        if self.is_source(path) and self.checker.set_file(path, text):
            self._snapshot = None

    def close_buffer(self, path: str) -> None:
        """The buffer closed: the file on disk counts again."""
        self.open.pop(path, None)
        if path == SETTINGS_FILE:
            self.reload()
        elif path in self._disk:
            if self.checker.set_file(path, self._disk[path]):
                self._snapshot = None
        elif self.absolute(path).exists():  # on disk, yet not text the session holds (not UTF-8): read it again
            self.reload()
        elif self.checker.remove_file(path):  # never saved
            self._snapshot = None

    def text(self, path: str) -> str | None:
        if path in self.open:
            return self.open[path]
        if path == SETTINGS_FILE:
            return self._settings_text
        return self._disk.get(path)

    # ----------------------------------------------------------- checking
    @property
    def dirty(self) -> bool:
        return self._snapshot is None

    def snapshot(self) -> Snapshot:
        """The workspace as checked after the latest edit (checking now if an edit is pending)."""
        if self._snapshot is None:
            self._snapshot = self.checker.check()
            self._index = None
            for path, file in self._snapshot.files.items():
                if file is not None:
                    self._good[path] = file
            for path in [p for p in self._good if p not in self._snapshot.files]:
                del self._good[path]
            if self._settle:
                # The workspace read and checked lives as long as the session. Out of the cyclic
                # collector's reach, full collections no longer scan it: at 10,000 contracts they
                # paused a keystroke's check for up to a second (bench/lsp_bench.py).
                gc.freeze()
                self._settle = False
        return self._snapshot

    def diagnostics(self) -> Grouped:
        """Every file's diagnostics, reading problems included, grouped by file."""
        found = dict(self.snapshot().by_file)
        for diagnostic in self._read_problems:  # few: what reading the files found
            path = diagnostic.span.file
            found[path] = tuple(sorted_diagnostics([*found.get(path, ()), diagnostic]))
        return found

    def changed_diagnostics(self) -> Grouped:
        """The files whose diagnostics changed since the last call, with the new ones (empty: cleared)."""
        now = self.diagnostics()
        changed = {path: now.get(path, ()) for path in sorted(now.keys() | self._published.keys())}
        changed = {path: found for path, found in changed.items() if self._published.get(path, ()) != found}
        self._published = now
        return changed

    # ------------------------------------------------------------ names
    def index(self) -> WorkspaceIndex:
        snapshot = self.snapshot()
        if self._index is None:
            files: dict[str, FileIndex] = {}
            for path in snapshot.files:
                file = self._good.get(path)
                if file is None:
                    continue
                known = self._file_index.get(path)
                if known is None or known.file is not file:
                    known = FileIndex(file, self._text_of(file, path))
                files[path] = known
            self._file_index = files
            self._index = WorkspaceIndex(files, snapshot.workspace)
        return self._index

    def _text_of(self, file: ast.SourceFile, path: str) -> str:
        snapshot = self.snapshot()
        text = snapshot.texts.get(path, "")
        # a file mid-edit keeps its last good AST; its positions belong to the text that parsed
        return text if snapshot.files.get(path) is file else ""

    def _holds(self, folder: str) -> bool:
        """Whether `folder` held a source the session read (a path other than a .avt file is a folder here)."""
        prefix = folder.rstrip("/") + "/"
        return any(path.startswith(prefix) for path in (*self._disk, *self.checker.paths))

    def broken(self) -> list[str]:
        """The files whose current text does not parse: their names are known only from an older parse, at
        positions that may no longer hold, so nothing is rewritten while there are any."""
        return sorted(path for path, file in self.snapshot().files.items() if file is None)

    def parsed(self, path: str) -> ast.SourceFile | None:
        """The file's AST if its current text parses."""
        return self.snapshot().files.get(path)
