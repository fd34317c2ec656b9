"""Faults in the workspace are clear outcomes: no hang, no crash, no code run from a planted file.

Whatever could hang (a FIFO, a link to /dev/zero) runs in a subprocess with a timeout, so that a
regression fails the test instead of stopping the suite.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.settings import Settings
from dsl.diagnostics import sorted_diagnostics
from dsl.render import MAX_LINE_SHOWN, render_json, render_text
from dsl.span import Span
from runtime import loader

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 120
"""Seconds a subprocess may take before the test fails: far above what any of them needs."""


@pytest.fixture
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder / "avtale"


def avtale(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command line in a process of its own, with the test's user cache folder."""
    env = {k: v for k, v in os.environ.items() if k != "AVTALE_DEBUG"}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-c", "from runtime.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=cwd,
    )


@pytest.fixture
def workspace(tmp_path: Path, user_cache: Path) -> Path:
    root = tmp_path / "ws"
    done = avtale("init", str(root))
    assert done.returncode == 0, done.stderr
    return root


# 1. Only regular files are read as sources


def test_a_fifo_and_a_link_to_dev_zero_are_skipped_with_warnings(workspace: Path) -> None:
    os.mkfifo(workspace / "contracts" / "pipe.avt")
    (workspace / "zero.avt").symlink_to("/dev/zero")
    done = avtale("--workspace", str(workspace), "check")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "warning[W0102]: contracts/pipe.avt is a named pipe (FIFO), not a regular file; it was not read" in out
    assert "warning[W0102]: zero.avt is a character device, not a regular file; it was not read" in out
    assert "= help: only regular files (or links to them) are read as sources" in out
    assert out.strip().endswith("checked 4 files, 1 contract, 1 plan, 1 customer: no errors, 2 warnings")
    again = avtale("--workspace", str(workspace), "check")  # answered from the cache: the warnings stay
    assert again.stdout == out


RACE = """
import os, sys
from pathlib import Path
from runtime import loader

root = Path(sys.argv[1])
real_open = os.open
swapped = []

def racing_open(path, flags, *args, **kwargs):
    # the file becomes a FIFO after the loader's stat and before its open
    if str(path).endswith("race.avt") and not swapped:
        swapped.append(path)
        os.unlink(path)
        os.mkfifo(path)
    return real_open(path, flags, *args, **kwargs)

os.open = racing_open
workspace = loader.load(root, use_cache=False)
print(swapped != [], [(d.code, d.message) for d in workspace.diagnostics if d.code.startswith("W01")])
"""


