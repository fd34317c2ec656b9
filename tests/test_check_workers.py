"""A check from scratch split over processes finds what the check in one process finds, in the same order."""

from __future__ import annotations

import multiprocessing
import multiprocessing.process
import os
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.cutover import workspace_cutover
from compiler.settings import setting_span
from compiler.workspace import check_workspace
from dsl.diagnostics import Diagnostic, Severity
from dsl.parser import parse
from runtime import check_workers, loader
from runtime.check_workers import Found, check_in_workers
from tests.test_check_cache import EDITS, SETTINGS, TEXTS

CUTOVER = workspace_cutover(None, setting_span("", "billed_through"))
NOWHERE = Path("/nonexistent")


def in_one_process(texts: dict[str, str]) -> Found:
    """The oracle: every file parsed and the workspace checked here, as `avtale check` did before."""
    parsed = [parse(text, path) for path, text in sorted(texts.items())]
    found = [d for r in parsed for d in r.diagnostics]
    if any(d.is_error for d in found):
        return Found([], {}, [], found, None, {})
    result = check_workspace([r.file for r in parsed if r.file is not None], cutover=CUTOVER)
    model = result.workspace
    counts = {"customers": len(model.customers), "plans": len(model.plans), "contracts": len(model.contracts)}
    return Found([], {}, [], found, list(result.diagnostics), counts)


def split(texts: dict[str, str], workers: int) -> Found | None:
    found = check_in_workers([(path, text.encode()) for path, text in texts.items()], NOWHERE, CUTOVER, workers)
    if found is not None:  # given their bytes, nothing is read
        assert (found.read, found.sources, found.listed) == ([], {}, sorted(texts))
    return found


def without_reading(found: Found | None) -> Found | None:
    """What the oracle knows of: the parse and the check."""
    return None if found is None else Found([], {}, [], found.parse, found.semantic, found.counts)


edits = st.lists(
    st.tuples(st.sampled_from(sorted(TEXTS)), st.integers(0, len(EDITS) - 1), st.booleans()), min_size=1, max_size=5
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits, st.sampled_from([2, 3]))
def test_a_split_check_finds_what_one_process_finds(changes: list[tuple[str, int, bool]], workers: int) -> None:
    texts = dict(TEXTS)
    for path, which, copy in changes:
        old, new = EDITS[which]
        if copy:  # the file twice, under another name: every declaration in it a duplicate, in another share
            texts[f"zz/{which}-{Path(path).name}"] = texts[path]
        else:
            texts[path] = texts[path].replace(old, new, 1)
    assert without_reading(split(texts, workers)) == in_one_process(texts)


def test_the_example_workspace_checks_the_same_in_shares() -> None:
    expected = in_one_process(TEXTS)
    assert expected.semantic is not None and expected.counts["contracts"] > 10
    assert any(d.severity.value == "note" for d in expected.semantic)  # more than nothing to compare
    for workers in (2, 3, 5):
        assert without_reading(split(TEXTS, workers)) == expected


def test_a_duplicate_contract_in_another_share_is_reported_against_the_first() -> None:
    texts = {"a.avt": TEXTS["customers/bedrifter.avt"], **TEXTS}
    contract = "contracts/SKT-2026-011-lofoten-rorbu-team.avt"
    texts["zzz/copy.avt"] = texts[contract]  # after every other file in path order
    found = split(texts, 2)
    assert found is not None and found.semantic is not None
    twice = [d for d in found.semantic if d.code == "E0301" and d.span.file == "zzz/copy.avt"]
    assert len(twice) == 1 and twice[0].labels[0].span.file == contract
    assert without_reading(found) == in_one_process(texts)


def test_a_syntax_error_in_any_share_stops_the_semantic_checks() -> None:
    texts = {**TEXTS, "contracts/broken.avt": "contract X {\n  signed\n}\n"}
    found = split(texts, 2)
    assert found is not None and found.semantic is None
    assert [d.code for d in found.parse] == ["E0100"]
    assert without_reading(found) == in_one_process(texts)


