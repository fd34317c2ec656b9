"""The attacks of the fault suite, shared by tests/faults and bench/faults.py.

A *scenario* is a workspace whose ledger already holds some history, and one bill
run to apply to it (the attacked run). Its *reference* is what an undisturbed
apply leaves in the ledger; bill runs are deterministic (no wall-clock time goes
into a document), so after any attack and a rerun the ledger must hold exactly
the reference's rows, numbers and hashes included.

The attacked run is a real `avtale` process. It is started through `traced_main`,
which is `runtime.cli.main.main` with one addition: each SQLite connection reports
a few statements to a file (BEGIN IMMEDIATE, the first INSERT INTO documents,
COMMIT, the first statement after it, and close), so that after a `kill -9` we
know where in the run it landed, and can check the all-or-nothing promise
against it: killed before the COMMIT began, the ledger must be as before; killed
after the COMMIT returned, it must hold the whole run.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "contracts_examples"
TIMEOUT = 120
"""Seconds any one command may take before it counts as hung: far above what any of them needs."""

LAUNCH = (sys.executable, "-c", "from tests.faults.attacks import traced_main; traced_main()")
TRACE = "AVTALE_FAULTS_TRACE"
"""Environment variable naming the file `traced_main` reports statements to."""

TABLES = (
    "ledger_info",
    "bill_runs",
    "series",
    "documents",
    "document_refs",
    "document_lines",
    "document_vat",
    "settlements",
)
"""Every table of the ledger: the books, its identity, and the settlements an apply records with them."""

HISTORY = "2026-04-01"
AS_OF = "2026-07-01"

Dump = dict[str, list[tuple[Any, ...]]]


# -- the traced command line (runs in the attacked process) ----------------------------------------


def traced_main() -> None:
    """`avtale`, reporting where its SQLite connections are to the file $AVTALE_FAULTS_TRACE.

    Observation only: each report is one small unbuffered write, and nothing the CLI does changes.
    """
    target = os.environ.get(TRACE)
    if target:
        _install_trace(target)
    from runtime.cli.main import main

    main()


def _install_trace(target: str) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    seen: set[str] = set()

    def note(mark: str) -> None:
        os.write(fd, f"{mark} {time.monotonic():.6f}\n".encode())

    def statement(sql: str) -> None:
        head = sql.lstrip()[:40].upper()
        if head.startswith("BEGIN IMMEDIATE"):
            note("B")
        elif head.startswith("INSERT INTO DOCUMENTS") and "D" not in seen:
            seen.add("D")
            note("D")
        elif head.startswith("COMMIT"):
            seen.add("C")
            note("C")
        elif "C" in seen and "A" not in seen:
            seen.add("A")
            note("A")  # the COMMIT returned: the connection runs its next statement

    class Traced(sqlite3.Connection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.set_trace_callback(statement)

        def close(self) -> None:
            if "C" in seen:
                note("X")  # closing after a commit: the WAL is checkpointed into the file now
            super().close()

    real = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        kwargs.setdefault("factory", Traced)
        db: sqlite3.Connection = real(*args, **kwargs)
        return db

    sqlite3.connect = connect  # type: ignore[assignment]


# -- where a killed run was ----------------------------------------------------------------------

PHASES = {
    "": "loading (before the write lock)",
    "B": "planning under the write lock",
    "D": "issuing (inserting documents)",
    "C": "committing",
    "A": "after the commit",
    "X": "closing (checkpoint)",
    "exited": "finished before the kill",
}
BEFORE_COMMIT = ("", "B", "D")
AFTER_COMMIT = ("A", "X", "exited")


def marks(trace: Path) -> dict[str, float]:
    """The first time of each mark in a trace file."""
    found: dict[str, float] = {}
    if trace.exists():
        for line in trace.read_text().splitlines():
            mark, _, at = line.partition(" ")
            if mark and at:
                found.setdefault(mark, float(at))
    return found


def last_mark(found: dict[str, float]) -> str:
    reached = [m for m in ("B", "D", "C", "A", "X") if m in found]
    return reached[-1] if reached else ""


# -- running avtale ------------------------------------------------------------------------------


def environment(cache: Path, trace: Path | None = None) -> dict[str, str]:
    """The environment of an avtale process: this repository importable, a cache folder of the test's own."""
    env = {k: v for k, v in os.environ.items() if k not in ("AVTALE_DEBUG", TRACE)}
    env["PYTHONPATH"] = str(REPO)
    env["XDG_CACHE_HOME"] = str(cache)
    env["NO_COLOR"] = "1"
    if trace is not None:
        env[TRACE] = str(trace)
    return env


