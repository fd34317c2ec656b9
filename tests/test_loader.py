"""Workspace loading: discovery, settings, the cache and parallel parsing."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import pytest

from compiler.settings import Settings, parse_settings
from dsl.parser import parse_bytes
from runtime import loader


@pytest.fixture(autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user cache folder of the test's own, so that no test reads or fills the real one."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder / "avtale"


def write_workspace(root: Path, contracts: int) -> None:
    (root / "avtale.toml").write_text("")
    (root / "seller.avt").write_text(
        'seller s {\n  name "S AS"\n  orgnr "976240391"\n}\n\ncustomer c {\n  name "C AS"\n  orgnr "922152799"\n}\n'
        'plan p "P" effective 2026-01-01 {\n  charge base "Base" {\n    flat 100.00 per month\n  }\n}\n'
    )
    folder = root / "contracts"
    folder.mkdir()
    for i in range(contracts):
        (folder / f"c{i:04d}.avt").write_text(
            f"contract C-{i} {{\n  customer c\n  signed 2026-01-01\n  start 2026-01-01\n"
            "  term 12 months\n  plan p\n}\n"
        )


def test_empty_settings_are_all_defaults() -> None:
    assert parse_settings("") == (Settings(), [])


def test_settings_types_are_checked() -> None:
    settings, diagnostics = parse_settings('sources = ["src"]\njobs = -1\nfoo = 1\n')
    assert settings.sources == ("src",)
    assert sorted(d.code for d in diagnostics) == ["E0703", "W0701"]
    assert {d.span.line for d in diagnostics} == {2, 3}


def test_bank_days_setting_takes_exactly_a_bool() -> None:
    assert Settings().bank_days is True
    assert parse_settings("bank_days = false\n") == (Settings(bank_days=False), [])
    for text in ('bank_days = "no"\n', "bank_days = 0\n"):
        settings, diagnostics = parse_settings(text)
        assert settings.bank_days is True
        assert [d.code for d in diagnostics] == ["E0703"]
        assert diagnostics[0].message == "the setting `bank_days` must be true or false"
    _, diagnostics = parse_settings("jobs = true\n")
    assert [d.code for d in diagnostics] == ["E0703"]


def test_discovery_skips_hidden_and_respects_sources(tmp_path: Path) -> None:
    write_workspace(tmp_path, 2)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.avt").write_text("garbage {")
    assert loader.discover(tmp_path, Settings()) == ["contracts/c0000.avt", "contracts/c0001.avt", "seller.avt"]
    assert loader.discover(tmp_path, Settings(sources=("contracts",))) == ["contracts/c0000.avt", "contracts/c0001.avt"]


def test_find_root_searches_upward(tmp_path: Path) -> None:
    write_workspace(tmp_path, 1)
    assert loader.find_root(tmp_path / "contracts" / "c0000.avt") == tmp_path.resolve()
    assert loader.find_root(Path("/")) is None


def test_parallel_parse_matches_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_workspace(tmp_path, 60)
    serial = loader.load(tmp_path, use_cache=False)
    monkeypatch.setattr(loader, "PARALLEL_MIN_BYTES", 0)
    parallel = loader.load(tmp_path, use_cache=False)
    assert serial.ok and parallel.ok
    assert serial.result is not None and parallel.result is not None
    assert serial.result.workspace == parallel.result.workspace


def test_cache_serves_unchanged_and_notices_changes(tmp_path: Path) -> None:
    write_workspace(tmp_path, 3)
    first = loader.load(tmp_path, need_model=False)
    assert not first.cached and first.ok
    second = loader.load(tmp_path, need_model=False)
    assert second.cached and second.diagnostics == first.diagnostics
    (tmp_path / "contracts" / "c0001.avt").write_text("contract C-1 {\n  customer nobody\n}\n")
    third = loader.load(tmp_path, need_model=False)
    assert not third.cached and not third.ok
    assert {d.code for d in third.diagnostics} >= {"E0302"}


def test_the_checked_model_is_cached_for_the_commands_that_run_it(tmp_path: Path) -> None:
    write_workspace(tmp_path, 3)
    first = loader.load(tmp_path)
    assert not first.cached and first.result is not None
    second = loader.load(tmp_path)
    assert second.cached and second.result is not None
    assert second.result.workspace == first.result.workspace
    assert second.diagnostics == first.diagnostics
    (tmp_path / "contracts" / "c0002.avt").write_text(
        "contract C-2 {\n  customer c\n  signed 2026-01-01\n  start 2026-02-01\n  term 6 months\n  plan p\n}\n"
    )
    third = loader.load(tmp_path)
    assert not third.cached and third.result is not None
    assert third.result.workspace.contracts["C-2"] != first.result.workspace.contracts["C-2"]
    (tmp_path / "contracts" / "c0001.avt").write_text("contract C-1 {\n  customer nobody\n}\n")
    broken = loader.load(tmp_path)
    assert not broken.cached and not broken.ok
    assert not loader.load(tmp_path).cached  # a workspace with errors has no model to cache


def test_damaged_cache_is_rebuilt(tmp_path: Path, user_cache: Path) -> None:
    write_workspace(tmp_path, 2)
    loader.load(tmp_path)
    loader.wait_for_writes()  # the parse results are written by a child while the command goes on
    written = sorted(user_cache.glob("*/*.pickle"))
    assert [p.name.split("-")[0] for p in written] == ["check", "model", "parse", "stat"]
    for path in written:
        path.write_bytes(b"not a pickle")
    again = loader.load(tmp_path, need_model=False)
    assert again.ok and not again.cached
    assert loader.load(tmp_path, need_model=False).cached


def test_the_cache_lives_in_the_user_cache_folder_not_the_workspace(tmp_path: Path, user_cache: Path) -> None:
    write_workspace(tmp_path, 1)
    loader.load(tmp_path)
    loader.wait_for_writes()
    assert not (tmp_path / ".avtale").exists()
    (folder,) = [p for p in user_cache.iterdir() if p.is_dir()]
    assert (folder / "workspace.txt").read_text() == f"{tmp_path.resolve()}\n"
    key = user_cache / "key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
    assert all(p.stat().st_mode & 0o077 == 0 for p in folder.glob("*.pickle"))
    assert loader.load(tmp_path).cached


def test_the_cache_setting_names_another_folder_still_signed(tmp_path: Path, user_cache: Path) -> None:
    write_workspace(tmp_path, 1)
    (tmp_path / "avtale.toml").write_text('cache = "build/avtale-cache"\n')
    loader.load(tmp_path)
    loader.wait_for_writes()
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "build" / "avtale-cache").glob("*.pickle")) == [
        "check",
        "model",
        "parse",
        "stat",
    ]
    assert loader.load(tmp_path).cached
    (user_cache / "key").write_bytes(b"k" * 32)  # another key: what was signed with the first is refused
    assert not loader.load(tmp_path).cached


def test_a_key_others_can_read_disables_the_cache(tmp_path: Path, user_cache: Path) -> None:
    write_workspace(tmp_path, 1)
    loader.load(tmp_path)
    (user_cache / "key").chmod(0o644)
    assert not loader.load(tmp_path).cached
    assert not loader.load(tmp_path).cached  # nor is anything written with it


def test_without_a_writable_cache_folder_the_load_runs_uncached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_workspace(tmp_path, 1)
    (tmp_path / "plain-file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "plain-file" / "below"))  # no folder can be made there
    first = loader.load(tmp_path)
    second = loader.load(tmp_path)
    assert first.ok and second.ok and not second.cached
    assert first.diagnostics == second.diagnostics
    assert {d.code for d in first.diagnostics} == {"N0301"}  # the workspace's own note, nothing about a cache


def test_an_unchanged_workspace_is_answered_without_reading_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "RACY_NS", 0)  # the files were written just now; trust their stats anyway
    write_workspace(tmp_path, 3)
    (tmp_path / "contracts" / "c0001.avt").write_text("contract C-1 {\n  customer nobody\n}\n")
    first = loader.load(tmp_path, need_model=False)
    assert not first.cached and not first.ok

    real = loader.read_regular

    def no_reading(path: Path, limit: int | None, *, follow_links: bool = True) -> bytes:
        if tmp_path in Path(path).parents:  # the caches may be read, the workspace's files not
            raise AssertionError(f"read {path}")
        return real(path, limit, follow_links=follow_links)

    monkeypatch.setattr(loader, "read_regular", no_reading)
    monkeypatch.setattr(
        loader, "read_settings", lambda root: (first.sources["avtale.toml"].decode(), first.settings, [])
    )
    again = loader.load(tmp_path, need_model=False)
    assert again.cached and again.diagnostics == first.diagnostics
    monkeypatch.setattr(loader, "read_regular", real)
    # the lines of a diagnostic are read when they are shown
    assert again.source_lines("contracts/c0001.avt") == ["contract C-1 {", "  customer nobody", "}", ""]


def test_a_file_changed_behind_the_stat_cache_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "RACY_NS", 0)
    write_workspace(tmp_path, 2)
    assert loader.load(tmp_path, need_model=False).ok
    contract = tmp_path / "contracts" / "c0000.avt"
    contract.write_text(contract.read_text().replace("customer c", "customer x"))  # same size, new content
    again = loader.load(tmp_path, need_model=False)
    assert not again.cached and not again.ok


def test_files_changed_moments_ago_are_not_vouched_for_by_their_stat(tmp_path: Path) -> None:
    write_workspace(tmp_path, 2)  # just written: within RACY_NS of the check
    loader.load(tmp_path, need_model=False)
    assert loader._unchanged(tmp_path.resolve()) is None


def test_a_file_saved_while_the_check_read_the_others_is_noticed_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stat kept with a digest is the one taken when the file was read: a save after that (here: right after
    # the first file is read) changes the stat, so the next check reads the file again instead of trusting it.
    monkeypatch.setattr(loader, "RACY_NS", 0)
    write_workspace(tmp_path, 2)
    contract = tmp_path / "contracts" / "c0000.avt"
    real = loader.read_regular_stat
    saved = []

    def read_then_save(path: Path, limit: int | None, *, follow_links: bool = True):  # type: ignore[no-untyped-def]
        found = real(path, limit, follow_links=follow_links)
        if Path(path) == contract and not saved:
            contract.write_text(contract.read_text().replace("customer c", "customer x"))
            saved.append(path)
        return found

    monkeypatch.setattr(loader, "read_regular_stat", read_then_save)
    assert loader.load(tmp_path, need_model=False).ok  # it read the file before the save
    monkeypatch.setattr(loader, "read_regular_stat", real)
    again = loader.load(tmp_path, need_model=False)
    assert not again.cached and not again.ok


def test_no_cache_also_forgets_the_recorded_stats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "RACY_NS", 0)
    write_workspace(tmp_path, 2)
    loader.load(tmp_path, need_model=False)
    assert loader._unchanged(tmp_path.resolve()) is not None
    loader.load(tmp_path, need_model=False, use_cache=False)
    assert loader._unchanged(tmp_path.resolve()) is None


@pytest.mark.parametrize("jobs", [2, 4])
def test_a_parse_shared_with_the_parent_caches_every_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    write_workspace(tmp_path, 60)
    (tmp_path / "avtale.toml").write_text(f"jobs = {jobs}\n")  # workers beside this process, on any machine
    serial = loader.load(tmp_path, use_cache=False)
    monkeypatch.setattr(loader, "PARALLEL_MIN_BYTES", 0)
    parsed_here: list[int] = []
    parse_shared = loader._parse_shared

    def counted(*args: object) -> list[tuple[object, bytes | None]]:
        found = parse_shared(*args)  # type: ignore[arg-type]
        parsed_here.append(sum(blob is None for _, blob in found))
        return found  # type: ignore[return-value]

    monkeypatch.setattr(loader, "_parse_shared", counted)
    shared = loader.load(tmp_path)  # this process parses a share; a forked child writes the parse cache
    loader.wait_for_writes()
    assert shared.result is not None and serial.result is not None
    assert shared.result.workspace == serial.result.workspace
    stored = loader.Cache.for_workspace(tmp_path.resolve(), shared.settings).read("parse")
    assert isinstance(stored, dict) and sorted(stored) == loader.discover(tmp_path, shared.settings)
    for path, (digest, blob) in stored.items():  # every tree, the parent's pickled by the child
        data = (tmp_path / path).read_bytes()
        assert digest == hashlib.sha256(data).hexdigest()
        assert pickle.loads(blob) == parse_bytes(data, path)
    assert len(parsed_here) == 1 and 0 < parsed_here[0] < len(stored)  # a share parsed here, the rest in a worker
    monkeypatch.setattr(loader, "PARALLEL_MIN_BYTES", 10**9)
    for name in ("model", "check"):  # the next load takes every tree from that cache
        (loader.Cache.for_workspace(tmp_path.resolve(), shared.settings)._path(name) or Path("/nonexistent")).unlink(
            missing_ok=True
        )
    monkeypatch.setattr(loader, "_parse_all", lambda *args: pytest.fail("nothing is left to parse"))
    again = loader.load(tmp_path)
    assert again.result is not None and again.result.workspace == serial.result.workspace