def test_a_worker_that_dies_leaves_the_check_to_the_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = workspace(tmp_path)
    expected = load_in_one_process(root, monkeypatch)
    monkeypatch.setattr(loader, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr(check_workers, "_child", lambda *args: os._exit(9))  # killed, as if for memory
    assert split(TEXTS, 2) is None
    checked = loader.load(root, need_model=False, use_cache=False)
    assert (checked.diagnostics, checked.stats) == (expected.diagnostics, expected.stats)


@pytest.mark.parametrize("where", ["_parse_share", "_check"])
def test_a_worker_that_fails_leaves_the_check_to_the_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    root = workspace(tmp_path)
    expected = load_in_one_process(root, monkeypatch)
    monkeypatch.setattr(loader, "PARALLEL_MIN_FILES", 0)
    parent = os.getpid()
    works = getattr(check_workers, where)

    def fails_in_workers(*args: object) -> object:
        if os.getpid() != parent:
            raise RuntimeError("a bug in a worker")
        return works(*args)

    monkeypatch.setattr(check_workers, where, fails_in_workers)
    assert split(TEXTS, 2) is None
    checked = loader.load(root, need_model=False, use_cache=False)
    assert (checked.diagnostics, checked.stats) == (expected.diagnostics, expected.stats)


@pytest.mark.parametrize("reads", [True, False], ids=["files read in the workers", "files read before"])
def test_avtale_check_without_a_cache_splits_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: bool
) -> None:
    root = workspace(tmp_path)
    (root / "contracts" / "twice.avt").write_text(TEXTS["contracts/SKT-2026-011-lofoten-rorbu-team.avt"], "utf-8")
    expected = load_in_one_process(root, monkeypatch)
    monkeypatch.setattr(loader, "PARALLEL_MIN_FILES" if reads else "PARALLEL_MIN_BYTES", 0)
    calls: list[tuple[bool, int]] = []

    def counted(items: list[tuple[str, bytes | None]], *rest: object, notes: bool) -> Found | None:
        calls.append((all(data is None for _, data in items), rest[-1]))  # type: ignore[arg-type]
        return check_in_workers(items, *rest, notes=notes)  # type: ignore[arg-type]

    monkeypatch.setattr(check_workers, "check_in_workers", counted)
    checked = loader.load(root, need_model=False, use_cache=False)
    assert calls == [(reads, 2)]
    assert not checked.ok and checked.result is None
    assert (checked.diagnostics, checked.stats) == (expected.diagnostics, expected.stats)
    assert dict(checked.sources) == dict(expected.sources)


def test_files_that_cannot_be_read_are_reported_as_when_read_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = workspace(tmp_path)
    os.mkfifo(root / "contracts" / "pipe.avt")  # not a regular file: skipped, with a warning
    (root / "contracts" / "gone.avt").symlink_to(root / "nowhere.avt")  # cannot be read: an error
    (root / "contracts" / "latin1.avt").write_bytes("customer sø {\n}\n".encode("latin-1"))  # not UTF-8
    expected = load_in_one_process(root, monkeypatch)
    assert {"W0102", "E0109", "E0101"} <= {d.code for d in expected.diagnostics}
    monkeypatch.setattr(loader, "PARALLEL_MIN_FILES", 0)
    for workers in ("2", "3"):
        settings = (root / "avtale.toml").read_text("utf-8").replace("jobs = 2", f"jobs = {workers}")
        (root / "avtale.toml").write_text(settings, "utf-8")
        checked = loader.load(root, need_model=False, use_cache=False)
        assert (checked.diagnostics, checked.stats) == (expected.diagnostics, expected.stats)
        assert checked.stats["files"] == len(TEXTS) + 2  # the unreadable and the undecodable count, the pipe not
        assert checked.source_lines("contracts/latin1.avt") is not None


