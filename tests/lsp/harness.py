"""A language client that starts the server as a subprocess and talks to it over stdio, as editors do."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient, client_capabilities, make_test_lsp_client

REPO = Path(__file__).resolve().parents[2]
SERVER = (sys.executable, "-m", "runtime.lsp.server")
CLI = (sys.executable, "-c", "from runtime.cli.lsp import lsp; lsp(['--stdio'], prog_name='avtale lsp')")
"""`avtale lsp --stdio`, the click command (runtime/cli/lsp.py) as VS Code's client starts it."""


def uri(path: Path) -> str:
    found = from_fs_path(str(path.resolve()))
    assert found is not None
    return found


def unresolved_uri(path: Path) -> str:
    """The URI of `path` as written, links kept (as an editor names a folder it opened through a link)."""
    found = from_fs_path(str(path))
    assert found is not None
    return found


@asynccontextmanager
async def serving_unresolved(root: Path) -> AsyncIterator[LanguageClient]:
    """The server on `root` named as written, through any link in it."""
    async with serving(root, name=unresolved_uri) as client:
        yield client


@asynccontextmanager
async def serving(
    root: Path,
    *,
    encodings: list[str] | None = None,
    command: tuple[str, ...] = SERVER,
    name: Callable[[Path], str] = uri,
) -> AsyncIterator[LanguageClient]:
    """The server on the workspace at `root`, initialised as VS Code would."""
    client = make_test_lsp_client()

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        """Accept the file watching the server asks for (this client sends the events itself)."""

    await client.start_io(*command, cwd=str(REPO))
    capabilities = client_capabilities("visual-studio-code")
    if encodings is not None:
        capabilities.general = types.GeneralClientCapabilities(position_encodings=encodings)
    folder = types.WorkspaceFolder(uri=name(root), name=root.name)
    ok = False
    try:
        await client.initialize_session(
            types.InitializeParams(capabilities=capabilities, root_uri=name(root), workspace_folders=[folder])
        )
        yield client
        await asyncio.wait_for(client.shutdown_session(), 10)
        ok = True
    finally:
        server = client._server
        if not ok and server is not None and server.returncode is None:
            server.kill()  # a failed test must not wait on a server that may be stuck
        await asyncio.wait_for(client.stop(), 10)


async def until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait until `condition()` holds (it reads what the client has received)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out waiting for the server"
        await asyncio.sleep(0.02)


def open_file(client: LanguageClient, path: Path, version: int = 1) -> str:
    document = types.TextDocumentItem(uri=uri(path), language_id="avt", version=version, text=path.read_text("utf-8"))
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=document))
    return document.uri


def replace(
    client: LanguageClient, file_uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str
) -> None:
    """An incremental didChange: the text between two 0-based (line, character) positions."""
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(*start), types.Position(*end)), text=text
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=file_uri, version=version),
            content_changes=[change],
        )
    )


def codes(client: LanguageClient, file_uri: str) -> list[str]:
    return sorted(str(d.code) for d in client.diagnostics.get(file_uri, []))
