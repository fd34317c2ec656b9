"""Finding, reading, parsing (in parallel, cached) and checking a workspace.

The compiler is a pure function of the sources; this module is where the file
system comes in. Parse results are cached per file by content hash, and the
diagnostics of a whole check by the hash of every input, so an unchanged
workspace re-checks without parsing or checking anything.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import attrs

from compiler.settings import SETTINGS_FILE, Settings, parse_settings
from compiler.workspace import CheckResult, check_workspace
from dsl.diagnostics import Diagnostic, error, note
from dsl.parser import ParseResult, parse_bytes
from dsl.span import Span
from runtime.memory import no_cyclic_gc

PARALLEL_MIN_BYTES = 2_000_000
"""Below this much source text, starting worker processes costs more than it saves."""
SKIP_DIRS = {".git", ".avtale", ".venv", "node_modules", "__pycache__"}


def _code_version() -> str:
    """A hash of the parser and compiler code, so a new version never reads an old cache."""
    digest = hashlib.sha256()
    base = Path(__file__).resolve().parent.parent
    sources = [*(base / "dsl").rglob("*"), *(base / "compiler").rglob("*"), Path(__file__).resolve()]
    for path in sorted(sources):
        if path.suffix in (".py", ".lark"):
            digest.update(path.relative_to(base).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()


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


def discover(root: Path, settings: Settings) -> list[str]:
    """Every .avt file under the configured source folders, as sorted relative paths."""
    found: set[str] = set()
    for source in settings.sources:
        base = (root / source).resolve()
        if not base.is_dir():
            continue
        for folder, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            for name in files:
                if name.endswith(".avt"):
                    found.add(Path(folder, name).relative_to(root).as_posix())
    return sorted(found)


@attrs.define
class Workspace:
    """A loaded workspace: its sources, what parsing and checking found, and the model."""

    root: Path
    settings: Settings
    sources: dict[str, bytes]
    diagnostics: list[Diagnostic]
    result: CheckResult | None = None
    """None when syntax errors stopped the semantic checks, or when only the diagnostics were asked
    for and came from the cache."""
    stats: dict[str, int] = attrs.Factory(dict)
    """How many of each declaration the workspace holds (for summaries)."""
    cached: bool = False

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


class Cache:
    """Pickled parse results, check results and the checked model under the workspace's cache folder."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _path(self, name: str) -> Path | None:
        return self.folder / f"{name}-{CODE_VERSION}.pickle" if self.folder else None

    def read(self, name: str) -> object:
        path = self._path(name)
        if path is None or not path.is_file():
            return None
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)
        except Exception:
            return None

    def write(self, name: str, value: object) -> None:
        path = self._path(name)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.glob(f"{name}-*.pickle"):
                if old != path:
                    old.unlink(missing_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")  # two runs at once never write one file
            with temporary.open("wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            temporary.replace(path)
        except OSError:
            pass  # a read-only workspace simply runs without a cache


def load(
    root: Path,
    *,
    need_model: bool = True,
    use_cache: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Workspace:
    """Parse and check the workspace at `root` (the folder holding avtale.toml)."""
    with no_cyclic_gc():  # 40% of a cold check went to scanning acyclic ASTs
        return _load(root, need_model=need_model, use_cache=use_cache, progress=progress)


def _load(
    root: Path,
    *,
    need_model: bool,
    use_cache: bool,
    progress: Callable[[str], None] | None,
) -> Workspace:
    root = root.resolve()
    settings_path = root / SETTINGS_FILE
    try:
        settings_text = settings_path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"cannot read {settings_path}: {exc}", "check that the file exists and is UTF-8") from exc
    settings, diagnostics = parse_settings(settings_text)
    sources: dict[str, bytes] = {SETTINGS_FILE: settings_text.encode()}
    paths = discover(root, settings)
    for path in paths:
        try:
            sources[path] = (root / path).read_bytes()
        except OSError as exc:
            diagnostics.append(
                error(
                    "E0109",
                    f"cannot read {path}: {exc.strerror or exc}",
                    Span(path, 1, 1, 1, 1),
                    help="check the file's permissions, or move it out of the workspace",
                )
            )
    digests = {path: hashlib.sha256(sources[path]).hexdigest() for path in paths if path in sources}
    cache = Cache(root / settings.cache if use_cache else None)
    whole = hashlib.sha256(settings_text.encode())
    for path, digest in digests.items():
        whole.update(f"{path}\0{digest}\n".encode())
    check_key = whole.hexdigest()

    if not need_model:
        hit = cache.read("check")
        if isinstance(hit, tuple) and len(hit) == 3 and hit[0] == check_key:
            return Workspace(root, settings, sources, list(diagnostics) + list(hit[1]), stats=hit[2], cached=True)
    else:
        hit = cache.read("model")
        if isinstance(hit, tuple) and len(hit) == 4 and hit[0] == check_key and isinstance(hit[3], CheckResult):
            _, found_before, counts, checked = hit
            everything = list(diagnostics) + list(found_before)
            return Workspace(root, settings, sources, everything, checked, counts, cached=True)

    parsed = _load_parses(paths, sources, digests, cache, settings, progress)
    parse_diagnostics = [d for r in parsed for d in r.diagnostics]
    result: CheckResult | None = None
    if any(d.is_error for d in parse_diagnostics):
        semantic: list[Diagnostic] = [
            note(
                "N0101",
                "semantic checks did not run because of the syntax errors above",
                Span(SETTINGS_FILE, 0, 0, 0, 0),
                help="fix the syntax errors and run the check again",
            )
        ]
    else:
        if progress:
            progress("checking")
        result = check_workspace([r.file for r in parsed if r.file is not None])
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
    cache.write("check", (check_key, tuple(found), stats))
    if need_model and result is not None and result.ok:
        # What bill runs load: one pickle of the model instead of every file's AST
        # plus the whole check, and compact in memory, since no AST was built around it.
        cache.write("model", (check_key, tuple(found), stats, result))
    return Workspace(root, settings, sources, list(diagnostics) + found, result, stats)


def _load_parses(
    paths: Iterable[str],
    sources: dict[str, bytes],
    digests: dict[str, str],
    cache: Cache,
    settings: Settings,
    progress: Callable[[str], None] | None,
) -> list[ParseResult]:
    stored = cache.read("parse")
    known: dict[str, tuple[str, bytes]] = stored if isinstance(stored, dict) else {}
    fresh: dict[str, tuple[str, bytes]] = {}
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
        for (path, _), parsed in zip(todo, _parse_all(todo, settings.jobs), strict=True):
            fresh[path] = (digests[path], parsed)
    if todo or len(fresh) != len(known):
        cache.write("parse", fresh)
    return [pickle.loads(fresh[path][1]) for path in sorted(fresh)]
