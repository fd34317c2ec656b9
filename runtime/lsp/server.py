"""`avtale lsp`: the language server, on pygls.

One `Session` per workspace folder (the nearest avtale.toml above a file). Edits go to the session at
once; the check runs after a short pause in typing (DEBOUNCE), or at once when a request needs the
current names. After each check the server publishes diagnostics for every file whose diagnostics
changed, open or not.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcServerNotInitialized
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from compiler.settings import SETTINGS_FILE
from dsl.parser import parse
from dsl.printer import format_source
from dsl.span import Span
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger
from runtime.loader import WorkspaceError, find_root
from runtime.lsp import actions, completion, rename, symbols
from runtime.lsp.diagnostics import to_lsp
from runtime.lsp.hover import hover as hover_text
from runtime.lsp.index import Occurrence, WorkspaceIndex
from runtime.lsp.positions import UTF16, Lines
from runtime.lsp.session import Session

DEBOUNCE = 0.1
"""Seconds of quiet after an edit before the workspace is checked again."""
REQUEST_FAILED = -32803
"""LSP's RequestFailed: a request understood, and refused (a rename of an id issued documents hold)."""


class Refusal(JsonRpcException):
    """An answer of "no", with the reason, sent as the request's error."""

    def __init__(self, message: str) -> None:
        super().__init__(message=message, code=REQUEST_FAILED)


