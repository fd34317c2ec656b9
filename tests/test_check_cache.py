"""`avtale check` from the previous check's summary (runtime/check_cache.py) gives what a check from scratch
gives, byte for byte, over any sequence of edits; and after one edit it parses one file."""

from __future__ import annotations

import itertools
import os
import pickle
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.cutover import workspace_cutover
from compiler.settings import setting_span
from compiler.summary import ContentMemo, FileStub, TableState, stub
from compiler.workspace import CheckResult, check_workspace
from dsl import ast
from dsl.parser import parse
from runtime import check_cache, loader
from runtime.loader import Workspace, load, load_revision
from tests.history.gitrepo import ISOLATED, GitRepo

EXAMPLES = Path(__file__).parent.parent / "contracts_examples"
CONTRACT = "contracts/SKT-2026-011-lofoten-rorbu-team.avt"
PLAN = "plans/team.avt"
CUSTOMERS = "customers/bedrifter.avt"
TIMES = itertools.count(1)


def sources() -> dict[str, str]:
    found = {p.relative_to(EXAMPLES).as_posix(): p.read_text("utf-8") for p in sorted(EXAMPLES.rglob("*.avt"))}
    return {path: text for path, text in found.items() if not path.startswith("import/")}


TEXTS = sources()
SETTINGS = (EXAMPLES / "avtale.toml").read_text("utf-8").replace('einvoice_rules = "../../shared/einvoice"', "")


def write(root: Path, path: str, text: str) -> None:
    """Write a file with an mtime of its own, so that its stat differs from any recorded before."""
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    stamp = 1_600_000_000_000_000_000 + next(TIMES) * 1_000_000_000
    os.utime(target, ns=(stamp, stamp))


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Every stat is trusted at once (not after 2 s), so that unchanged files are never read: the path
    # under test. `write` gives each write a distinct mtime, so no change hides behind a recorded stat.
    monkeypatch.setattr(loader, "RACY_NS", 0)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "ws"
    folder.mkdir()
    write(folder, "avtale.toml", SETTINGS)
    for path, text in TEXTS.items():
        write(folder, path, text)
    return folder