def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    for path, text in {"avtale.toml": SETTINGS + "jobs = 2\n", **TEXTS}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, "utf-8")
    return root


def load_in_one_process(root: Path, monkeypatch: pytest.MonkeyPatch) -> loader.Workspace:
    with monkeypatch.context() as patch:
        patch.setattr(loader, "_check_split", lambda *args: None)
        return loader.load(root, need_model=False, use_cache=False)


def test_a_check_without_notes_leaves_them_out_of_every_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = workspace(tmp_path)
    expected = load_in_one_process(root, monkeypatch)
    assert any(d.severity is Severity.NOTE for d in expected.diagnostics)
    monkeypatch.setattr(loader, "PARALLEL_MIN_FILES", 0)
    sent: list[int] = []
    check = check_workers._check

    def counting(*args: object) -> tuple[list[Diagnostic], dict[str, int]]:
        found, counts = check(*args)  # type: ignore[arg-type]
        sent.append(sum(d.severity is Severity.NOTE for d in found))
        return found, counts

    monkeypatch.setattr(check_workers, "_check", counting)
    checked = loader.load(root, need_model=False, use_cache=False, notes=False)
    assert sent == [0]  # the parent's; the worker's count stays in the worker
    found = check_in_workers([(path, text.encode()) for path, text in TEXTS.items()], NOWHERE, CUTOVER, 2, notes=False)
    assert found is not None and found.semantic is not None  # what crossed from the worker: no notes either
    assert not any(d.severity is Severity.NOTE for d in found.semantic)
    without = [d for d in expected.diagnostics if d.severity is not Severity.NOTE]
    assert (checked.diagnostics, checked.stats) == (without, expected.stats)
    cached = loader.load(root, need_model=False, notes=False)  # the other paths leave them out too
    assert cached.diagnostics == without


def test_the_other_workers_end_by_themselves_when_one_is_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each worker must close the parent's end of its own pipe: else, when the parent gives up, a worker
    # waiting for the outlines never reads EOF, and is killed only after the parent has waited for it.
    real = multiprocessing.get_context("fork")
    started: list[multiprocessing.process.BaseProcess] = []

    class Recording:
        def Pipe(self) -> tuple[Connection, Connection]:
            return real.Pipe()

        def Process(self, **options: Any) -> multiprocessing.process.BaseProcess:
            process = real.Process(**options)
            started.append(process)
            return process

    monkeypatch.setattr(check_workers.multiprocessing, "get_context", lambda method: Recording())
    items = [(path, text.encode()) for path, text in TEXTS.items()]
    doomed = check_workers._shares(sorted(items), 4)[1][0][0]  # the first file of the first worker's share
    parent, parse_share = os.getpid(), check_workers._parse_share

    def dies(share: list[tuple[str, bytes | None]], root: Path) -> object:
        if os.getpid() != parent and share[0][0] == doomed:
            os._exit(9)  # as if killed for memory
        return parse_share(share, root)

    monkeypatch.setattr(check_workers, "_parse_share", dies)
    assert check_in_workers(items, NOWHERE, CUTOVER, 4) is None
    assert sorted(p.exitcode for p in started) == [0, 0, 9]  # 9: the lost one; the others read EOF and ended


def test_after_a_lost_worker_the_check_runs_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = workspace(tmp_path)
    expected = load_in_one_process(root, monkeypatch)
    monkeypatch.setattr(loader, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr(loader, "PARALLEL_MIN_BYTES", 0)  # the read sources would qualify for a split as well
    calls: list[int] = []

    def lost(*args: object, **options: object) -> None:
        calls.append(1)
        return None

    monkeypatch.setattr(check_workers, "check_in_workers", lost)
    checked = loader.load(root, need_model=False, use_cache=False)
    assert calls == [1]
    assert (checked.diagnostics, checked.stats) == (expected.diagnostics, expected.stats)
