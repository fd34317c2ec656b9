"""`avtale check --against REV`: the guards on signed terms, for CI and pre-commit hooks.

Two rules, from REV to the work tree:

1. A signed amendment is never edited or removed. Amendments are compared by number, as parsed, so
   reformatting one or moving its contract to another file changes nothing; any change to what it
   says, or its removal (with its contract or alone), is refused.
2. A contract's terms are not rewritten, other than by a new amendment, for periods that already
   have issued lines in the ledger. For each contract with issued lines whose inputs changed, the
   contract at REV and the contract now, without its new amendments, are lowered and priced, and the
   lines of the invoiced billing periods must come out the same. A new amendment may well change an
   invoiced period (a back-dated one does): the next bill run corrects that period, as agreed.

Usage lines are compared by what prices them (metric, rule, days), not by an amount, so that no usage
needs reading: equal pieces bill equal amounts whatever the usage was. New contracts, new amendments
and changes to periods not yet invoiced pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import click

from compiler import model
from compiler.billing.lines import LineId, Tax, UsageLine
from compiler.billing.lower import KIND_ORDER, lower
from compiler.billing.price import price_schedule
from compiler.money import minor_unit, round_money
from compiler.settings import SETTINGS_FILE, parse_settings
from compiler.wording import same
from dsl import ast
from dsl.diagnostics import Diagnostic, Severity
from dsl.printer import quote, statement_text
from dsl.render import lines_from, render_text
from dsl.span import Span
from runtime.history.git import HistoryError
from runtime.history.log import WORK_TREE, History, describe, plain
from runtime.ledger.errors import LedgerError
from runtime.ledger.store import Ledger

AMENDMENT_HELP = (
    "a signed amendment stays as it was signed: restore amendment {number} as recorded at {rev}, and make the "
    "change in a new amendment {next} (or, for an invoice that was wrong, a correction)"
)
REMOVED_HELP = (
    "a signed contract stays in the workspace: restore it as recorded at {rev} and end it with a new amendment "
    "that says `terminate`"
)
INVOICED_HELP = (
    "a contract with invoices stays in the workspace: restore it and end it with an amendment that says `terminate`"
)
REWRITE_HELP = (
    "invoiced periods keep the terms they were billed on: undo this change and add an amendment that makes it "
    "from its effective date (the next bill run then corrects the invoiced periods it touches), or issue a correction"
)


@attrs.frozen(kw_only=True)
class Finding:
    """A change the guards refuse."""

    contract: str
    message: str
    span: Span
    label: str
    help: str

    def diagnostic(self) -> Diagnostic:
        return Diagnostic("", Severity.ERROR, self.message, self.span, self.label, self.help)


def _first(found: list[tuple[str, ast.Contract]]) -> tuple[str, ast.Contract] | None:
    return min(found, key=lambda f: f[0]) if found else None


def _statement(stmt: ast.AmendStmt) -> str:
    return f"charge {stmt.id.name} {{ ... }}" if isinstance(stmt, ast.Charge) else statement_text(stmt)


def _amendment_edit(old: ast.Amendment, new: ast.Amendment) -> str:
    """What an edit of an amendment changed: its header, and the statements it dropped and added."""
    parts = [f"reason {quote(old.reason)} -> {quote(new.reason)}"] if old.reason != new.reason else []
    parts += [
        f"{name} {getattr(old, name)} -> {getattr(new, name)}"
        for name in ("signed", "effective")
        if getattr(old, name) != getattr(new, name)
    ]
    dropped = [_statement(s) for s in old.body if s not in new.body]
    added = [_statement(s) for s in new.body if s not in old.body]
    if len(dropped) == 1 and len(added) == 1:
        parts.append(f"`{dropped[0]}` changed" if dropped == added else f"`{dropped[0]}` -> `{added[0]}`")
    else:
        parts += [f"`{text}` dropped" for text in dropped] + [f"`{text}` added" for text in added]
    return "; ".join(parts) or "its statements were reordered"


def signed_amendments(history: History, rev: str, rev_name: str) -> list[Finding]:
    """Rule 1: amendments recorded at `rev` (a commit id) that the work tree edits or removes."""
    changed = [p for p in history.changed(rev, WORK_TREE) if p != SETTINGS_FILE]
    before, after = history.tree(rev), history.tree(WORK_TREE)
    candidates: set[str] = set()
    for path in changed:
        for tree in (before, after):
            if path in tree:
                candidates |= {name for kind, name in history.declared(tree[path]) if kind == "contract"}
    findings: list[Finding] = []
    for contract in sorted(candidates):
        old = _first(history.declarations(rev, contract))
        if old is None:
            continue  # a new contract
        amendments = {s.number: s for s in old[1].body if isinstance(s, ast.Amendment)}
        if not amendments:
            continue
        new = _first(history.declarations(WORK_TREE, contract))
        if new is None:
            numbers = ", ".join(str(n) for n in sorted(amendments))
            plural = "s" if len(amendments) > 1 else ""
            findings.append(
                Finding(
                    contract=contract,
                    message=f"contract {contract} was removed, and with it signed amendment{plural} {numbers}",
                    span=Span(old[0], 0, 0, 0, 0),
                    label="",
                    help=REMOVED_HELP.format(rev=rev_name),
                )
            )
            continue
        path, decl = new
        now = {s.number: s for s in decl.body if isinstance(s, ast.Amendment)}
        following = max([*amendments, *now]) + 1
        for number, amendment in sorted(amendments.items()):
            help = AMENDMENT_HELP.format(number=number, rev=rev_name, next=following)
            if number not in now:
                findings.append(
                    Finding(
                        contract=contract,
                        message=f"signed amendment {number} of contract {contract} was removed",
                        span=decl.id.span,
                        label=f"amendment {number} is gone",
                        help=help,
                    )
                )
            elif now[number] != amendment:
                findings.append(
                    Finding(
                        contract=contract,
                        message=f"signed amendment {number} of contract {contract} was edited",
                        span=now[number].span,
                        label=_amendment_edit(amendment, now[number]),
                        help=help,
                    )
                )
    return findings


LineKey = tuple[LineId, Tax]
REACHING = frozenset({"seller", "customer", "plan", "metric", "index"})
"""Declarations that other contracts' terms come from."""


