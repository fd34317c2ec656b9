"""Finding, reading, parsing (in parallel, cached) and checking a workspace.

The compiler is a pure function of the sources; this module is where the file
system comes in. Parse results are cached per file by content hash, and the
diagnostics of a whole check by the hash of every input, so an unchanged
workspace re-checks without parsing or checking anything.

Only regular files (or links to them) up to MAX_SOURCE_BYTES are read as
sources, and links to folders are not followed: anything else is skipped with a
warning. Caches live in the user's cache folder, not in the workspace, and
carry an HMAC under a key only this user can read, checked before anything is
unpickled: a cache file someone else wrote is never loaded (docs/architecture.md).
"""

from __future__ import annotations

import atexit
import contextlib
import copyreg
import hashlib
import hmac
import multiprocessing
import operator
import os
import pickle
import secrets
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import attrs

from compiler.codes import SEMANTICS_SKIPPED
from compiler.settings import SETTINGS_FILE, Settings, parse_settings, setting_span
from dsl.diagnostics import Diagnostic, Label, Severity, error, warning
from dsl.span import Span
from runtime.memory import no_cyclic_gc

if TYPE_CHECKING:  # the parser and the checker are imported when a file has to be parsed or checked: an
    # unchanged workspace is answered from the cache without them (docs/performance.md)
    from compiler.workspace import CheckResult
    from dsl.parser import ParseResult
    from runtime.check_workers import Found

PARALLEL_MIN_BYTES = 2_000_000
"""Below this much source text, starting worker processes costs more than it saves."""
PARALLEL_MIN_FILES = 1000
"""`avtale check --no-cache` of this many files or more reads them in the processes that parse them."""
MAX_CHECK_WORKERS = 8
"""Processes a check from scratch is split over at most (runtime/check_workers.py)."""
SKIP_DIRS = {".git", ".avtale", ".venv", "node_modules", "__pycache__"}
MAX_SOURCE_BYTES = 64 * 1024 * 1024
"""The largest .avt file read. Ten thousand contracts make about 5 MB, so a 64 MiB file would hold
over a hundred thousand; anything larger is not a contract file (or should be split), and reading it
whole, then parsing it, would take gigabytes."""


def _code_version() -> str:
    """A hash of the parser and compiler code, and of the loader's and the check summary's, so a new
    version never reads an old cache."""
    digest = hashlib.sha256()
    base = Path(__file__).resolve().parent.parent
    here = Path(__file__).resolve()
    sources = [*(base / "dsl").rglob("*"), *(base / "compiler").rglob("*"), here, here.with_name("check_cache.py")]
    for path in sorted(sources):
        if path.suffix in (".py", ".lark"):
            digest.update(path.relative_to(base).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()


FLAT_DIAGNOSTICS: tuple[type, ...] = (Diagnostic, Span, Label)
"""What a check's cache holds most of, pickled as tuples (`Cache.write`)."""


class WorkspaceError(Exception):
    """A problem that stops loading before any diagnostics can be produced."""

    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.help = help


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding avtale.toml."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None


def _relative(root: Path, path: str) -> str:
    # relpath, not Path.relative_to: a source folder may lie outside the workspace (`sources = ["../x"]`)
    return Path(os.path.relpath(path, root)).as_posix()


def find_sources(root: Path, settings: Settings) -> tuple[list[str], list[str]]:
    """Every .avt name under the configured source folders, and every link to a folder found there,
    both as sorted paths relative to `root`.

    Links to folders are not followed: one could point at the whole disk or back at itself. A
    configured source folder is itself resolved, links and all, so pointing `sources` at the
    target reads it. The usage and output folders are data, so links there are not listed.
    """
    found: set[str] = set()
    linked: set[str] = set()
    data = {os.path.normpath(settings.usage), os.path.normpath(settings.output)}
    for source in settings.sources:
        base = (root / source).resolve()
        if not base.is_dir():
            continue
        for folder, dirs, files in os.walk(base):  # followlinks=False: links to folders are listed, not entered
            here = _relative(root, folder)  # once per folder: relpath per file was a third of an unchanged check
            prefix = "" if here == "." else here + "/"
            kept = []
            for name in sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")):
                if os.path.islink(os.path.join(folder, name)):
                    shown = _relative(root, os.path.join(folder, name))
                    if shown not in data:
                        linked.add(shown)
                else:
                    kept.append(name)
            dirs[:] = kept
            for name in files:
                if name.endswith(".avt"):
                    found.add(prefix + name)
    return sorted(found), sorted(linked)


def discover(root: Path, settings: Settings) -> list[str]:
    """Every .avt file under the configured source folders, as sorted relative paths."""
    return find_sources(root, settings)[0]


SKIPPED_SOURCE = "W0102"
"""The warning for a source file not read; a bill run refuses while there is one."""


class Skipped(Exception):
    """A path that is not read: not a regular file, or too large. The message says which, `help` what to do."""

    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.help = help


_KINDS = [
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
]


def _check_regular(mode: int, size: int, limit: int | None) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "something")
        raise Skipped(
            f"is {kind}, not a regular file",
            "only regular files (or links to them) are read as sources: move it out of the source folders",
        )
    if limit is not None and size > limit:
        raise _too_large(limit, size)


def _too_large(limit: int, size: int | None = None) -> Skipped:
    return Skipped(
        f"is larger than {_size(limit)}" + (f" ({size:,} bytes)" if size is not None else ""),
        f"files over {_size(limit)} are not read as sources: split it into several files",
    )


_OPEN = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def read_regular(path: Path, limit: int | None, *, follow_links: bool = True) -> bytes:
    """The bytes of the regular file at `path` (a link to one is fine unless `follow_links` is
    false), at most `limit` of them (`read_regular_stat` says more)."""
    return read_regular_stat(path, limit, follow_links=follow_links)[0]


