"""What the last applied run settled, so that a monthly run lowers, prices and reconciles a month.

After an apply at D every line due by D stands issued as expected: that is what
an apply does. The ledger then records, per contract, D with two digests: of
everything the contract's amounts are computed from (its file, every file that
declares a plan, customer, metric, index or the seller, and the version of
Avtale's compiler), and of its usage events dated before D. A later run at D'
on or after D, for a contract whose two digests are unchanged, can only find
differences in lines due after D: it lowers and prices only those, and
reconciles only their identities. Any change (an edited contract or plan, a
late event for a billed period, a new Avtale, a run dated before D) makes the
contract's run a full one again, and a contract with no settlement (new, or
never billed) always gets a full run: a contract due but never billed is still
found. Contracts with a minimum commitment always get a full run, since a
true-up adds up the whole contract year; so do contracts that carry a balance
from period to period (a prepaid credit, free units that roll over), since a
period's price depends on every period before it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path

import attrs

from compiler import model
from compiler.billing.lower import carries_balance
from runtime.ledger.documents import Settlement

__all__ = [
    "Inputs",
    "Settled",
    "Settlement",
    "UsageDigests",
    "billing_code_version",
    "settled_since",
    "terms_digests",
]

UsageDigests = Callable[[Sequence[tuple[str, date]]], Mapping[str, str]]
"""For (contract, D) pairs, the digest of each contract's usage events dated before its D."""


@attrs.frozen(kw_only=True)
class Settled:
    """What a chunk of a run knows settled: contracts with the date they are settled up to, and so which
    issued lines the chunk must read (those billed after `after`, and every line of `whole`)."""

    since: Mapping[str, date] = attrs.field(factory=dict)
    after: date | None = None
    whole: tuple[str, ...] = ()
    taken_over: Mapping[str, date] = attrs.field(factory=dict)
    """The first day Avtale bills each contract of the chunk from, as the ledger recorded it (`takeovers`)."""


@attrs.frozen(kw_only=True)
class Inputs:
    """What a run needs to tell a settled contract: the digests of its terms now, and of its usage."""

    terms: Mapping[str, str]
    usage: UsageDigests


def billing_code_version(compiler_version: str) -> str:
    """The compiler's version with the runtime code that meters usage and reconciles: a new version of
    either may bill the same inputs differently, so it makes every contract plan whole."""
    digest = hashlib.sha256(compiler_version.encode())
    base = Path(__file__).resolve().parent.parent
    for path in sorted([*(base / "billing").glob("*.py"), *(base / "usage").glob("*.py")]):
        digest.update(path.relative_to(base).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def terms_digests(checked: model.Workspace, sources: Mapping[str, bytes], code_version: str) -> dict[str, str]:
    """Each contract's digest of what its amounts are computed from."""
    files: dict[str, str] = {}

    def digest(path: str) -> str:
        if path not in files:
            files[path] = hashlib.sha256(sources.get(path, b"")).hexdigest()
        return files[path]

    shared = {checked.seller.span.file} if checked.seller else set()
    shared |= {c.span.file for c in checked.customers.values()}
    shared |= {m.span.file for m in checked.metrics.values()}
    shared |= {i.span.file for i in checked.indices.values()}
    shared |= {v.span.file for versions in checked.plans.values() for v in versions}
    common = hashlib.sha256(code_version.encode())
    for path in sorted(shared):
        common.update(f"{path}\0{digest(path)}\n".encode())
    base = common.hexdigest()
    return {
        cid: hashlib.sha256(f"{base}\0{c.span.file}\0{digest(c.span.file)}".encode()).hexdigest()
        for cid, c in checked.contracts.items()
    }


def settled_since(
    checked: model.Workspace,
    contracts: Sequence[str],
    recorded: Mapping[str, Settlement],
    inputs: Inputs,
    as_of: date,
) -> dict[str, date]:
    """The contracts of a chunk whose lines due by some D are known settled, with that D."""
    candidates = [
        (cid, found.as_of)
        for cid in contracts
        if (found := recorded.get(cid)) is not None
        and found.as_of <= as_of
        and found.terms == inputs.terms.get(cid)
        and checked.contracts[cid].minimum is None
        and not carries_balance(checked.contracts[cid])
    ]
    if not candidates:
        return {}
    usage = inputs.usage(candidates)
    return {cid: day for cid, day in candidates if usage.get(cid) == recorded[cid].usage}