def invoiced_lines(
    contract: model.Contract, indices: Mapping[str, model.Index], periods: frozenset[tuple[date, date]]
) -> dict[LineKey, object]:
    """What the lines of the invoiced billing `periods` bill: the rounded amount of each fixed line, and
    for a usage line what prices it (no usage is read, so the amount itself is not known)."""
    if not periods:
        return {}
    until = max(end for _, end in periods) + timedelta(days=1)
    schedule = lower(contract, indices, until)
    priced = price_schedule(schedule, {}, until)
    found: dict[LineKey, object] = {}
    for line in priced.lines:
        if (line.id.period_start, line.id.period_end) not in periods:
            continue
        if isinstance(line.line, UsageLine):
            found[line.id, line.tax] = plain(line.line.pieces)
        else:
            found[line.id, line.tax] = line.net
    for blocked in priced.blocked:
        for key in [(ln.id, ln.tax) for ln in schedule.lines if ln.id.charge == blocked.charge]:
            if (key[0].period_start, key[0].period_end) in periods and key not in found:
                found[key] = ("blocked", blocked.reason)
    return found


def _shown(value: object, currency: str) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, Decimal):
        return f"{round_money(value, currency):,.{minor_unit(currency)}f}".replace(",", " ")
    if isinstance(value, tuple) and value[:1] == ("blocked",):
        return "blocked"
    return "metered"


def _line_order(key: LineKey) -> tuple[date, str, int, str]:
    line = key[0]
    return (line.period_start, line.charge, KIND_ORDER[line.kind], line.discount)


def _differences(old: Mapping[LineKey, object], new: Mapping[LineKey, object], currency: str) -> list[str]:
    lines = []
    for key in sorted(set(old) | set(new), key=_line_order):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        line = key[0]
        what = line.charge if line.kind != "discount" else f"{line.charge} discount"
        if line.kind == "usage":
            what += " usage"
        last = line.period_end - timedelta(days=1)
        was, now = _shown(a, currency), _shown(b, currency)
        change = "priced differently" if was == now == "metered" else f"{was} -> {now}"
        lines.append(f"{line.period_start}..{last} {what} {change}")
    return lines