def read_regular_stat(path: Path, limit: int | None, *, follow_links: bool = True) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file at `path`, and its stat as it was opened: a write after that changes
    the stat, so a stat recorded with the bytes' digest never vouches for other bytes.

    Raises Skipped for anything else, OSError when it cannot be read. Only a stat, never an open,
    touches a device or pipe; should one replace the file between that stat and the open, the open
    does not block (O_NONBLOCK), and fstat on what was opened catches it before any read.
    """
    found = os.stat(path, follow_symlinks=follow_links)
    if stat.S_ISLNK(found.st_mode):
        raise Skipped("is a symbolic link", "remove it")
    _check_regular(found.st_mode, found.st_size, limit)
    fd = os.open(path, _OPEN if follow_links else _OPEN | getattr(os, "O_NOFOLLOW", 0))
    try:
        opened = os.fstat(fd)
        _check_regular(opened.st_mode, opened.st_size, limit)
        pieces: list[bytes] = []
        total = 0
        want = opened.st_size + 1
        while piece := os.read(fd, want):
            pieces.append(piece)
            total += len(piece)
            if limit is not None and total > limit:  # it grew since the stat
                raise _too_large(limit)
            if len(piece) < want and total >= opened.st_size:
                break  # all fstat promised, and less than asked for: the end, without another read
            want = 1 << 16
        return b"".join(pieces), opened
    finally:
        os.close(fd)


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"


@attrs.define
class Workspace:
    """A loaded workspace: its sources, what parsing and checking found, and the model."""

    root: Path
    settings: Settings
    sources: Mapping[str, bytes]
    """Every source's bytes, avtale.toml included; read on demand when the check came from the cache."""
    diagnostics: list[Diagnostic]
    result: CheckResult | None = None
    """None when syntax errors stopped the semantic checks, or when only the diagnostics were asked
    for and came from the cache."""
    stats: dict[str, int] = attrs.Factory(dict)
    """How many of each declaration the workspace holds (for summaries)."""
    cached: bool = False
    revision: str | None = None
    """The commit the sources were read from (`load_revision`); None for the files on disk."""

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    def source_lines(self, file: str) -> list[str] | None:
        data = self.sources.get(file)
        if data is None:
            return None
        return data.decode("utf-8", errors="replace").split("\n")


def _parse_batch(batch: Sequence[tuple[str, bytes]]) -> list[bytes]:
    """Parse results, pickled once here: the same bytes travel to the parent and into the cache."""
    from dsl.parser import parse_bytes

    return [pickle.dumps(parse_bytes(data, path), protocol=pickle.HIGHEST_PROTOCOL) for path, data in batch]