class _QuietRefusals(logging.Filter):
    """pygls logs every error response with its traceback; a refusal is an answer, not a fault."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], Refusal))


class AvtaleServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("avtale", _version(), text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.sessions: dict[Path, Session] = {}
        self.uris: dict[tuple[Path, str], str] = {}
        """The URI the client used for each file it opened, to publish under the same one."""
        self.seen_as: dict[Path, Path] = {}
        """Each workspace root (resolved) as the client named it, through any link (`/tmp` is a link on macOS):
        files the client has not opened are published under that name too, never under a second one."""
        self._pending: asyncio.TimerHandle | None = None
        self.debounce = DEBOUNCE
        self.started = False
        """Whether the client has sent `initialize`: requests before it are answered ServerNotInitialized."""

    # ------------------------------------------------------------- sessions
    @property
    def encoding(self) -> str:
        chosen = self.workspace.position_encoding
        return str(chosen) if chosen else UTF16

    def session_for(self, file: Path) -> Session | None:
        """The session of the workspace holding `file`, started on first use."""
        file = file.resolve()
        for root in sorted(self.sessions, key=lambda r: len(r.parts), reverse=True):
            if file == root or root in file.parents:
                return self.sessions[root]
        for session in self.sessions.values():  # a source folder outside its workspace (`sources = ["../x"]`)
            for folder in session.settings.sources:
                outside = (session.root / folder).resolve()
                if outside in file.parents:
                    return session
        found = find_root(file if file.is_dir() else file.parent)
        if found is None:
            return None
        return self.start_session(found)

    def start_session(self, root: Path) -> Session | None:
        root = root.resolve()
        if root in self.sessions:
            return self.sessions[root]
        try:
            session = Session(root)
        except WorkspaceError as exc:
            self.show(f"{exc}\nhelp: {exc.help}", types.MessageType.Error)
            return None
        self.sessions[root] = session
        return session

    def locate(self, uri: str) -> tuple[Session, str] | None:
        if not self.started:  # no `initialize` yet: say so, as LSP asks
            raise JsonRpcServerNotInitialized()
        fs = to_fs_path(uri)
        if fs is None:
            return None
        session = self.session_for(Path(fs))
        if session is None:
            return None
        return session, session.relative(Path(fs))

    def uri(self, session: Session, path: str) -> str:
        known = self.uris.get((session.root, path))
        if known is not None:
            return known
        shown = self.seen_as.get(session.root, session.root) / path
        return from_fs_path(os.path.normpath(shown)) or path

    def lines(self, session: Session, path: str) -> Lines:
        return Lines(session.text(path) or "", self.encoding)

    def show(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    # ----------------------------------------------------------- checking
    def schedule(self) -> None:
        """Check and publish after a pause in typing."""
        if self._pending is not None:
            self._pending.cancel()
        self._pending = asyncio.get_running_loop().call_later(self.debounce, self.publish)

    def publish(self) -> None:
        self._pending = None
        for session in list(self.sessions.values()):
            changed = session.changed_diagnostics()
            cache: dict[str, Lines] = {}

            def lines(path: str, session: Session = session, cache: dict[str, Lines] = cache) -> Lines:
                if path not in cache:
                    cache[path] = self.lines(session, path)
                return cache[path]

            def uri(path: str, session: Session = session) -> str:
                return self.uri(session, path)

            for path, found in changed.items():
                params = types.PublishDiagnosticsParams(
                    uri=uri(path), diagnostics=[to_lsp(d, lines, uri) for d in found]
                )
                self.text_document_publish_diagnostics(params)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("avtale")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout without install
        return "0"


server = AvtaleServer()


def _at(params: Any, *, parsed: bool = False) -> tuple[Session, str, int, int] | None:
    """The session, path and 1-based (line, column) of a request's text document position.

    With `parsed`, None while the file has syntax errors: its names are known from its last version
    that parsed, whose positions the current text no longer matches."""
    found = server.locate(params.text_document.uri)
    if found is None:
        return None
    session, path = found
    if parsed and session.parsed(path) is None:
        return None
    line, column = server.lines(session, path).to_column(params.position)
    return session, path, line, column


def _location(session: Session, span: Any) -> types.Location:
    return types.Location(server.uri(session, span.file), server.lines(session, span.file).range(span))


# ------------------------------------------------------------------ lifecycle
@server.feature(types.INITIALIZE)
def initialize(ls: AvtaleServer, params: types.InitializeParams) -> None:
    ls.started = True
    folders = [f.uri for f in params.workspace_folders or []] or ([params.root_uri] if params.root_uri else [])
    for uri in folders:
        fs = to_fs_path(uri)
        root = find_root(Path(fs)) if fs else None
        if root is not None:
            session = ls.start_session(root)
            if session is not None and fs is not None:
                named = Path(os.path.abspath(fs))  # the client's own spelling of the folder, links kept
                if named.resolve() == session.root or session.root in named.resolve().parents:
                    ls.seen_as[session.root] = named / session.root.relative_to(named.resolve())


@server.feature(types.INITIALIZED)
def initialized(ls: AvtaleServer, params: types.InitializedParams) -> None:
    watched = ls.client_capabilities.workspace
    dynamic = watched is not None and watched.did_change_watched_files is not None
    if dynamic and watched.did_change_watched_files.dynamic_registration:  # type: ignore[union-attr]
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[
                types.FileSystemWatcher(glob_pattern="**/*.avt"),
                types.FileSystemWatcher(glob_pattern=f"**/{SETTINGS_FILE}"),
                # a folder deleted or renamed is one event for the folder, which `**/*.avt` does not match
                types.FileSystemWatcher(glob_pattern="**", kind=types.WatchKind.Delete),
            ]
        )
        registration = types.Registration(
            id="avtale-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
        )
        ls.client_register_capability(types.RegistrationParams(registrations=[registration]))
    ls.publish()


# ----------------------------------------------------------------- documents
def _buffer(ls: AvtaleServer, uri: str) -> None:
    found = ls.locate(uri)
    if found is None:
        return
    session, path = found
    ls.uris[(session.root, path)] = uri
    session.set_buffer(path, ls.workspace.get_text_document(uri).source)
    ls.schedule()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: AvtaleServer, params: types.DidOpenTextDocumentParams) -> None:
    _buffer(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: AvtaleServer, params: types.DidChangeTextDocumentParams) -> None:
    _buffer(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: AvtaleServer, params: types.DidCloseTextDocumentParams) -> None:
    found = ls.locate(params.text_document.uri)
    if found is None:
        return
    session, path = found
    try:
        session.close_buffer(path)
    except WorkspaceError as exc:  # avtale.toml closed unsaved, and unreadable on disk
        ls.show(f"{exc}\nhelp: {exc.help}", types.MessageType.Error)
    ls.schedule()


def _reread(ls: AvtaleServer, uri: str) -> None:
    found = ls.locate(uri)
    if found is None:
        return
    session, path = found
    try:
        session.file_changed_on_disk(path)
    except WorkspaceError as exc:
        ls.show(f"{exc}\nhelp: {exc.help}", types.MessageType.Error)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: AvtaleServer, params: types.DidSaveTextDocumentParams) -> None:
    _reread(ls, params.text_document.uri)
    ls.schedule()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: AvtaleServer, params: types.DidChangeWatchedFilesParams) -> None:
    for change in params.changes:
        _reread(ls, change.uri)
    ls.schedule()


# ------------------------------------------------------------------ features
@server.feature(types.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: AvtaleServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
    uri = params.text_document.uri
    text = ls.workspace.get_text_document(uri).source
    name = Path(to_fs_path(uri) or uri).name
    if name == SETTINGS_FILE:
        return None
    parsed = parse(text, name)
    if parsed.file is None:
        ls.show(
            f"{name} has syntax errors, so it is not formatted: fix the errors marked in it first",
            types.MessageType.Warning,
        )
        return None
    canonical = format_source(parsed.file)
    if canonical == text:
        return []
    whole = types.Range(types.Position(0, 0), Lines(text, ls.encoding).end())
    return [types.TextEdit(range=whole, new_text=canonical)]


def _occurrence_at(params: Any) -> tuple[Session, WorkspaceIndex, Occurrence] | None:
    """The name under the cursor, in a file that parses, with its session and the workspace's index."""
    at = _at(params, parsed=True)
    if at is None:
        return None
    session, path, line, column = at
    index = session.index()
    found = index.at(path, line, column)
    return None if found is None else (session, index, found)