def scratch(root: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The oracle: a check from scratch (`--no-cache`), with a cache folder of its own, which it empties."""
    with monkeypatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(root.parent / "scratch-cache"))
        return load(root, need_model=False, use_cache=False)


def same(root: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    checked = load(root, need_model=False)
    fresh = scratch(root, monkeypatch)
    assert checked.diagnostics == fresh.diagnostics  # in the same order: what `avtale check` prints
    assert checked.stats == fresh.stats
    return checked


EDITS = [
    ("quantity 6", "quantity 60"),
    ("customer lofoten_rorbu", "customer lofoten_rorbux"),  # unknown customer: a did-you-mean
    ("plan team", "plan teamx"),  # unknown plan
    ("flat 2_690.00", "flat -2_690.00"),  # negative price in a plan
    ("signed", "sigend"),  # a syntax error
    ('name "Lofoten Rorbuferie AS"', ""),  # a customer without a name
    ("customer lofoten_rorbu {", "customer lofoten_rorbu2 {"),  # a customer renamed
    ("metric api_calls", "metric api_callz"),  # a metric renamed
    ("metric", "# metric"),  # metrics commented out
    ("2025-10 139.1", "2025-10 139.9"),  # an index value
    ("index kpi", "index kpj"),  # an index renamed
    ("billed monthly", "billed quarterly"),
    ("contract SKT-2025-001", "contract SKT-2025-002"),  # a duplicate contract id
]

Step = tuple[str, str, int]
steps = st.tuples(
    st.sampled_from(["edit", "edit", "edit", "remove", "add", "rename", "settings", "garbage"]),
    st.sampled_from(sorted(TEXTS)),
    st.integers(0, len(EDITS) - 1),
)


def apply(root: Path, texts: dict[str, str], step: Step) -> None:
    kind, path, which = step
    if kind == "settings":
        billed = "\nbilled_through = 2026-02-28\n"
        text = (root / "avtale.toml").read_text("utf-8")
        write(root, "avtale.toml", text.replace(billed, "") if billed in text else text + billed)
        return
    if kind == "garbage":  # bytes that are not UTF-8: E0101, which stops the semantic checks
        (root / "contracts" / "garbage.avt").write_bytes(b"contract \xff\xfe {\n")
        return
    if path not in texts:
        texts[path] = TEXTS[path]
        write(root, path, texts[path])
        return
    if kind == "remove" and len(texts) > 1:
        del texts[path]
        (root / path).unlink()
    elif kind == "add":  # a copy of the file under another name: every declaration in it twice
        copy = f"extra/{which}-{Path(path).name}"
        texts[copy] = texts[path]
        write(root, copy, texts[copy])
    elif kind == "rename":
        moved = f"moved/{Path(path).name}"
        texts[moved] = texts.pop(path)
        (root / path).unlink()
        write(root, moved, texts[moved])
    else:
        old, new = EDITS[which]
        texts[path] = texts[path].replace(old, new, 1)
        write(root, path, texts[path])


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(steps, min_size=1, max_size=6), st.sampled_from([0, 5, check_cache.COMPACT]))
def test_any_sequence_of_edits_checks_as_a_check_from_scratch(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, edits: list[Step], compact: int
) -> None:
    folder = tmp_path_factory.mktemp("edits")
    with monkeypatch.context() as patch:
        patch.setattr(loader, "RACY_NS", 0)
        patch.setattr(check_cache, "COMPACT", compact)  # a whole summary written each time, now and then, or once
        patch.setenv("XDG_CACHE_HOME", str(folder / "cache"))
        root = folder / "ws"
        root.mkdir()
        write(root, "avtale.toml", SETTINGS)
        texts = dict(TEXTS)
        for path, text in texts.items():
            write(root, path, text)
        same(root, patch)
        for step in edits:
            apply(root, texts, step)
            same(root, patch)
        garbage = root / "contracts" / "garbage.avt"
        if garbage.exists():  # and back to a workspace that checks: the entries kept through it still hold
            garbage.unlink()
            same(root, patch)


def test_one_changed_contract_is_the_only_file_parsed(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load(root, need_model=False)
    write(root, CONTRACT, TEXTS[CONTRACT].replace("quantity 6", "quantity 7"))
    said: list[str] = []
    read: list[str] = []
    reading = loader.Cache.read

    def spy(self: loader.Cache, name: str) -> object:
        read.append(name)
        return reading(self, name)

    monkeypatch.setattr(loader.Cache, "read", spy)
    checked = load(root, need_model=False, progress=said.append)
    assert said == ["parsing 1 file", "checking"]
    assert "parse" not in read  # the few declarations looked up are parsed from their (small) files
    fresh = scratch(root, monkeypatch)
    assert checked.diagnostics == fresh.diagnostics


def test_unchanged_files_are_not_read(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load(root, need_model=False)
    write(root, CONTRACT, TEXTS[CONTRACT].replace("quantity 6", "quantity 7"))
    opened: list[str] = []
    reading = loader.read_regular_stat

    def spy(path: Path, limit: int | None, *, follow_links: bool = True):  # type: ignore[no-untyped-def]
        if Path(path).is_relative_to(root):  # not the cache's files
            opened.append(Path(path).relative_to(root).as_posix())
        return reading(path, limit, follow_links=follow_links)

    monkeypatch.setattr(loader, "read_regular_stat", spy)
    load(root, need_model=False)
    # Besides the settings and the changed contract, only the files of the declarations its check looks up,
    # and of those checked every time (the seller, metrics, indices), are read, to be parsed again.
    assert set(opened) == {
        "avtale.toml",
        CONTRACT,
        "seller.avt",
        "catalog/metrics.avt",
        "catalog/indices.avt",
        "customers/bedrifter.avt",
    }, opened


@pytest.mark.parametrize("damage", [b"", b"avtale-cache-1\n", b"avtale-cache-1\n" + b"\0" * 40])
def test_a_damaged_summary_falls_back_to_a_check_from_scratch(
    root: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes
) -> None:
    load(root, need_model=False)
    cache = loader.Cache.for_workspace(root, loader.read_settings(root)[1])
    assert cache.folder is not None
    (summary,) = cache.folder.glob(f"{check_cache.SUMMARY}-*.pickle")
    summary.write_bytes(damage)
    write(root, PLAN, TEXTS[PLAN].replace("flat 2_690.00", "flat 2_790.00", 1))
    same(root, monkeypatch)


def test_a_truncated_summary_falls_back_to_a_check_from_scratch(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load(root, need_model=False)
    cache = loader.Cache.for_workspace(root, loader.read_settings(root)[1])
    assert cache.folder is not None
    (summary,) = cache.folder.glob(f"{check_cache.SUMMARY}-*.pickle")
    summary.write_bytes(summary.read_bytes()[:-100])
    write(root, CONTRACT, TEXTS[CONTRACT].replace("quantity 6", "quantity 8"))
    same(root, monkeypatch)


def test_a_summary_signed_with_another_key_is_not_unpickled(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load(root, need_model=False)
    cache = loader.Cache.for_workspace(root, loader.read_settings(root)[1])
    assert cache.folder is not None
    other = loader.Cache(cache.folder, b"k" * 32, root)
    other.write(check_cache.SUMMARY, "planted")  # a valid pickle, under someone else's key
    loads = pickle.loads
    seen: list[object] = []

    def spy(data: bytes) -> object:
        seen.append(loads(data))
        return seen[-1]

    monkeypatch.setattr(pickle, "loads", spy)
    write(root, CONTRACT, TEXTS[CONTRACT].replace("quantity 6", "quantity 9"))
    same(root, monkeypatch)
    assert "planted" not in seen


def test_a_file_changed_behind_a_vouched_stat_falls_back(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stub's file is read to resolve a declaration, and it is not the content its stat vouched for: the
    check starts again from scratch rather than use the other content."""
    load(root, need_model=False)
    stamp = (root / CUSTOMERS).stat()
    text = TEXTS[CUSTOMERS].replace("Lofoten Rorbuferie AS", "Lofoten Rorbuferie ASA")
    (root / CUSTOMERS).write_text(text, encoding="utf-8")
    os.utime(root / CUSTOMERS, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    entries = loader.Cache.for_workspace(root, loader.read_settings(root)[1]).read("stat")
    assert isinstance(entries, dict)
    found = os.stat(root / CUSTOMERS)
    entries[CUSTOMERS] = (loader._stat_key(found), entries[CUSTOMERS][1])  # the stat vouches for the old digest
    loader.Cache.for_workspace(root, loader.read_settings(root)[1]).write("stat", entries)
    write(root, CONTRACT, TEXTS[CONTRACT].replace("customer lofoten_rorbu", "customer lofoten_rorbu "))
    checked = load(root, need_model=False)
    fresh = scratch(root, monkeypatch)
    assert checked.diagnostics == fresh.diagnostics


def test_a_plan_edit_reaches_the_contracts_that_follow_it(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load(root, need_model=False)
    write(root, PLAN, TEXTS[PLAN].replace("plan team", "plan teem", 1))  # its followers now name no plan
    checked = same(root, monkeypatch)
    assert any(d.code == "E0302" and d.span.file.startswith("contracts/") for d in checked.diagnostics)


# The compiler level: a ContentMemo kept across a process boundary (pickled) with its results gives the
# model of a check from scratch, and checks again only what an edit reaches.


Kept = tuple[dict[tuple[str, str], tuple[object, ...]], dict[str, TableState]]


def _check(texts: dict[str, str], previous: Kept | None) -> tuple[CheckResult, ContentMemo, Kept]:
    """Check `texts` with a ContentMemo of what `previous` kept; what this check keeps, through pickle."""
    parsed = {path: parse(text, path) for path, text in sorted(texts.items())}
    trees = {path: result.file for path, result in parsed.items() if result.file is not None}
    entries, tables = previous if previous is not None else ({}, {})

    def resolve(path: str, digest: str) -> ast.SourceFile:
        return trees[path]

    memo = ContentMemo(entries, resolve, keep_results=True, tables=tables)
    for path, tree in trees.items():
        memo.add_file(stub(path, f"{path}-{hash(texts[path])}", tree), tree)
    cutover = workspace_cutover(None, setting_span("", "billed_through"))
    result = check_workspace(list(trees.values()), cutover=cutover, memo=memo)
    kept: Kept = pickle.loads(pickle.dumps(({k: tuple(v) for k, v in memo.saved.items()}, memo.tables())))
    return result, memo, kept


def _plain(texts: dict[str, str]) -> CheckResult:
    files = [parse(text, path).file for path, text in sorted(texts.items())]
    return check_workspace([f for f in files if f is not None])


def test_a_content_memo_with_results_gives_the_model_of_a_check_from_scratch() -> None:
    texts = {path: text for path, text in TEXTS.items()}
    _, first, kept = _check(texts, None)
    assert first.reused == 0
    edited = {**texts, CONTRACT: texts[CONTRACT].replace("quantity 6", "quantity 7")}
    result, memo, _ = _check(edited, kept)
    assert memo.checked == 1 and memo.reused == first.checked - 1
    plain = _plain(edited)
    assert (result.diagnostics, result.workspace) == (plain.diagnostics, plain.workspace)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(sorted(TEXTS)), st.integers(0, len(EDITS) - 1)), max_size=5))