@dataclass
class Outcome:
    """What one avtale command did."""

    code: int
    stdout: str
    stderr: str
    internal: str = ""
    """An exception that escaped the command (a bug, exit 70 from the real entry point), as text."""

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli(root: Path, cache: Path, *args: str) -> Outcome:
    """An avtale command in this process (click's runner): as the real entry point, minus its startup time."""
    from click.testing import CliRunner

    from runtime.cli.main import cli as group

    result = CliRunner().invoke(
        group, ["--workspace", str(root), *args], env={"XDG_CACHE_HOME": str(cache), "AVTALE_DEBUG": None}
    )
    internal = ""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        internal = f"{type(result.exception).__name__}: {result.exception}"
    return Outcome(result.exit_code, result.stdout, result.stderr, internal)


def start(
    root: Path, cache: Path, args: Sequence[str], logs: Path, name: str, limit: Callable[[], None] | None = None
) -> subprocess.Popen[bytes]:
    """avtale in a process of its own (and its own process group, so that a kill reaches its workers).

    `limit`: run in the child before avtale starts (to set a resource limit)."""
    logs.mkdir(parents=True, exist_ok=True)
    trace = logs / f"{name}.trace"
    trace.unlink(missing_ok=True)
    with (logs / f"{name}.out").open("wb") as out, (logs / f"{name}.err").open("wb") as err:
        return subprocess.Popen(
            [*LAUNCH, "--workspace", str(root), *args],
            stdout=out,
            stderr=err,
            env=environment(cache, trace),
            start_new_session=True,
            preexec_fn=limit,
        )


def finish(process: subprocess.Popen[bytes], logs: Path, name: str) -> Outcome:
    """Wait for a process started with `start` (a hang is killed and reported as exit -9)."""
    try:
        code = process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        kill(process)
        code = process.wait()
        (logs / f"{name}.err").open("a").write(f"\n[hung: killed after {TIMEOUT} s]\n")
    return Outcome(code, (logs / f"{name}.out").read_text(), (logs / f"{name}.err").read_text())