def test_a_fifo_that_replaces_a_file_after_the_stat_does_not_block(workspace: Path) -> None:
    (workspace / "race.avt").write_text('customer other {\n  name "Other AS"\n  orgnr "922152799"\n}\n')
    done = subprocess.run(
        [sys.executable, "-c", RACE, str(workspace)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "True [('W0102', 'race.avt is a named pipe (FIFO), not a regular file; it was not read')]"
    )


def test_a_file_over_the_size_limit_is_skipped(
    workspace: Path, user_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "MAX_SOURCE_BYTES", 1_000)
    (workspace / "big.avt").write_text("# padding\n" * 150)
    loaded = loader.load(workspace)
    (skipped,) = [d for d in loaded.diagnostics if d.code == "W0102"]
    assert skipped.message == "big.avt is larger than 1,000 bytes (1,500 bytes); it was not read"
    assert skipped.help == "files over 1,000 bytes are not read as sources: split it into several files"
    assert skipped.span == Span("big.avt", 0, 0, 0, 0)
    assert loaded.ok and "big.avt" not in loaded.sources


def test_the_limit_is_generous_for_contract_files() -> None:
    assert loader.MAX_SOURCE_BYTES == 64 * 1024 * 1024


def test_a_link_to_a_regular_file_is_read(workspace: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "other.avt").write_text('customer other {\n  name "Other AS"\n  orgnr "922152799"\n}\n')
    (workspace / "other.avt").symlink_to(elsewhere / "other.avt")
    loaded = loader.load(workspace, use_cache=False)
    assert loaded.ok and [d.code for d in loaded.diagnostics if d.code.startswith("W")] == []
    assert loaded.result is not None and "other" in loaded.result.workspace.customers


def test_links_to_folders_are_not_followed_and_each_is_named(workspace: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "other.avt").write_text('customer other {\n  name "Other AS"\n  orgnr "922152799"\n}\n')
    (workspace / "contracts" / "shared").symlink_to(shared)
    (workspace / "contracts" / "loop").symlink_to(workspace)
    data = tmp_path / "events"
    data.mkdir()
    (workspace / "usage").rmdir()
    (workspace / "usage").symlink_to(data)  # a data folder, not a source: not worth a warning
    loaded = loader.load(workspace, use_cache=False)
    linked = [(d.code, d.message, d.span.file) for d in loaded.diagnostics if d.code.startswith("W")]
    assert linked == [
        ("W0103", "contracts/loop is a link to a folder; the files under it were not read", "contracts/loop"),
        ("W0103", "contracts/shared is a link to a folder; the files under it were not read", "contracts/shared"),
    ]
    assert all("name its target under `sources`" in d.help for d in loaded.diagnostics if d.code == "W0103")
    assert loaded.ok and loaded.result is not None and "other" not in loaded.result.workspace.customers
    # as the help says: the target named under `sources` is read, also outside the workspace
    (workspace / "avtale.toml").write_text(f'sources = [".", "{shared}"]\n')
    again = loader.load(workspace, use_cache=False)
    assert again.result is not None and "other" in again.result.workspace.customers
    assert "../shared/other.avt" in again.sources


# 2. Nothing is unpickled from inside a workspace, nor anything this user did not write


class Planted:
    """A pickle that, when loaded, creates the file `marker`: what a committed cache file could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def _signed(payload: bytes, key: bytes, scope: str, name: str) -> bytes:
    mac = hmac.new(key, f"{scope}\0{name}-{loader.CODE_VERSION}\0".encode() + payload, hashlib.sha256)
    return b"avtale-cache-1\n" + payload + mac.digest()


def _plant(folder: Path, content: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("parse", "check", "model"):
        (folder / f"{name}-{loader.CODE_VERSION}.pickle").write_bytes(content)


@pytest.mark.parametrize(
    "where", ["old location", "new location, bare", "new location, no MAC", "new location, another user's key"]
)
def test_a_planted_cache_pickle_never_runs(workspace: Path, tmp_path: Path, user_cache: Path, where: str) -> None:
    marker = tmp_path / "pwned"
    evil = pickle.dumps(Planted(marker))
    folder = loader.Cache.for_workspace(workspace.resolve(), Settings()).folder
    assert folder is not None and folder.is_relative_to(user_cache)
    scope = hashlib.sha256(os.fsencode(workspace.resolve())).hexdigest()[:32]
    assert folder.name == scope
    if where == "old location":
        _plant(workspace / ".avtale" / "cache", evil)
    elif where == "new location, bare":
        _plant(folder, evil)
    elif where == "new location, no MAC":
        _plant(folder, b"avtale-cache-1\n" + evil + bytes(32))
    else:
        _plant(folder, b"")
        for name in ("parse", "check", "model"):
            (folder / f"{name}-{loader.CODE_VERSION}.pickle").write_bytes(_signed(evil, b"x" * 32, scope, name))
    checked = loader.load(workspace, need_model=False)
    modelled = loader.load(workspace)
    done = avtale("--workspace", str(workspace), "check")
    assert not marker.exists()
    assert checked.ok and not checked.cached and modelled.ok and modelled.result is not None
    assert done.returncode == 0 and "no problems" in done.stdout
    assert loader.load(workspace).cached  # what this user's Avtale wrote over them is used


def test_a_cache_folder_set_inside_the_workspace_refuses_unsigned_files(
    workspace: Path, tmp_path: Path, user_cache: Path
) -> None:
    (workspace / "avtale.toml").write_text('cache = ".avtale/cache"\n')
    marker = tmp_path / "pwned"
    _plant(workspace / ".avtale" / "cache", pickle.dumps(Planted(marker)))
    first = loader.load(workspace)
    assert not marker.exists() and first.ok and not first.cached
    assert loader.load(workspace).cached


# 3. `avtale init` writes a .gitignore, and nothing the next commands warn about


def test_init_writes_a_gitignore_for_the_ledger_and_the_output(workspace: Path) -> None:
    patterns = [
        line for line in (workspace / ".gitignore").read_text().splitlines() if line and not line.startswith("#")
    ]
    assert patterns == [
        "/ledger.sqlite",
        "/ledger.sqlite-wal",
        "/ledger.sqlite-shm",
        "/ledger.sqlite-journal",
        "/out/",
        "/.avtale/",
    ]
    assert (workspace / "usage").is_dir() and list((workspace / "usage").iterdir()) == []


def test_after_init_the_next_commands_print_no_warning(workspace: Path) -> None:
    for args in (["check"], ["usage", "summary"], ["bill", "--as-of", "2026-07-01"]):
        done = avtale(*args, cwd=workspace)
        assert done.returncode == 0, (args, done.stderr)
        assert done.stderr == "", args
        assert not re.search(r"^\s*(warning|note)\b", done.stdout, re.MULTILINE), (args, done.stdout)
    assert not (workspace / ".avtale").exists()


def test_init_in_a_folder_with_a_gitignore_adds_to_it(tmp_path: Path, user_cache: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".gitignore").write_text("*.pyc\n/out/\n")
    done = avtale("init", str(root))
    assert done.returncode == 0, done.stderr
    assert f"updated {root / '.gitignore'}" in done.stdout
    text = (root / ".gitignore").read_text()
    assert text.startswith("*.pyc\n/out/\n\n# added by `avtale init`\n/ledger.sqlite\n")
    assert text.count("/out/") == 1


# 4. A diagnostic quoting a huge line stays short


@pytest.mark.parametrize(
    "text",
    [
        "customer " + "a" * 1_000_000,  # a huge name, quoted in the message
        "x" * 1_000_000,  # a huge token, underlined
        " " * 1_000_000 + "}",  # the place is far beyond what is shown
        'customer c { name "' + "å" * 1_000_000,  # an unterminated string
    ],
    ids=["name", "token", "far", "string"],
)
def test_a_megabyte_on_one_line_renders_a_short_diagnostic(tmp_path: Path, text: str) -> None:
    (tmp_path / "avtale.toml").write_text("")
    (tmp_path / "huge.avt").write_text(text)
    loaded = loader.load(tmp_path, use_cache=False)
    shown = [d for d in sorted_diagnostics(loaded.diagnostics) if d.is_error]
    assert shown
    rendered = "\n\n".join(render_text(d, loaded.source_lines) for d in shown)
    assert len(rendered) < 2_500 * len(shown)
    assert max(len(line) for line in rendered.splitlines()) <= MAX_LINE_SHOWN + 100
    quoted = [line for line in rendered.splitlines() if line.startswith("1 | ")]
    assert quoted and all(line == "1 | " + text[:MAX_LINE_SHOWN].replace("\t", " ") + "…" for line in quoted)
    assert len(render_json(shown)) < 2_000 * len(shown)
    assert json.loads(render_json(shown))["summary"]["errors"] == len(shown)


def test_a_place_beyond_the_shown_text_is_marked_at_its_end(tmp_path: Path) -> None:
    (tmp_path / "avtale.toml").write_text("")
    (tmp_path / "far.avt").write_text(" " * 5_000 + "}\n")
    loaded = loader.load(tmp_path, use_cache=False)
    (closes,) = [d for d in loaded.diagnostics if d.code == "E0108"]
    lines = render_text(closes, loaded.source_lines).splitlines()
    assert lines[1] == " --> far.avt:1:5001"
    assert lines[3] == "1 | " + " " * MAX_LINE_SHOWN + "…"
    assert lines[4] == "  | " + " " * MAX_LINE_SHOWN + "^ no `{` is open here"