def test_a_content_memo_over_any_edits_gives_the_model_of_a_check_from_scratch(edits: list[tuple[str, int]]) -> None:
    texts = dict(TEXTS)
    _, _, kept = _check(texts, None)
    for path, which in edits:
        old, new = EDITS[which]
        if old == "signed":  # a syntax error stops the semantic checks before any memo is used
            continue
        texts[path] = texts[path].replace(old, new, 1)
        result, _, kept = _check(texts, kept)
        plain = _plain(texts)
        assert (result.diagnostics, result.workspace) == (plain.diagnostics, plain.workspace)


def test_a_stub_stands_for_its_file() -> None:
    result = parse(TEXTS[CUSTOMERS], CUSTOMERS)
    assert result.file is not None
    shown = stub(CUSTOMERS, "d", result.file)
    again = pickle.loads(pickle.dumps(shown))
    assert isinstance(again, FileStub)
    for decl, kept in zip(result.file.decls, again.decls, strict=True):
        assert (kept.kind, kept.id.name, kept.span) == (type(decl), decl.id.name, decl.id.span)


# Revisions: the second revision a process loads is checked from the first's entries (`avtale diff`).


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(steps.filter(lambda step: step[0] not in ("settings", "garbage")), min_size=1, max_size=4))
def test_a_second_revision_loads_the_model_a_fresh_load_gives(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, edits: list[Step]
) -> None:
    folder = tmp_path_factory.mktemp("revisions")
    with monkeypatch.context() as patch:
        for name, value in ISOLATED.items():
            patch.setenv(name, value)
        patch.setenv("XDG_CACHE_HOME", str(folder / "cache"))
        repo = GitRepo(folder / "ws")
        texts = dict(TEXTS)
        first = repo.commit("first", {"avtale.toml": SETTINGS, **texts})
        for step in edits:
            apply(repo.path, texts, step)
        second = repo.commit("second")
        check_cache.SHARED.clear()
        load_revision(repo.path, first)
        assert repo.path.resolve() in check_cache.SHARED
        after = load_revision(repo.path, second)
        check_cache.SHARED.clear()
        patch.setenv("XDG_CACHE_HOME", str(folder / "fresh-cache"))
        fresh = load(repo.path, use_cache=False)  # the files of `second`, checked from scratch without a memo
        assert after.diagnostics == fresh.diagnostics
        assert (after.result is None) == (fresh.result is None)
        if after.result is not None and fresh.result is not None:
            assert after.result.workspace == fresh.result.workspace


def test_a_dangling_link_coming_and_going_changes_the_count(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The check's key once held only the files read, so "link present" and "link gone" shared it, and the
    # cached answer printed the other state's file count (E0109 itself was always right).
    same(root, monkeypatch)
    link = root / "contracts" / "dangling.avt"
    link.symlink_to("nowhere.avt")
    present = same(root, monkeypatch)
    link.unlink()
    gone = same(root, monkeypatch)
    assert present.stats["files"] == gone.stats["files"] + 1
    assert any(d.code == "E0109" for d in present.diagnostics)
    assert not any(d.code == "E0109" for d in gone.diagnostics)