def rewritten_terms(
    history: History, rev: str, ledger: Ledger, reported: frozenset[str] = frozenset()
) -> list[Finding]:
    """Rule 2: contracts whose invoiced periods bill differently now, other than by new amendments.
    `reported`: contracts whose removal rule 1 already refused."""
    issued = set(ledger.contracts_between(None, None))
    changes = history.changes(rev, WORK_TREE)
    touched: set[tuple[str, str]] = set()
    for path, keys in changes.items():
        if path != SETTINGS_FILE:
            touched |= {pair for key in keys if key is not None for pair in history.declared(key)}
    if SETTINGS_FILE not in changes and not any(kind in REACHING for kind, _ in touched):
        # only contracts' own files changed: only the contracts they declare can bill differently
        issued &= {name for kind, name in touched if kind == "contract"}
    findings: list[Finding] = []
    for contract in sorted(issued):
        if history.inputs(rev, contract) == history.inputs(WORK_TREE, contract):
            continue  # the same files: the same terms
        old = history.state(rev, contract)
        if old.contract is None:
            continue  # nothing recorded to compare with
        new = history.state(WORK_TREE, contract)
        if new.exists and new.contract is None:
            continue  # `avtale check` reports its errors
        if new.contract is not None:
            added = frozenset(a.number for a in new.contract.amendments) - {a.number for a in old.contract.amendments}
            if added:
                new = history.state(WORK_TREE, contract, drop_amendments=added)
                if new.contract is None:
                    continue
            if same(old.contract, new.contract) and same(old.indices, new.indices):
                continue
        periods = frozenset((line.billing_start, line.billing_end) for line in ledger.issued_lines(contract))
        before = invoiced_lines(old.contract, old.indices, periods)
        after = invoiced_lines(new.contract, new.indices, periods) if new.contract is not None else {}
        differences = _differences(before, after, old.contract.currency)
        if not differences:
            continue
        more = f" (and {len(differences) - 3} more)" if len(differences) > 3 else ""
        invoiced = f"invoiced periods change: {'; '.join(differences[:3])}{more}"
        if new.contract is None:
            if contract in reported:
                continue
            findings.append(
                Finding(
                    contract=contract,
                    message=f"contract {contract} was removed, but it has invoiced periods",
                    span=Span(old.path or "", 0, 0, 0, 0),
                    label="",
                    help=f"{invoiced}; {INVOICED_HELP}",
                )
            )
            continue
        what = "; ".join(describe(old, new)) or "its terms changed"
        findings.append(
            Finding(
                contract=contract,
                message=f"contract {contract} was rewritten for periods already invoiced",
                span=new.where or Span(new.path or "", 0, 0, 0, 0),
                label=what,
                help=f"{invoiced}; {REWRITE_HELP}",
            )
        )
    return findings


@attrs.frozen(kw_only=True)
class Guarded:
    revision: str
    """The full id REV names."""
    findings: tuple[Finding, ...]
    ledger: bool
    """Whether a ledger was read (rule 2 needs one)."""


def guard(history: History, rev: str) -> Guarded:
    """Both rules, from `rev` to the work tree."""
    commit = history.repo.resolve(rev)
    findings = signed_amendments(history, commit, rev)
    removed = frozenset(f.contract for f in findings if f.span.line == 0)
    key = history.tree(WORK_TREE).get(SETTINGS_FILE)
    text = history.content(key).decode("utf-8", errors="replace") if key is not None else ""
    path = (history.root / parse_settings(text)[0].ledger).resolve()
    has_ledger = path.exists()
    if has_ledger:
        with Ledger.open(path, create=False, read_only=True) as ledger:
            findings += rewritten_terms(history, commit, ledger, removed)
    return Guarded(revision=commit, findings=tuple(findings), ledger=has_ledger)


def check_against(root: Path, against: str | None, *, rev: str | None, color: bool, as_json: bool) -> None:
    """What `avtale check --against REV` adds to the check: the guards, printed after it; exit 1 when
    they refuse a change (or cannot run). Nothing when `against` is None. `rev`: check's --rev, which
    this cannot be combined with (the guards compare with the files on disk)."""
    if against is None:
        return
    echo = (lambda text: click.echo(text, err=True)) if as_json else click.echo
    if rev is not None:
        click.echo("error: --against compares a revision with the files on disk, so it cannot go with --rev", err=True)
        click.echo("  = help: check out the later revision (or a work tree of it) and run --against there", err=True)
        raise SystemExit(1)
    rev = against
    try:
        history = History(root)
        if history.head() is None:
            echo(f"check --against {rev}: the repository has no commits yet, so nothing is signed to compare with")
            return
        found = guard(history, rev)
    except (HistoryError, LedgerError) as exc:
        echo(f"error: {exc}\n  = help: {exc.help}")
        raise SystemExit(1) from None
    sources = {
        path: history.content(key).decode("utf-8", errors="replace") for path, key in history.tree(WORK_TREE).items()
    }
    shown = lines_from(sources)
    for finding in found.findings:
        echo(render_text(finding.diagnostic(), shown, color=color).replace("error[]", "error", 1))
        echo("")
    short = found.revision[:12]
    if found.findings:
        count = len(found.findings)
        echo(f"check --against {rev} ({short}): {count} change{'s' if count != 1 else ''} to signed terms refused")
        raise SystemExit(1)
    invoiced = "no invoiced period changed" if found.ledger else "no ledger, so no invoiced periods"
    if not as_json:
        echo(f"check --against {rev} ({short}): no signed amendment edited or removed, {invoiced}")