def kill(process: subprocess.Popen[bytes]) -> None:
    """kill -9 the process and every process it started (its process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def run(root: Path, cache: Path, args: Sequence[str], logs: Path, name: str) -> Outcome:
    return finish(start(root, cache, args, logs, name), logs, name)


def problems_of(outcome: Outcome, what: str, codes: Sequence[int] = (0,)) -> list[str]:
    """What is wrong with how a command ended: an unexpected exit status, a traceback, an internal error."""
    found = []
    if outcome.code not in codes:
        found.append(f"{what}: exit {outcome.code}, expected {' or '.join(map(str, codes))}: {tail(outcome)}")
    if "Traceback (most recent call last)" in outcome.output or "error[internal]" in outcome.output:
        found.append(f"{what}: printed a traceback or an internal error: {tail(outcome)}")
    if outcome.internal:
        found.append(f"{what}: raised {outcome.internal}")
    return found


def tail(outcome: Outcome, lines: int = 6) -> str:
    return " | ".join(outcome.output.strip().splitlines()[-lines:])


ISSUED = re.compile(r"^Issued: (\d+) invoices? issued, (\d+) credit notes?", re.MULTILINE)


def issued(outcome: Outcome) -> int | None:
    """How many documents an apply says it issued (None when it printed no summary)."""
    found = ISSUED.search(outcome.stdout)
    return None if found is None else int(found[1]) + int(found[2])


# -- the ledger's rows ---------------------------------------------------------------------------


def dump(ledger: Path) -> Dump:
    """Every row of every table, sorted: what two ledgers must share to be the same, field by field."""
    db = sqlite3.connect(ledger, isolation_level=None)
    try:
        db.execute("PRAGMA query_only = ON")
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
    finally:
        db.close()


def documents(rows: Dump) -> int:
    return len(rows["documents"])


def difference(found: Dump, expected: Dump) -> str:
    """The first table where two dumps differ, briefly; '' when they are the same."""
    for table in TABLES:
        if found[table] != expected[table]:
            extra = [r for r in found[table] if r not in expected[table]]
            missing = [r for r in expected[table] if r not in found[table]]
            return (
                f"table {table}: {len(found[table])} rows, expected {len(expected[table])}; "
                f"{len(extra)} unexpected (first {_brief(extra[:1])}), {len(missing)} missing (first "
                f"{_brief(missing[:1])})"
            )
    return ""


def _brief(rows: list[tuple[Any, ...]]) -> str:
    return repr(rows[0][:4]) if rows else "-"


def verify_problems(root: Path, cache: Path, what: str) -> list[str]:
    """`avtale ledger verify` must pass."""
    return problems_of(cli(root, cache, "ledger", "verify"), f"{what}: ledger verify")


# -- scenarios -----------------------------------------------------------------------------------


@dataclass
class Scenario:
    """A workspace with history in its ledger, the attacked bill run, and what the run leaves undisturbed."""

    name: str
    base: Path
    args: tuple[str, ...]
    before: Dump = field(default_factory=dict)
    reference: Dump = field(default_factory=dict)
    seconds: float = 0.0
    """How long the undisturbed apply took, from launch to exit (warm parse cache)."""
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds from launch to each mark of the undisturbed apply."""

    @property
    def pre(self) -> Path:
        """The workspace before the attacked run."""
        return self.base / "pre"

    @property
    def after(self) -> Path:
        """The workspace after the undisturbed attacked run (the reference)."""
        return self.base / "after"

    @property
    def root(self) -> Path:
        """Where every trial runs: always the same folder, so its parse cache stays warm."""
        return self.base / "run"

    @property
    def cache(self) -> Path:
        return self.base / "xdg-cache"

    @property
    def logs(self) -> Path:
        return self.base / "logs"

    @property
    def ledger(self) -> Path:
        return self.root / "ledger.sqlite"

    def fresh(self, state: str = "pre") -> Path:
        """The trial folder, reset to the workspace and ledger before (`pre`) or after (`after`) the attacked
        run."""
        if self.root.exists():
            shutil.rmtree(self.root)
        shutil.copytree(self.base / state, self.root)
        return self.root


def _copy_examples(target: Path) -> None:
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns(".avtale", "ledger.sqlite*", "out"))


def _must(outcome: Outcome, what: str) -> Outcome:
    found = problems_of(outcome, what)
    if found:
        raise AssertionError("; ".join(found))
    return outcome


