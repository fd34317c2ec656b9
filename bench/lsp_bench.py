"""Benchmark the language server's re-check after an edit, warm, at 10,000 contracts.

    python bench/lsp_bench.py [--contracts 10000] [--seed 1] [--runs 7] [--protocol]

Measured in the server's `Session` (runtime/lsp/session.py), in this process: the work the server
does for each check after a pause in typing, from the buffer's new text to the list of files whose
diagnostics changed (`set_buffer`, `snapshot`, `changed_diagnostics`). Not included: the JSON-RPC
round trip and the debounce (runtime/lsp/server.py DEBOUNCE, 0.1 s), which a user sees on top.

With --protocol, also through the protocol, as an editor sees it: the server started as a
subprocess (`python -m runtime.lsp.server`), the time until the first diagnostics arrive and until
all have, then the time from a didChange in one contract (a letter added to its customer id, then
taken away) until that file's new diagnostics arrive, the debounce included.

- one contract: a `quantity` in one contract file, changed and changed back (each run is a real edit);
- plan: the price of a charge in the plan version whose followers come nearest 2,000 (at 10,000
  contracts, seed 1: 2,0xx), changed and changed back; every follower is checked again.

The workspace is bench/out/revenue-N-sS when it exists (bench/generate.py, which makes it otherwise).
Medians and ranges of the warm runs are printed; the first edit of each kind is a warm-up, not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402

from runtime.lsp.session import Session  # noqa: E402

TARGETS = {"one contract": 0.100, "plan": 1.0}
"""Seconds (issue 12), warm, at 10,000 contracts."""


def workspace(contracts: int, seed: int) -> Path:
    root = BENCH / "out" / f"revenue-{contracts}-s{seed}"
    if not (root / "avtale.toml").exists():
        generate.generate(root, contracts, seed)
    return root


def timed(session: Session, path: str, texts: tuple[str, str], runs: int) -> tuple[list[float], int, int]:
    """Seconds per edit (alternating the two texts), the declarations re-checked, files republished."""
    samples: list[float] = []
    checked = published = 0
    for run in range(runs + 1):
        start = time.perf_counter()
        session.set_buffer(path, texts[(run + 1) % 2])
        snapshot = session.snapshot()
        changed = session.changed_diagnostics()
        elapsed = time.perf_counter() - start
        if run:  # the first is a warm-up
            samples.append(elapsed)
        checked, published = snapshot.checked, len(changed)
    return samples, checked, published


async def _protocol(root: Path, runs: int) -> None:
    from lsprotocol import types
    from pygls.uris import from_fs_path
    from pytest_lsp import client_capabilities, make_test_lsp_client

    client = make_test_lsp_client()

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        """Accept the file watching the server asks for (this client sends the events itself)."""

    start = time.perf_counter()
    await client.start_io(sys.executable, "-m", "runtime.lsp.server", cwd=str(REPO))
    folder = from_fs_path(str(root))
    await client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("visual-studio-code"), root_uri=folder)
    )
    while not client.diagnostics:
        await asyncio.sleep(0.01)
    first = time.perf_counter() - start
    count = -1
    while count != len(client.diagnostics):  # all sent once none arrive for half a second
        count = len(client.diagnostics)
        await asyncio.sleep(0.5)
    print(f"protocol: first diagnostics after {first:.2f} s; {count:,} files' diagnostics received")
    path = next(p for p in sorted((root / "contracts").rglob("*.avt")))
    text = path.read_text("utf-8")
    line = next(n for n, t in enumerate(text.split("\n")) if t.startswith("  customer "))
    end = len(text.split("\n")[line])
    uri = from_fs_path(str(path))
    item = types.TextDocumentItem(uri=uri, language_id="avt", version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    samples: list[float] = []
    for run in range(runs + 1):
        before = client.diagnostics.get(uri)
        typed = run % 2 == 0
        edit = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(line, end), types.Position(line, end if typed else end + 1)),
            text="x" if typed else "",
        )
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=run + 2), content_changes=[edit]
            )
        )
        while client.diagnostics.get(uri) is before:
            await asyncio.sleep(0.002)
        if run:
            samples.append(time.perf_counter() - sent)
    print(
        f"protocol: didChange to published diagnostics of the file, median {statistics.median(samples) * 1000:.0f} ms "
        f"(min {min(samples) * 1000:.0f}, max {max(samples) * 1000:.0f}; the 100 ms pause included)"
    )
    await client.shutdown_session()
    await client.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--protocol", action="store_true", help="also time the server over its protocol")
    args = parser.parse_args(argv)
    root = workspace(args.contracts, args.seed)

    start = time.perf_counter()
    session = Session(root)
    snapshot = session.snapshot()
    session.changed_diagnostics()
    index_start = time.perf_counter()
    session.index()
    print(
        f"{root.relative_to(REPO)}: {len(snapshot.files)} files; first check {index_start - start:.2f} s "
        f"(read, parse, check), first name index {time.perf_counter() - index_start:.2f} s"
    )
    model = snapshot.workspace
    assert model is not None, "the benchmark workspace must check without syntax errors"

    # one contract: the first file with a `quantity`
    contract_path = next(
        p for p, t in sorted(snapshot.texts.items()) if p.startswith("contracts/") and " quantity " in t
    )
    original = snapshot.texts[contract_path]
    edited = re.sub(r"quantity (\d+)", lambda m: f"quantity {int(m.group(1)) + 1}", original, count=1)

    # plan: the version whose followers come nearest 2,000, and a price in it
    followers = Counter((c.plan.plan, c.plan.version) for c in model.contracts.values() if c.plan is not None)
    (plan, version), count = min(followers.items(), key=lambda item: abs(item[1] - 2_000))
    decl = model.plans[plan]
    chosen = next(v for v in decl if v.effective == version)
    plan_path = chosen.span.file
    plan_text = snapshot.texts[plan_path]
    header = f"effective {version}"
    at = plan_text.index(header)
    price = re.compile(r"(flat|per_unit) ([\d_]+)\.(\d\d)")
    found = price.search(plan_text, at)
    assert found is not None
    plan_edited = plan_text[: found.start(3)] + f"{(int(found.group(3)) + 1) % 100:02d}" + plan_text[found.end(3) :]

    rows = [
        ("one contract", contract_path, (original, edited)),
        ("plan", plan_path, (plan_text, plan_edited)),
    ]
    print(f"plan edited: `{plan}` version {version}, followed by {count:,} contracts")
    print(f"{'edit':<14} {'median':>9} {'min':>9} {'max':>9} {'target':>8}  re-checked  republished")
    for name, path, texts in rows:
        samples, checked, published = timed(session, path, texts, args.runs)
        median = statistics.median(samples)
        target = TARGETS[name]
        print(
            f"{name:<14} {median * 1000:7.1f}ms {min(samples) * 1000:7.1f}ms {max(samples) * 1000:7.1f}ms "
            f"{target * 1000:6.0f}ms  {checked:>10,}  {published:>11,}"
            + ("" if median <= target else "  (over target)")
        )
    if args.protocol:
        asyncio.run(_protocol(root, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