def _current(session: Session, spans: Iterable[Span]) -> list[types.Location]:
    """Locations, leaving out files that do not parse now: their positions come from an older parse."""
    broken = set(session.broken())
    return [_location(session, span) for span in spans if span.file not in broken]


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
def definition(ls: AvtaleServer, params: types.DefinitionParams) -> list[types.Location] | None:
    found = _occurrence_at(params)
    if found is None:
        return None
    session, index, occurrence = found
    return _current(session, (d.span for d in index.definition(occurrence))) or None


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
def references(ls: AvtaleServer, params: types.ReferenceParams) -> list[types.Location] | None:
    found = _occurrence_at(params)
    if found is None:
        return None
    session, index, occurrence = found
    every = index.references(occurrence.symbol, declarations=params.context.include_declaration)
    return _current(session, (o.span for o in every))


def _ledger_file(session: Session) -> Path:
    # as `avtale bill` finds it (runtime/cli/bill.py `ledger_path`)
    return (session.root / session.settings.ledger).resolve()


@server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
def prepare_rename(ls: AvtaleServer, params: types.PrepareRenameParams) -> types.PrepareRenamePlaceholder | None:
    at = _at(params, parsed=True)
    if at is None:
        return None
    session, path, line, column = at
    index = session.index()
    try:
        found = rename.target(index, path, line, column)
        rename.refuse_if_issued(_ledger_file(session), index, found.symbol)
    except rename.Refused as exc:
        raise Refusal(str(exc)) from None
    return types.PrepareRenamePlaceholder(
        range=ls.lines(session, path).range(found.span), placeholder=found.symbol.name
    )


@server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
def rename_symbol(ls: AvtaleServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    at = _at(params, parsed=True)
    if at is None:
        return None
    session, path, line, column = at
    index = session.index()
    broken = session.broken()
    if broken:
        more = f" and {len(broken) - 1} more" if len(broken) > 1 else ""
        raise Refusal(f"{broken[0]}{more} has syntax errors, so its names cannot be rewritten: fix them first")
    try:
        found = rename.target(index, path, line, column)
        occurrences = rename.edits(index, found, params.new_name, _ledger_file(session))
        rename.refuse_unparsable(occurrences, params.new_name, session.text)
    except rename.Refused as exc:
        raise Refusal(str(exc)) from None
    changes: dict[str, list[types.TextEdit]] = {}
    for occurrence in occurrences:
        span = occurrence.span
        edit = types.TextEdit(range=ls.lines(session, span.file).range(span), new_text=params.new_name)
        changes.setdefault(ls.uri(session, span.file), []).append(edit)
    return types.WorkspaceEdit(changes=changes)


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbol(ls: AvtaleServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol] | None:
    found = ls.locate(params.text_document.uri)
    if found is None:
        return None
    session, path = found
    file = session.parsed(path)
    if file is None:
        return None
    return symbols.document_symbols(file, ls.lines(session, path))


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[" ", ","]))
def complete(ls: AvtaleServer, params: types.CompletionParams) -> types.CompletionList | None:
    at = _at(params)
    if at is None:
        return None
    session, path, line, column = at
    text = session.text(path) or ""
    offset = sum(len(t) + 1 for t in text.split("\n")[: line - 1]) + column - 1
    items = completion.complete(session.index(), text, offset)
    return types.CompletionList(is_incomplete=False, items=items)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: AvtaleServer, params: types.HoverParams) -> types.Hover | None:
    at = _at(params)
    if at is None:
        return None
    session, path, line, column = at
    ledger = _open_ledger(_ledger_file(session))
    try:
        text = hover_text(session.snapshot(), path, line, column, date.today(), ledger)
    finally:
        if ledger is not None:
            ledger.close()
    if not text:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))


def _open_ledger(file: Path) -> Ledger | None:
    if not file.exists():
        return None
    try:
        return Ledger.open(file, create=False, read_only=True)
    except LedgerError:
        return None  # hover then says what the workspace alone says


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
def code_action(ls: AvtaleServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    found = ls.locate(params.text_document.uri)
    if found is None:
        return None
    session, path = found
    return actions.quick_fixes(params.text_document.uri, ls.lines(session, path), params.context.diagnostics)


def run() -> None:
    """Serve over stdin and stdout until the client says exit. Warnings and faults go to stderr,
    which editors show in the server's log."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_QuietRefusals())
    handler.setFormatter(logging.Formatter("avtale lsp: %(levelname)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    server.start_io()


if __name__ == "__main__":
    run()