def halve_storage(root: Path) -> None:
    """A late correction from the usage source: the storage snapshots of January and February 2026 halved.

    The attacked run then credits what it billed for them: a credit note as well as invoices.
    """
    events = root / "usage" / "events.csv"
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    changed = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[2] == "storage.snapshot" and cells[3].startswith(("2026-01", "2026-02")):
            cells[4] = str(int(cells[4]) // 2)
        changed.append(",".join(cells))
    events.write_text("".join(changed), encoding="utf-8")


def examples(base: Path) -> Scenario:
    """contracts_examples billed up to 1 April 2026; then late usage; the attacked run bills up to 1 July
    (10 invoices and a credit note)."""
    scenario = Scenario("examples", base, ("bill", "--as-of", AS_OF, "--apply", "--yes"))
    _copy_examples(scenario.pre)
    _must(cli(scenario.pre, scenario.cache, "ledger", "init"), "ledger init")
    _must(cli(scenario.pre, scenario.cache, "bill", "--as-of", HISTORY, "--apply"), "history")
    halve_storage(scenario.pre)
    return _reference(scenario)


def generated(base: Path, contracts: int) -> Scenario:
    """A workspace from bench/generate.py, billed up to 1 April 2026; the attacked run bills up to 1 July."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    scenario = Scenario(f"generated-{contracts}", base, ("bill", "--as-of", AS_OF, "--apply", "--yes"))
    generate.generate(scenario.pre, contracts, seed=1)
    _must(cli(scenario.pre, scenario.cache, "ledger", "init"), "ledger init")
    _must(cli(scenario.pre, scenario.cache, "bill", "--as-of", HISTORY, "--apply"), "history")
    return _reference(scenario)


def _reference(scenario: Scenario) -> Scenario:
    """Apply the attacked run undisturbed, twice: the first fills the parse cache and gives the reference,
    the second (which must leave the same rows) gives the duration and the phases to aim kills at."""
    scenario.before = dump(scenario.pre / "ledger.sqlite")
    for attempt in ("reference", "timing"):
        root = scenario.fresh()
        started = time.monotonic()
        outcome = _must(run(root, scenario.cache, scenario.args, scenario.logs, attempt), f"{attempt} apply")
        took = time.monotonic() - started
        rows = dump(scenario.ledger)
        if attempt == "reference":
            scenario.reference = rows
            shutil.copytree(root, scenario.after)
            if issued(outcome) != documents(rows) - documents(scenario.before) or not issued(outcome):
                raise AssertionError(f"the reference apply issued {issued(outcome)}: {tail(outcome)}")
        else:
            diff = difference(rows, scenario.reference)
            if diff:
                raise AssertionError(f"two undisturbed applies differ (the run is not deterministic): {diff}")
            scenario.seconds = took
            scenario.phases = {m: at - started for m, at in marks(scenario.logs / f"{attempt}.trace").items()}
    return scenario


# -- attack 1: kill -9 -----------------------------------------------------------------------------


@dataclass
class Trial:
    kind: str
    seed: int
    phase: str = ""
    detail: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def survived(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        state = "survived" if self.survived else "FAILED: " + "; ".join(self.problems)
        return f"{self.kind} seed {self.seed} ({self.detail}; {PHASES.get(self.phase, self.phase)}): {state}"


def delays(scenario: Scenario, count: int, rng: random.Random, after: str = "") -> list[float]:
    """`count` kill delays, one in each equal slice of a span, jittered: with `after` "", over the whole
    undisturbed apply (and a little past its end); with a mark ("B", "D"), counted from when the run reaches
    it, up to a little past the undisturbed run's close. Counting from a mark keeps the aim when the machine
    is slower than while the duration was measured."""
    if after:
        span = (scenario.phases.get("X", scenario.seconds) - scenario.phases.get(after, 0.0)) * 1.2
    else:
        span = scenario.seconds * 1.1
    return [span * (i + rng.random()) / count for i in range(count)]


def kill_trial(scenario: Scenario, seed: int, delay: float, after: str = "") -> Trial:
    """Kill the attacked apply `delay` seconds after it started (or after it reached the mark `after`),
    then check the ledger, rerun, and compare."""
    since = {"": "its start", "B": "it took the write lock", "D": "its first INSERT of a document"}.get(after, after)
    detail = f"kill -9 {delay:.3f} s after {since} (the run takes {scenario.seconds:.2f} s)"
    trial = Trial("kill", seed, detail=detail)
    root = scenario.fresh()
    name = f"kill-{seed}"
    process = start(root, scenario.cache, scenario.args, scenario.logs, name)
    exited = _wait_for(process, scenario.logs / f"{name}.trace", after) if after else False
    if not exited:
        try:
            process.wait(timeout=delay)
            exited = True
        except subprocess.TimeoutExpired:
            kill(process)
    outcome = finish(process, scenario.logs, name)
    if outcome.code != -signal.SIGKILL:
        exited = True  # it ended on its own, possibly a moment before the kill reached it
    trial.phase = "exited" if exited else last_mark(marks(scenario.logs / f"{name}.trace"))
    if exited:
        trial.problems += problems_of(outcome, "the apply that ended before the kill")
    trial.problems += after_disturbance(scenario, trial.phase, "after the kill")
    return trial


def _wait_for(process: subprocess.Popen[bytes], trace: Path, mark: str) -> bool:
    """Poll until the process reports `mark` (False) or exits without it (True)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if mark in marks(trace):
            return False
        if process.poll() is not None:
            return True
        time.sleep(0.001)
    return False


def after_disturbance(scenario: Scenario, phase: str, what: str) -> list[str]:
    """The checks after any attack: the ledger verifies and is all or nothing; a rerun issues exactly what
    is missing; then it verifies and equals the reference."""
    problems = verify_problems(scenario.root, scenario.cache, what)
    rows = dump(scenario.ledger)
    if rows == scenario.before:
        state = "before"
    elif rows == scenario.reference:
        state = "reference"
    else:
        state = "partial"
        problems.append(f"{what}: the ledger holds part of the run: {difference(rows, scenario.reference)}")
    if phase in BEFORE_COMMIT and state != "before":
        problems.append(f"{what}: killed before the COMMIT began, yet the ledger holds the run ({state})")
    if phase in AFTER_COMMIT and state != "reference":
        problems.append(f"{what}: killed after the COMMIT returned, yet the ledger lacks the run ({state})")
    rerun = cli(scenario.root, scenario.cache, *scenario.args)
    problems += problems_of(rerun, f"{what}: the rerun")
    missing = documents(scenario.reference) - documents(rows)
    if issued(rerun) != missing:
        problems.append(f"{what}: the rerun issued {issued(rerun)} documents; {missing} were missing")
    problems += verify_problems(scenario.root, scenario.cache, f"{what}, rerun")
    diff = difference(dump(scenario.ledger), scenario.reference)
    if diff:
        problems.append(f"{what}, rerun: the ledger differs from the reference: {diff}")
    return problems


# -- attack 2: two applies at once ---------------------------------------------------------------


def lock_window(scenario: Scenario) -> float:
    """How long the undisturbed apply held the write lock: a second apply started within this much of the
    first asks for the lock while the first holds it."""
    return scenario.phases.get("X", scenario.seconds) - scenario.phases.get("B", 0.0)


def pair_trial(scenario: Scenario, seed: int, stagger: float) -> Trial:
    """Two applies of the same run, the second started `stagger` seconds after the first."""
    trial = Trial("pair", seed)
    root = scenario.fresh()
    first = start(root, scenario.cache, scenario.args, scenario.logs, f"pair-{seed}-a")
    time.sleep(stagger)
    second = start(root, scenario.cache, scenario.args, scenario.logs, f"pair-{seed}-b")
    outcomes = [finish(first, scenario.logs, f"pair-{seed}-a"), finish(second, scenario.logs, f"pair-{seed}-b")]
    total = 0
    for which, outcome in zip("ab", outcomes, strict=True):
        trial.problems += problems_of(outcome, f"apply {which}", codes=(0, 1))
        if outcome.code == 1 and "is locked by another process" not in outcome.stderr:
            trial.problems.append(f"apply {which} exited 1 for another reason than the lock: {tail(outcome)}")
        total += issued(outcome) or 0
    expected = documents(scenario.reference) - documents(scenario.before)
    if total != expected:
        trial.problems.append(f"the two applies issued {total} documents together; the run has {expected}")
    trial.detail = f"second started after {stagger:.3f} s; exits {outcomes[0].code} and {outcomes[1].code}"
    found = [marks(scenario.logs / f"pair-{seed}-{which}.trace") for which in "ab"]
    if 1 in (o.code for o in outcomes):
        trial.phase = "locked out"
    elif all("B" in m for m in found) and max(m["B"] for m in found) < min(m.get("X", 1e12) for m in found):
        trial.phase = "one waited"  # both asked for the write lock before either had released it
    else:
        trial.phase = "in turn"
    if [o.code for o in outcomes] == [1, 1]:
        trial.problems.append("both applies were refused: nobody held the lock")
    diff = difference(dump(scenario.ledger), scenario.reference)
    if diff:
        trial.problems.append(f"after both: the ledger differs from the reference: {diff}")
    trial.problems += after_disturbance(scenario, "exited", "after both")
    return trial


PAIR_PHASES = {
    "one waited": "one waited for the other's lock",
    "locked out": "one was refused: locked",
    "in turn": "one after the other (no overlap)",
}
PHASES.update(PAIR_PHASES)
