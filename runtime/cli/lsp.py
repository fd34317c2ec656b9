"""`avtale lsp`: the language server, for editors (docs/editor.md)."""

from __future__ import annotations

import click


@click.command()
@click.option("--stdio", is_flag=True, help="Talk over stdin and stdout (the default, and the only way).")
def lsp(stdio: bool) -> None:
    """Run the language server over stdin and stdout.

    Editors start it themselves (VS Code's extension in editors/vscode, Neovim's
    vim.lsp.start, Emacs's eglot); see docs/editor.md. It serves diagnostics as
    you type, formatting, go to definition, references, rename, symbols,
    completion, hover and quick fixes for the workspace holding each file.
    """
    # imported here: pygls is needed by this command only
    from runtime.lsp.server import run

    run()