def _parse_all(items: list[tuple[str, bytes]], jobs: int) -> list[bytes]:
    total = sum(len(data) for _, data in items)
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or total < PARALLEL_MIN_BYTES or len(items) < 2:
        return _parse_batch(items)
    stride = workers * 4
    batches = [items[i::stride] for i in range(stride)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        parsed = list(pool.map(_parse_batch, batches))
    results: list[bytes | None] = [None] * len(items)
    for i, batch_results in enumerate(parsed):
        results[i::stride] = batch_results
    return [r for r in results if r is not None]


PARENT_PARSE_WEIGHT = 1.4
"""How much more text the parent parses than a worker in `_parse_shared`: a worker also pickles what it parsed
(0.85 s of CPU to 2.0 s of parsing at 10,000 contracts), the parent does not."""


def _parse_shared(items: list[tuple[str, bytes]], jobs: int) -> list[tuple[ParseResult | None, bytes | None]]:
    """Each item's parse, in order: as a result where this process parsed it, pickled where a worker did. With
    workers, this process is one of them (it would wait otherwise), and what it parsed it never pickles or
    unpickles: a third of the cost of parsing in workers was sending the trees back."""
    from dsl.parser import parse_bytes  # before the fork: the workers inherit the built parser

    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or sum(len(data) for _, data in items) < PARALLEL_MIN_BYTES or len(items) < 2:
        return [(parse_bytes(data, path), None) for path, data in items]
    weights = [PARENT_PARSE_WEIGHT] + [1.0] * (workers - 1)
    loads = [0.0] * workers
    owners = []
    for _, data in items:  # dealt out in order, each to the share that is least loaded for its weight
        k = min(range(workers), key=lambda k: (loads[k] + len(data)) / weights[k])
        owners.append(k)
        loads[k] += len(data)
    theirs = [[item for item, k in zip(items, owners, strict=True) if k == worker] for worker in range(1, workers)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context) as pool:
        futures = {worker: pool.submit(_parse_batch, share) for worker, share in enumerate(theirs, 1) if share}
        mine = [parse_bytes(data, path) for (path, data), k in zip(items, owners, strict=True) if k == 0]
        blobs = {worker: iter(future.result()) for worker, future in futures.items()}
    own = iter(mine)  # each share's results in its own order, taken back in the items' order
    return [(next(own), None) if k == 0 else (None, next(blobs[k])) for k in owners]


def user_cache_home() -> Path | None:
    """`$XDG_CACHE_HOME/avtale`, else `~/.cache/avtale`; None when there is no home to put it in."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # the XDG spec: a relative value is to be ignored
        return Path(xdg) / "avtale"
    try:
        return Path.home() / ".cache" / "avtale"
    except RuntimeError:
        return None


KEY_FILE = "key"
KEY_BYTES = 32
_MAGIC = b"avtale-cache-1\n"
_MAC_BYTES = hashlib.sha256().digest_size


def user_key(home: Path) -> bytes | None:
    """This user's cache key: random bytes in a file only they can read, made on first use.

    None when it cannot be made, or when the file found is not one this user alone can have
    written (owned by someone else, or open to others): then nothing is cached.
    """
    path = home / KEY_FILE
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            temporary = home / f"{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, secrets.token_bytes(KEY_BYTES))
            finally:
                os.close(fd)
            try:
                os.link(temporary, path)  # never replaces a key another run made meanwhile
            except FileExistsError:
                pass
            finally:
                temporary.unlink(missing_ok=True)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        try:
            found = os.fstat(fd)
            mine = not hasattr(os, "getuid") or found.st_uid == os.getuid()
            if not stat.S_ISREG(found.st_mode) or not mine or found.st_mode & 0o077:
                return None
            key = os.read(fd, KEY_BYTES + 1)
        finally:
            os.close(fd)
    except OSError:
        return None
    return key if len(key) == KEY_BYTES else None


class _MacWriter:
    """A file that feeds an HMAC with everything written to it, so a pickle is signed as it streams."""

    def __init__(self, handle: BinaryIO, mac: hmac.HMAC) -> None:
        self.handle = handle
        self.mac = mac

    def write(self, data: bytes) -> int:
        self.mac.update(data)
        return self.handle.write(data)


def _by_fields(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """How an attrs class with slots is pickled as its fields' tuple: attrs' own `__getstate__` builds a dict
    per object, which made writing a check's ten thousand diagnostics five times slower; its
    `__setstate__` takes the tuple as well."""
    names = [a.name for a in attrs.fields(cls)]
    new = copyreg.__newobj__  # type: ignore[attr-defined]
    if len(names) == 1:
        name = names[0]
        return lambda value: (new, (cls,), (getattr(value, name),))
    get = operator.attrgetter(*names)
    return lambda value: (new, (cls,), get(value))


_FLAT: dict[tuple[type, ...], dict[type, Callable[[Any], tuple[Any, ...]]]] = {}


def _flat_dispatch(classes: tuple[type, ...]) -> dict[type, Callable[[Any], tuple[Any, ...]]]:
    table = _FLAT.get(classes)
    if table is None:
        table = _FLAT[classes] = {cls: _by_fields(cls) for cls in classes}
    return table


def flat_pickler(file: BinaryIO, classes: tuple[type, ...]) -> pickle.Pickler:
    """A pickler writing to `file` that pickles the attrs classes in `classes` as tuples (`_by_fields`)."""
    pickler = pickle.Pickler(file, protocol=pickle.HIGHEST_PROTOCOL)
    if classes:  # a table of its own replaces copyreg's: set only when there is something to flatten
        pickler.dispatch_table = _flat_dispatch(classes)
    return pickler


STALE_TEMPORARY_S = 3600
"""A cache file's temporary this old was left by a writer that was killed: `prune` removes it."""
_WRITERS: dict[Path, int] = {}
"""The children `Cache.write_behind` forked that have not been waited for, by the file each writes."""


def _wait_for(path: Path) -> None:
    pid = _WRITERS.pop(path, None)
    if pid is not None:
        with contextlib.suppress(ChildProcessError):  # already reaped
            os.waitpid(pid, 0)


def wait_for_writes() -> None:
    """Wait for every cache write still running in a child (`Cache.write_behind`)."""
    for path in list(_WRITERS):
        _wait_for(path)


class Cache:
    """Pickled parse results, check results and the checked model, each signed with this user's key.

    A file whose HMAC does not match is never unpickled: it was not written by this user's Avtale
    for this workspace and this name (a file committed to a repository, planted, or damaged).
    """

    def __init__(self, folder: Path | None, key: bytes = b"", root: Path | None = None) -> None:
        self.folder = folder if key else None  # no key, no cache: nothing unsigned is ever read
        self.key = key
        self.root = root
        self.scope = hashlib.sha256(os.fsencode(root)).hexdigest()[:32] if root is not None else ""
        """Which workspace, by a hash of its resolved root: signed along with each file, so that one
        workspace's cache never serves another; and, by default, the name of its folder."""

    @classmethod
    def for_workspace(cls, root: Path, settings: Settings) -> Cache:
        """The cache of the workspace at `root` (resolved): a folder of the user's cache named by the
        root's hash, or the folder the `cache` setting names. The key always comes from the user's
        cache folder; without one (no home, nothing writable) there is no cache."""
        home = user_cache_home()
        key = user_key(home) if home is not None else None
        if home is None or key is None:
            return cls(None)
        cache = cls(None, key, root)
        cache.folder = root / Path(settings.cache).expanduser() if settings.cache else home / cache.scope
        return cache

    def _path(self, name: str) -> Path | None:
        return self.folder / f"{name}-{CODE_VERSION}.pickle" if self.folder else None

    def _mac(self, name: str) -> hmac.HMAC:
        return hmac.new(self.key, f"{self.scope}\0{name}-{CODE_VERSION}\0".encode(), hashlib.sha256)

    def read(self, name: str) -> object:
        path = self._path(name)
        if path is None:
            return None
        _wait_for(path)
        try:
            data = memoryview(read_regular(path, limit=None, follow_links=False))  # ours are never links
        except (OSError, Skipped):
            return None
        if len(data) < len(_MAGIC) + _MAC_BYTES or data[: len(_MAGIC)] != _MAGIC:
            return None
        payload = data[len(_MAGIC) : len(data) - _MAC_BYTES]
        mac = self._mac(name)
        mac.update(payload)
        if not hmac.compare_digest(mac.digest(), data[len(data) - _MAC_BYTES :]):
            return None  # not written by this user's Avtale: never unpickled
        try:
            return pickle.loads(payload)
        except Exception:
            return None

    def write(self, name: str, value: object, *, flat: tuple[type, ...] = ()) -> None:
        """Store `value` under `name`; the attrs classes in `flat` are pickled as tuples (`_by_fields`)."""
        path = self._path(name)
        if path is None:
            return
        try:
            if not path.parent.is_dir():
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                if self.root is not None and path.parent.name == self.scope:  # which workspace, for people
                    (path.parent / "workspace.txt").write_text(f"{self.root}\n", encoding="utf-8")
            # Other code versions of this name only: `model-*` would also match the revision slots.
            for old in path.parent.glob(f"{name}-{'?' * len(CODE_VERSION)}.pickle"):
                if old != path:
                    old.unlink(missing_ok=True)
            # A new name each time, and O_EXCL, which also refuses a link planted under that name.
            temporary = path.with_suffix(f".{os.getpid()}.{secrets.token_hex(4)}.tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as handle:
                    mac = self._mac(name)
                    handle.write(_MAGIC)
                    flat_pickler(_MacWriter(handle, mac), flat).dump(value)  # type: ignore[arg-type]
                    handle.write(mac.digest())
                temporary.replace(path)
            except BaseException:  # a full disk, or Ctrl-C while a child writes behind: leave no half file
                temporary.unlink(missing_ok=True)
                raise
        except OSError:
            pass  # no writable cache folder: run without a cache

    def write_behind(
        self,
        name: str,
        value: object,
        *,
        prune: tuple[str, int] | None = None,
        build: Callable[[Any], object] | None = None,
    ) -> None:
        """`write` (then `prune`), in a forked child, while this process goes on: for a revision's model
        (`avtale diff`, `--rev`), whose pickling would otherwise hold up the next revision's load and the
        report, and for parse results this process has not pickled. With `build`, what is written is
        `build(value)`, made in the child. A `read` of the same name in this process waits for the child
        first, and `wait_for_writes` (also at exit) for all of them, so a command ends with its caches written."""
        path = self._path(name)
        if path is None:
            return
        _wait_for(path)
        try:
            pid = os.fork()
        except OSError:
            pid = -1
        if pid <= 0:  # the child, or no child: write here
            code = 0
            try:
                self.write(name, build(value) if build is not None else value)
                if prune is not None:
                    self.prune(*prune)
            except BaseException:
                code = 1
            if pid == 0:
                os._exit(code)  # without running the parent's exit handlers or flushing its buffers
            return
        if not _WRITERS:
            atexit.register(wait_for_writes)
        _WRITERS[path] = pid

    def prune(self, prefix: str, keep: int) -> None:
        """Delete all but the `keep` most recently written files whose names start with `prefix`."""
        if self.folder is None:
            return
        try:
            found = sorted(self.folder.glob(f"{prefix}*.pickle"), key=lambda f: f.stat().st_mtime, reverse=True)
            for old in found[keep:]:
                old.unlink(missing_ok=True)
            stale = time.time() - STALE_TEMPORARY_S  # a writer killed outright (SIGKILL, power) left these
            for temporary in self.folder.glob(f"{prefix}*.tmp"):
                if temporary.stat().st_mtime < stale:
                    temporary.unlink(missing_ok=True)
        except OSError:
            pass


def load(
    root: Path,
    *,
    need_model: bool = True,
    use_cache: bool = True,
    progress: Callable[[str], None] | None = None,
    notes: bool = True,
) -> Workspace:
    """Parse and check the workspace at `root` (the folder holding avtale.toml). With `notes` false the
    diagnostics leave out the notes (a workspace has one per contract), which a check in worker processes
    then never sends between them."""
    with no_cyclic_gc(keep=True):  # 40% of a cold check went to scanning acyclic ASTs
        loaded = _load(root, need_model=need_model, use_cache=use_cache, progress=progress, notes=notes)
    if not notes:
        loaded = attrs.evolve(loaded, diagnostics=[d for d in loaded.diagnostics if d.severity is not Severity.NOTE])
    return loaded


def load_revision(
    root: Path,
    rev: str,
    *,
    need_model: bool = True,
    use_cache: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Workspace:
    """Parse and check the workspace at `root` as committed at `rev` in the git repository holding it.

    The sources are the files git recorded (`Repo.tree_files`), found and checked as `load` finds and
    checks them on disk, with the same caches (parse results by content; the check and model of the
    last revision loaded in their own slots, so that the working tree's are kept). Paths in the
    diagnostics are relative to `root`, as always. Raises HistoryError when the revision, the
    repository or git cannot be had, or the workspace folder is not in the repository at `rev`;
    WorkspaceError when `rev` has no usable avtale.toml there.
    """
    with no_cyclic_gc(keep=True):
        return _load_revision(root, rev, need_model=need_model, use_cache=use_cache, progress=progress)


@attrs.frozen(kw_only=True)
class _Inputs:
    """What a load checks: the settings, every source read (avtale.toml included) and the .avt paths
    in order, with the warnings and errors met while reading them."""

    settings_text: str
    settings: Settings
    sources: dict[str, bytes]
    paths: list[str]
    diagnostics: list[Diagnostic]
    stats: dict[str, tuple[int, int, int, int]] = attrs.Factory(dict)
    """Each source's stat when it was opened (files on disk only)."""
    read_at: int = 0
    """When reading began (ns since the epoch): a file changed later than this, less `RACY_NS`, is not vouched for."""
    known: dict[str, str] = attrs.Factory(dict)
    """The digests of the files not read, because their stat matched the one recorded with the digest
    (`read_files` with `known`); they are in `paths` but not in `sources`."""


def read_settings(root: Path) -> tuple[str, Settings, list[Diagnostic]]:
    """avtale.toml at `root`: its text, the settings and what is wrong with them. WorkspaceError when
    it cannot be read as a settings file (a special or oversized file, not UTF-8, missing)."""
    settings_path = root / SETTINGS_FILE
    try:
        settings_text = read_regular(settings_path, MAX_SOURCE_BYTES).decode("utf-8")
    except Skipped as exc:
        raise WorkspaceError(f"{settings_path} {exc}", exc.help.replace("as sources", "as settings")) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"cannot read {settings_path}: {exc}", "check that the file exists and is UTF-8") from exc
    settings, diagnostics = parse_settings(settings_text)
    return settings_text, settings, diagnostics


StatEntries = Mapping[str, tuple[tuple[int, int, int, int], str]]
"""Each source's stat as it was read, with the digest of what was read (the "stat" cache)."""


@attrs.frozen
class Scan:
    """What `_unchanged` found before it gave up: the stat cache, and the sources found under the
    settings of that text, so that the check that follows need not read or walk them again."""

    entries: StatEntries
    settings_text: str
    found: tuple[list[str], list[str]]


def read_files(root: Path, known: StatEntries | None = None, scan: Scan | None = None) -> _Inputs:
    """The workspace's inputs as they are on disk; with `known`, a file whose stat is the one recorded
    there is not read, and its recorded digest goes in `_Inputs.known`. `scan` is `_unchanged`'s walk."""
    settings_text, settings, diagnostics = read_settings(root)
    sources: dict[str, bytes] = {SETTINGS_FILE: settings_text.encode()}
    same = scan is not None and scan.settings_text == settings_text
    candidates, linked = scan.found if scan is not None and same else find_sources(root, settings)
    paths: list[str] = []
    stats: dict[str, tuple[int, int, int, int]] = {}
    vouched: dict[str, str] = {}
    read_at = time.time_ns()
    prefix = os.path.join(root, "")
    for path in candidates:
        entry = known.get(path) if known else None
        if entry is not None:
            try:
                found = os.stat(prefix + path)
            except OSError:
                found = None
            if found is not None and stat.S_ISREG(found.st_mode) and _stat_key(found) == entry[0]:
                vouched[path] = entry[1]
                stats[path] = entry[0]
                paths.append(path)
                continue
        data, opened, problem = read_source(root, path)
        if data is not None and opened is not None:
            sources[path] = data
            stats[path] = _stat_key(opened)
        if problem is not None:
            diagnostics.append(problem)
            if not problem.is_error:  # skipped: not a source
                continue
        paths.append(path)
    diagnostics += _linked_warnings(linked)
    return _Inputs(
        settings_text=settings_text,
        settings=settings,
        sources=sources,
        paths=paths,
        diagnostics=diagnostics,
        stats=stats,
        read_at=read_at,
        known=vouched,
    )


def read_source(root: Path, path: str) -> tuple[bytes | None, os.stat_result | None, Diagnostic | None]:
    """One source's bytes and its stat as opened; or what stopped it being read: a warning when it is not a
    source at all (not a regular file, too large: skipped), an error when it cannot be read (E0109)."""
    try:
        data, opened = read_regular_stat(root / path, MAX_SOURCE_BYTES)
        return data, opened, None
    except Skipped as skipped:
        return (
            None,
            None,
            warning(SKIPPED_SOURCE, f"{path} {skipped}; it was not read", Span(path, 0, 0, 0, 0), help=skipped.help),
        )
    except OSError as exc:
        return (
            None,
            None,
            error(
                "E0109",
                f"cannot read {path}: {exc.strerror or exc}",
                Span(path, 1, 1, 1, 1),
                help="check the file's permissions, or move it out of the workspace",
            ),
        )


def _linked_warnings(linked: list[str]) -> list[Diagnostic]:
    return [
        warning(
            "W0103",
            f"{folder} is a link to a folder; the files under it were not read",
            Span(folder, 0, 0, 0, 0),
            help="links to folders are not followed, so that none can loop or reach the whole disk; "
            "to read that folder, name its target under `sources` in avtale.toml",
        )
        for folder in linked
    ]


def _in_sources(path: str, folders: Sequence[str]) -> bool:
    """Whether the root-relative POSIX `path` lies under one of `folders` (root-relative, "" the root)
    without passing through a folder `find_sources` skips."""
    for folder in folders:
        if folder and not path.startswith(folder + "/"):
            continue
        inside = path[len(folder) + 1 :] if folder else path
        parts = inside.split("/")[:-1]
        if not any(part in SKIP_DIRS or part.startswith(".") for part in parts):
            return True
    return False


def _read_revision(root: Path, rev: str) -> tuple[_Inputs, str]:
    """The workspace's inputs as committed at `rev`, and the commit's full id."""
    from runtime.history import Repo

    repo = Repo.at(root)
    commit = repo.resolve(rev)
    tree = repo.tree_files(rev, root)
    shown = f"{SETTINGS_FILE} at revision `{rev}` ({commit[:12]})"
    data = tree.get(SETTINGS_FILE)
    if data is None:
        raise WorkspaceError(
            f"there is no {SETTINGS_FILE} in {root} at revision `{rev}` ({commit[:12]})",
            "the folder was not a workspace at that revision: pick a later one (`git log --oneline -- "
            f"{SETTINGS_FILE}` in the workspace lists the commits that touched its settings)",
        )
    if len(data) > MAX_SOURCE_BYTES:
        raise WorkspaceError(f"{shown} {_too_large(MAX_SOURCE_BYTES, len(data))}", "it is not a settings file")
    try:
        settings_text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WorkspaceError(f"cannot read {shown}: {exc}", "the committed file is not UTF-8") from exc
    settings, diagnostics = parse_settings(settings_text)
    folders: list[str] = []
    outside: list[str] = []
    for source in settings.sources:
        folder = Path(os.path.normpath(source)).as_posix()
        if folder == ".":
            folders.append("")
        elif folder == ".." or folder.startswith("../") or os.path.isabs(folder):
            outside.append(source)
        else:
            folders.append(folder)
    if outside:
        raise WorkspaceError(
            f"{shown} names source folders outside the workspace ({', '.join(outside)}); they cannot be read "
            "at a revision",
            "at a revision only the workspace's own folder is read from git: keep the sources inside it",
        )
    sources: dict[str, bytes] = {SETTINGS_FILE: settings_text.encode()}
    paths: list[str] = []
    for path, content in tree.items():
        if not path.endswith(".avt") or not _in_sources(path, folders):
            continue
        if len(content) > MAX_SOURCE_BYTES:
            skipped = _too_large(MAX_SOURCE_BYTES, len(content))
            diagnostics.append(
                warning(SKIPPED_SOURCE, f"{path} {skipped}; it was not read", Span(path, 0, 0, 0, 0), help=skipped.help)
            )
            continue
        sources[path] = content
        paths.append(path)
    inputs = _Inputs(
        settings_text=settings_text, settings=settings, sources=sources, paths=sorted(paths), diagnostics=diagnostics
    )
    return inputs, commit


def _load(
    root: Path,
    *,
    need_model: bool,
    use_cache: bool,
    progress: Callable[[str], None] | None,
    notes: bool = True,
) -> Workspace:
    root = root.resolve()
    seen: list[Scan] = []
    if use_cache and not need_model and (answered := _unchanged(root, seen)) is not None:
        return answered
    if use_cache and not need_model:
        from runtime.check_cache import check_incremental

        if (answered := check_incremental(root, seen[0] if seen else None, progress)) is not None:
            return answered
    split = True
    if not use_cache and not need_model:
        answered, tried = _check_unread(root, progress, notes)
        if answered is not None:
            return answered
        split = not tried  # a worker was lost: this check is not split again
    inputs = read_files(root)
    if not use_cache:  # --no-cache: what is recorded of the files is not to be trusted either
        Cache.for_workspace(root, inputs.settings).write("stat", {})
    return _check(root, inputs, need_model=need_model, use_cache=use_cache, progress=progress, split=split)


def _load_revision(
    root: Path,
    rev: str,
    *,
    need_model: bool,
    use_cache: bool,
    progress: Callable[[str], None] | None,
) -> Workspace:
    root = root.resolve()
    if progress:
        progress(f"reading revision {rev}")
    inputs, commit = _read_revision(root, rev)
    workspace = _check(root, inputs, need_model=need_model, use_cache=use_cache, progress=progress, slot=REVISION_SLOT)
    workspace.revision = commit
    return workspace


PARSED_HERE = 256
"""A revision load that shares the last one's checks parses up to this many changed files itself, rather
than reading and rewriting the whole parse cache for them."""
REVISION_SLOT = "-rev"
"""The suffix of the check and model cache files of a revision load, followed by a hash of the
revision's inputs: kept apart from the working tree's, so that checking a past revision never evicts
the model the next bill run loads, and one per revision, so that `avtale diff A B` finds both."""
REVISION_SLOTS = 4
"""Revisions whose check and model stay cached (a 10,000-contract model is some 20 MB)."""


def _check_key(settings_text: str, digests: dict[str, str], paths: Iterable[str] = ()) -> str:
    """What a check's result depends on: the settings, every source's path and content digest, and the
    paths found but not read (a dangling link is an error, and a file in the count)."""
    whole = hashlib.sha256(settings_text.encode())
    for path, digest in digests.items():
        whole.update(f"{path}\0{digest}\n".encode())
    for path in paths:
        if path not in digests:
            whole.update(f"{path}\0unread\n".encode())
    return whole.hexdigest()


RACY_NS = 2_000_000_000
"""A file changed this close to when its digest was recorded may have changed again within the same
timestamp (git's "racy" case): its recorded digest is not trusted, and it is read."""


def _stat_key(found: os.stat_result) -> tuple[int, int, int, int]:
    return (found.st_mtime_ns, found.st_size, found.st_ino, found.st_ctime_ns)


def _remember_stats(cache: Cache, inputs: _Inputs, digests: dict[str, str]) -> None:
    """Each source's stat, as it was when it was read, with its digest, so that the next check of an unchanged
    workspace need not read any file: a stat that matches, and is not racy, vouches for the digest."""
    entries: dict[str, tuple[tuple[int, int, int, int], str]] = {}
    trusted = inputs.read_at - RACY_NS
    for path, digest in digests.items():
        found = inputs.stats.get(path)
        if found is not None and found[0] < trusted and found[3] < trusted:  # mtime and ctime
            entries[path] = (found, digest)
    cache.write("stat", entries)


def _unchanged(root: Path, seen: list[Scan] | None = None) -> Workspace | None:
    """An unchanged workspace's check, answered from the stat and check caches without reading a source; None
    when any source's stat differs from the one recorded with its digest (then every file is read). What it
    read and walked is appended to `seen`, for the check that follows."""
    settings_text, settings, diagnostics = read_settings(root)
    cache = Cache.for_workspace(root, settings)
    entries = cache.read("stat")
    if not isinstance(entries, dict) or not entries:
        return None
    candidates, linked = find_sources(root, settings)
    if seen is not None:
        seen.append(Scan(entries, settings_text, (candidates, linked)))
    digests: dict[str, str] = {}
    for path in candidates:
        entry = entries.get(path)
        try:
            found = os.stat(root / path)
        except OSError:
            return None
        if entry is None or entry[0] != _stat_key(found) or not stat.S_ISREG(found.st_mode):
            return None
        digests[path] = entry[1]
    hit = cache.read("check")
    if not (isinstance(hit, tuple) and len(hit) == 3 and hit[0] == _check_key(settings_text, digests)):
        return None
    sources = LazySources(root, [SETTINGS_FILE, *candidates], {SETTINGS_FILE: settings_text.encode()})
    found_before = list(diagnostics) + _linked_warnings(linked) + list(hit[1])
    return Workspace(root, settings, sources, found_before, stats=hit[2], cached=True)


class LazySources(Mapping[str, bytes]):
    """A workspace's sources by path: those already read, and the others read from disk when first asked
    for (an unreadable one reads as empty; the check that found it said so)."""

    def __init__(self, root: Path, paths: list[str], read: dict[str, bytes]) -> None:
        self.root = root
        self.paths = paths
        self.names = frozenset(paths)
        self.read = read

    def __getitem__(self, path: str) -> bytes:
        if path not in self.read:
            if path not in self.names:
                raise KeyError(path)
            try:
                self.read[path] = read_regular(self.root / path, MAX_SOURCE_BYTES)
            except (OSError, Skipped):
                self.read[path] = b""
        return self.read[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)


def _check(
    root: Path,
    inputs: _Inputs,
    *,
    need_model: bool,
    use_cache: bool,
    progress: Callable[[str], None] | None,
    slot: str = "",
    split: bool = True,
) -> Workspace:
    """Parse and check `inputs`, answering from the caches where their content was seen before."""
    settings, settings_text, sources, paths = inputs.settings, inputs.settings_text, inputs.sources, inputs.paths
    diagnostics = inputs.diagnostics
    digests = {path: hashlib.sha256(sources[path]).hexdigest() for path in paths if path in sources}
    cache = Cache.for_workspace(root, settings) if use_cache else Cache(None)
    check_key = _check_key(settings_text, digests, paths)
    if use_cache and not slot and inputs.stats:
        _remember_stats(cache, inputs, digests)
    if slot == REVISION_SLOT:  # each revision's inputs in a slot of their own
        slot = f"{REVISION_SLOT}-{check_key[:16]}"

    if not need_model:
        hit = cache.read("check" + slot)
        if isinstance(hit, tuple) and len(hit) == 3 and hit[0] == check_key:
            return Workspace(root, settings, sources, list(diagnostics) + list(hit[1]), stats=hit[2], cached=True)
    else:
        hit = cache.read("model" + slot)
        from compiler.workspace import CheckResult

        if isinstance(hit, tuple) and len(hit) == 4 and hit[0] == check_key and isinstance(hit[3], CheckResult):
            _, found_before, counts, checked = hit
            everything = list(diagnostics) + list(found_before)
            return Workspace(root, settings, sources, everything, checked, counts, cached=True)

    # A revision's model, or the working tree's after one (`avtale diff`), is checked with what the last such
    # load in this process found, by content: only what the changed files touch is checked again.
    result: CheckResult | None = None
    if need_model and (bool(slot) or root in _shared_roots()):
        from compiler.cutover import workspace_cutover
        from runtime.check_cache import shared_check

        def parse(few: list[str]) -> list[ParseResult]:
            """A few files parsed here, leaving the parse cache as it is; many through it."""
            if len(few) > PARSED_HERE:
                return _load_parses(few, sources, digests, cache, settings, progress, keep_others=True, behind=True)
            return [pickle.loads(blob) for blob in _parse_all([(path, sources[path]) for path in few], settings.jobs)]

        cutover = workspace_cutover(settings.billed_through, setting_span(settings_text, "billed_through"))
        parse_diagnostics, result = shared_check(root, digests, sources, cache, parse, cutover)
    elif not need_model and cache.folder is None:
        items: list[tuple[str, bytes | None]] = [(path, sources[path]) for path in paths if path in digests]
        if split and sum(len(data) for _, data in items if data is not None) >= PARALLEL_MIN_BYTES:
            checked = _check_split(root, settings_text, settings, items, progress)
            if checked is not None:
                return _split_workspace(root, settings, sources, diagnostics, paths, checked)
        parsed = _load_parses(paths, sources, digests, cache, settings, progress, keep_others=bool(slot), behind=True)
        parse_diagnostics = [d for r in parsed for d in r.diagnostics]
    else:
        parsed = _load_parses(paths, sources, digests, cache, settings, progress, keep_others=bool(slot), behind=True)
        parse_diagnostics = [d for r in parsed for d in r.diagnostics]
    if any(d.is_error for d in parse_diagnostics):
        semantic: list[Diagnostic] = [SEMANTICS_SKIPPED]
    else:
        if progress:
            progress("checking")
        from compiler.cutover import workspace_cutover
        from compiler.workspace import check_workspace

        if result is None:
            cutover = workspace_cutover(settings.billed_through, setting_span(settings_text, "billed_through"))
            result = check_workspace([r.file for r in parsed if r.file is not None], cutover=cutover)
        semantic = list(result.diagnostics)
    found = parse_diagnostics + semantic
    stats = {"files": len(paths)}
    if result is not None:
        model = result.workspace
        stats.update(
            customers=len(model.customers),
            plans=len(model.plans),
            contracts=len(model.contracts),
        )
    cache.write("check" + slot, (check_key, tuple(found), stats), flat=FLAT_DIAGNOSTICS)
    if need_model and result is not None and result.ok:
        # What bill runs load: one pickle of the model instead of every file's AST
        # plus the whole check, and compact in memory, since no AST was built around it.
        if slot:  # a revision's: the diff or the report goes on while it is written
            prune = (f"model{REVISION_SLOT}-", REVISION_SLOTS)  # again once written: the parent's ran before
            cache.write_behind("model" + slot, (check_key, tuple(found), stats, result), prune=prune)
        else:
            cache.write("model" + slot, (check_key, tuple(found), stats, result))
    if slot:
        for name in ("check", "model"):
            cache.prune(f"{name}{REVISION_SLOT}-", REVISION_SLOTS)
    return Workspace(root, settings, sources, list(diagnostics) + found, result, stats)


def _check_split(
    root: Path,
    settings_text: str,
    settings: Settings,
    items: list[tuple[str, bytes | None]],
    progress: Callable[[str], None] | None,
    notes: bool = True,
) -> Found | None:
    """A check from scratch that keeps nothing, over every core (runtime/check_workers.py); None on a
    machine with one core, or when a worker was lost (the caller then checks here)."""
    workers = _workers(settings)
    if workers <= 1 or len(items) < 2:
        return None
    from compiler.cutover import workspace_cutover
    from runtime.check_workers import check_in_workers

    if progress:
        progress(f"reading, parsing and checking {len(items)} files")
    cutover = workspace_cutover(settings.billed_through, setting_span(settings_text, "billed_through"))
    return check_in_workers(items, root, cutover, workers, notes=notes)


def _workers(settings: Settings) -> int:
    return min(settings.jobs or os.cpu_count() or 1, MAX_CHECK_WORKERS)


def _split_workspace(
    root: Path,
    settings: Settings,
    sources: Mapping[str, bytes],
    diagnostics: list[Diagnostic],
    paths: list[str],
    split: Found,
) -> Workspace:
    """The workspace a check in workers found, as `_check` would have returned it (without the model)."""
    found = split.parse + (split.semantic if split.semantic is not None else [SEMANTICS_SKIPPED])
    return Workspace(root, settings, sources, diagnostics + found, None, {"files": len(paths), **split.counts})


def _check_unread(
    root: Path, progress: Callable[[str], None] | None, notes: bool = True
) -> tuple[Workspace | None, bool]:
    """`avtale check --no-cache` of a workspace of many files: each file is read by the process that parses
    it (runtime/check_workers.py). Also whether it was tried: None and false when there are too few files
    for it (or one core), None and true when a worker was lost."""
    settings_text, settings, diagnostics = read_settings(root)
    candidates, linked = find_sources(root, settings)
    if len(candidates) < PARALLEL_MIN_FILES or _workers(settings) <= 1:
        return None, False
    split = _check_split(root, settings_text, settings, [(path, None) for path in candidates], progress, notes)
    if split is None:
        return None, True
    Cache.for_workspace(root, settings).write("stat", {})  # what is recorded of the files is not trusted either
    sources = {SETTINGS_FILE: settings_text.encode(), **split.sources}
    everything = diagnostics + split.read + _linked_warnings(linked)
    return _split_workspace(root, settings, sources, everything, split.listed, split), True


def _shared_roots() -> Iterable[Path]:
    """The workspaces a revision load of this process left its checks for (runtime/check_cache.py)."""
    import sys

    module = sys.modules.get("runtime.check_cache")
    return getattr(module, "SHARED", {}).keys() if module is not None else ()


def parse_inputs(root: Path, inputs: _Inputs) -> dict[str, ParseResult]:
    """Each source's parse, from the workspace's parse cache where its content was parsed before, the rest in
    worker processes as `avtale check` parses them (the editor server's first load)."""
    sources, paths = inputs.sources, inputs.paths
    digests = {path: hashlib.sha256(sources[path]).hexdigest() for path in paths if path in sources}
    cache = Cache.for_workspace(root, inputs.settings)
    parsed = _load_parses(paths, sources, digests, cache, inputs.settings, None)
    return dict(zip(sorted(digests), parsed, strict=True))


def _load_parses(
    paths: Iterable[str],
    sources: dict[str, bytes],
    digests: dict[str, str],
    cache: Cache,
    settings: Settings,
    progress: Callable[[str], None] | None,
    *,
    keep_others: bool = False,
    behind: bool = False,
) -> list[ParseResult]:
    """The parse result of each path, from the cache where its digest matches, else parsed now.

    The cache is rewritten to hold just these paths, or, with `keep_others` (a revision's load), these
    paths on top of what it held, so that the working tree's files stay cached beside the revision's.
    With `behind` (a command line's load, never the editor server's), this process parses a share of the
    files itself and a forked child pickles those for the cache while the check goes on (`_parse_shared`,
    `Cache.write_behind`). A command's progress display may have a thread running then; the child only
    pickles and writes a file of its own and ends with `os._exit`, so it takes no lock that thread holds.
    """
    stored = cache.read("parse")
    known: dict[str, tuple[str, bytes]] = stored if isinstance(stored, dict) else {}
    fresh: dict[str, tuple[str, bytes]] = {}
    here: dict[str, ParseResult] = {}
    todo: list[tuple[str, bytes]] = []
    for path in paths:
        if path not in digests:
            continue
        hit = known.get(path)
        if hit is not None and hit[0] == digests[path]:
            fresh[path] = hit
        else:
            todo.append((path, sources[path]))
    if todo:
        if progress:
            progress(f"parsing {len(todo)} file{'s' if len(todo) != 1 else ''}")
        if behind:
            for (path, _), (result, blob) in zip(todo, _parse_shared(todo, settings.jobs), strict=True):
                if blob is None:
                    assert result is not None
                    here[path] = result
                    fresh[path] = (digests[path], b"")  # pickled by the child that writes the cache
                else:
                    fresh[path] = (digests[path], blob)
        else:
            for (path, _), parsed in zip(todo, _parse_all(todo, settings.jobs), strict=True):
                fresh[path] = (digests[path], parsed)
    written = {**known, **fresh} if keep_others else fresh
    if todo or (not keep_others and len(fresh) != len(known)):
        if here:
            cache.write_behind("parse", (written, here), build=_pickled_here)
        else:
            cache.write("parse", written)
    return [here[path] if path in here else pickle.loads(fresh[path][1]) for path in sorted(fresh)]


def _pickled_here(value: tuple[dict[str, tuple[str, bytes]], dict[str, ParseResult]]) -> dict[str, tuple[str, bytes]]:
    """The parse cache with the results this process parsed pickled in (in the child that writes it)."""
    written, here = value
    protocol = pickle.HIGHEST_PROTOCOL
    return {
        path: (digest, pickle.dumps(here[path], protocol) if path in here else blob)
        for path, (digest, blob) in written.items()
    }
