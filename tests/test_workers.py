"""Bill-run worker processes: they die with the run, are never forked beside DuckDB's threads, and a
failing one's traceback reaches the user.

The command line runs in a subprocess (a driver script) that plans in two workers with chunks of two
contracts, whatever this machine's core count, on a workspace of six contracts: the same code path
as a run of 2,000 contracts or more, in a fraction of the time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from runtime import loader
from runtime.billing import chunks, parallel
from runtime.usage import read_usage

REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from runtime.cli.main import main; main()"]
TIMEOUT = 120
"""Seconds a subprocess may take before the test fails: far above what any of them needs."""

DRIVER = """
import os, sys, time
from pathlib import Path
from runtime.billing import chunks, parallel, run

mode, workspace, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
run.workers_for = lambda contracts: 2
chunks.MIN_CHUNK, chunks.MAX_CHUNK, chunks.CHUNKS_PER_WORKER = 1, 2, 1
real_plan_chunk = parallel.plan_chunk
threads_at_fork = []

def planning_forever(*args, **kwargs):
    (out / str(os.getpid())).write_text("planning")
    time.sleep(600)

def exploding_plan_chunk(*args, **kwargs):
    raise ValueError("boom")

if mode == "hang":
    parallel.plan_chunk = planning_forever
elif mode == "fail":
    parallel.plan_chunk = exploding_plan_chunk
elif mode == "forks":
    os.register_at_fork(before=lambda: threads_at_fork.append(len(os.listdir("/proc/self/task"))))

sys.argv = ["avtale", "--workspace", workspace, "bill", "--as-of", "2026-07-01"]
from runtime.cli.main import main
try:
    main()
finally:
    (out / "threads-at-fork").write_text(" ".join(map(str, threads_at_fork)))
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "AVTALE_DEBUG"}
    env["PYTHONPATH"] = str(REPO)
    return env


def _driver(mode: str, workspace: Path, out: Path) -> list[str]:
    return [sys.executable, "-c", DRIVER, mode, str(workspace), str(out)]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`avtale init` and five more contracts: six, for three chunks of two."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    root = tmp_path / "ws"
    done = subprocess.run(
        [*CLI, "init", str(root)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_env(),
    )
    assert done.returncode == 0, done.stderr
    first = (root / "contracts" / "first-customer.avt").read_text()
    for n in range(2, 7):
        (root / "contracts" / f"c{n}.avt").write_text(first.replace("FIRST-2026-001", f"FIRST-2026-00{n}"))
    return root


def _alive(pid: int, started: str) -> bool:
    """Whether the process `pid` that started at `started` still runs (a zombie has ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return fields[0] not in ("Z", "X") and fields[19] == started


def _start_time(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(child) for child in (task / "children").read_text().split())
    return found


def _wait_for(
    condition: Any, what: str, process: subprocess.Popen[bytes] | None = None, within: float = TIMEOUT
) -> None:
    """Poll `condition` until it holds; fail after `within` seconds, or when `process` ends first."""
    deadline = time.monotonic() + within
    while not condition():
        if process is not None and process.poll() is not None:
            pytest.fail(f"the bill run ended (status {process.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_workers_die_with_a_killed_bill_run(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    run = subprocess.Popen(_driver("hang", workspace, out), env=_env(), stdout=subprocess.DEVNULL)
    workers: dict[int, str] = {}
    try:
        _wait_for(lambda: len([p for p in out.iterdir() if p.name.isdigit()]) == 2, "two workers planning", run)
        pids = {int(p.name) for p in out.iterdir() if p.name.isdigit()}
        # both mid-chunk, children of the run (beside them, a child may still be writing the parse cache)
        assert pids <= _children(run.pid)
        workers = {pid: _start_time(pid) for pid in pids}
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=TIMEOUT)
        # The kernel kills them as their parent dies: a few seconds allow for a loaded machine, while
        # workers left to themselves would sleep on for ten minutes.
        _wait_for(lambda: not any(_alive(p, t) for p, t in workers.items()), "the workers to end", within=10)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        for pid, started in workers.items():  # a regression must not leave them running
            if _alive(pid, started):
                os.kill(pid, signal.SIGKILL)


def test_no_worker_is_forked_while_duckdb_threads_run(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    forked = subprocess.run(
        _driver("forks", workspace, out), capture_output=True, text=True, timeout=TIMEOUT, env=_env()
    )
    assert forked.returncode == 0, forked.stderr
    # Two workers, each forked while the run had one thread: DuckDB's were stopped for the fork (a third fork,
    # before DuckDB starts, may write the parse cache behind the model's load).
    at_fork = (out / "threads-at-fork").read_text().split()
    assert set(at_fork) == {"1"} and len(at_fork) in (2, 3)
    alone = subprocess.run(
        [*CLI, "--workspace", str(workspace), "bill", "--as-of", "2026-07-01"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_env(),
    )
    assert alone.returncode == 0, alone.stderr
    assert forked.stdout == alone.stdout and "6 contracts" in alone.stdout  # the workers planned the same


def test_duckdb_runs_single_threaded_only_while_workers_are_forked(tmp_path: Path) -> None:
    def threads() -> int:
        return len(os.listdir("/proc/self/task"))

    before = threads()
    with read_usage(tmp_path / "no-usage", [], []) as usage:
        con = usage.con
        setting = "SELECT current_setting('threads'), current_setting('async_threads')"
        normal = con.execute(setting).fetchone()
        assert threads() > before
        with parallel.usage_single_threaded(usage.meter):
            assert threads() == before
            assert con.execute(setting).fetchone() == (1, 0)
        assert con.execute(setting).fetchone() == normal
        assert threads() > before
    with parallel.usage_single_threaded(lambda requests: {}):  # no DuckDB behind it: nothing to do
        pass


def test_a_failing_workers_traceback_reaches_the_user(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    failed = subprocess.run(
        _driver("fail", workspace, out), capture_output=True, text=True, timeout=TIMEOUT, env=_env()
    )
    assert failed.returncode == 70
    lines = failed.stderr.splitlines()
    assert lines[0] == "error[internal]: WorkerFailed: a bill run worker failed: ValueError: boom"
    assert lines[1] == "  | the worker's traceback:"
    assert lines[2] == "  | Traceback (most recent call last):"
    assert any("in exploding_plan_chunk" in line for line in lines)
    assert lines[-2] == "  | ValueError: boom"
    assert lines[-1].startswith("  = help: this is a bug in avtale")
    assert all(line.startswith("  ") for line in lines[1:])


@pytest.fixture
def six_contracts(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    checked = loader.load(workspace, use_cache=False).result
    assert checked is not None
    monkeypatch.setattr(chunks, "MIN_CHUNK", 1)
    monkeypatch.setattr(chunks, "MAX_CHUNK", 2)
    monkeypatch.setattr(chunks, "CHUNKS_PER_WORKER", 1)
    yield checked.workspace


def test_a_worker_error_carries_the_workers_traceback(six_contracts: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def exploding_plan_chunk(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("boom")

    monkeypatch.setattr(parallel, "plan_chunk", exploding_plan_chunk)
    parts = chunks.chunks(sorted(six_contracts.contracts), 2)
    with pytest.raises(parallel.WorkerFailed, match="a bill run worker failed: ValueError: boom") as caught:
        parallel.plan_in_workers(six_contracts, parts, None, lambda requests: {}, date(2026, 7, 1), 2)
    assert isinstance(caught.value, RuntimeError)
    assert "in exploding_plan_chunk" in caught.value.worker_traceback
    assert caught.value.worker_traceback.rstrip().endswith("ValueError: boom")
