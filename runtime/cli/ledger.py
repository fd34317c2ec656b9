"""`avtale ledger init|verify|anchor|runs|backfill`: set up the ledger for the seller, check it, anchor its
chain, list its bill runs, and give documents issued before snapshots one from today's workspace."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from compiler import model
from runtime.billing.parties import buyer_party, charge_of, line_details, seller_party
from runtime.cli.bill import KIND_NAMES, identity_of, ledger_path
from runtime.cli.options import Context, workspace_root
from runtime.cli.workspace import load_checked
from runtime.ledger import (
    Anchor,
    BillRun,
    IssuedDocument,
    Kind,
    Ledger,
    LedgerError,
    LedgerIdentity,
    LineDetails,
    Parties,
    SeriesState,
    format_anchor,
    parse_anchor,
)
from runtime.ledger.checks import warning
from runtime.ledger.identity import timestamp
from runtime.loader import WorkspaceError, load

SHORT = 12  # hex digits of a hash shown in a summary


def _fail(message: str, help: str) -> NoReturn:
    click.echo(f"error: {message}\n  = help: {help}", err=True)
    sys.exit(1)


def _path(ctx: Context) -> Path:
    """The ledger the workspace's `ledger` setting names (only avtale.toml is read)."""
    root = workspace_root(ctx)
    try:
        workspace = load(root, need_model=False)
    except WorkspaceError as exc:
        _fail(str(exc), exc.help)
    return ledger_path(root, workspace.settings.ledger)


@click.group()
def ledger() -> None:
    """The ledger of issued documents: set it up, verify it, anchor its hash chain, list its runs, backfill
    snapshots of older documents."""


@ledger.command("init")
@click.pass_obj
def init(ctx: Context) -> None:
    """Create the ledger for the workspace's seller, or adopt one that has no seller recorded yet.

    Records the seller's organisation number and name, and the first invoice and
    credit-note numbers, once: a bill run refuses a ledger whose record differs
    from the workspace. A ledger that already has documents is adopted only if its
    series started at the seller's first numbers.
    """
    workspace, model_ = load_checked(ctx)
    if model_.seller is None:  # a checked workspace has one; kept for the type checker
        _fail("the workspace has no seller", "declare one: `seller acme { ... }` (docs/language.md)")
    identity = identity_of(model_.seller)
    path = ledger_path(workspace.root, workspace.settings.ledger)
    try:
        with Ledger.init(path, identity, datetime.now(UTC)) as opened:
            info = opened.info()
            states = opened.series()
    except LedgerError as exc:
        _fail(exc.message, exc.help)
    assert info is not None, "init records the identity"
    click.echo(f"Initialised the ledger at {path}")
    click.echo(f"  seller               {identity.seller_name} (organisation number {identity.seller_orgnr})")
    click.echo(f"  invoice numbers      from {identity.invoice_first}")
    click.echo(f"  credit note numbers  from {identity.credit_note_first}")
    click.echo(f"  initialised          {timestamp(info.initialised_at)}")
    held = [s for s in states if s.documents]
    if held:
        click.echo("  adopted with         " + "; ".join(_held(s) for s in held))
    click.echo("Next: `avtale bill --as-of DATE` shows a plan; `avtale bill --as-of DATE --apply` issues it.")


def _held(state: SeriesState) -> str:
    name = KIND_NAMES[state.series]
    return f"{state.documents} {name}s ({state.first}–{state.next - 1}), next {state.next}"


def _summary(states: list[SeriesState]) -> str:
    parts = [
        f"{s.documents} {KIND_NAMES[s.series]}{'s' if s.documents != 1 else ''}"
        + (f" (last {s.next - 1}, hash {s.last_hash[:SHORT]})" if s.last_hash else "")
        for s in states
    ]
    return ", ".join(parts) if parts else "no documents"


def _read_anchor(file: Path) -> Anchor:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read the anchor {file}: {exc}", "pass the file `avtale ledger anchor` wrote")
    try:
        return parse_anchor(text)
    except LedgerError as exc:
        _fail(f"{file}: {exc.message}", exc.help)


@ledger.command("verify")
@click.option(
    "--anchor",
    "anchor_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An anchor saved earlier (`avtale ledger anchor > FILE`): each series must still end in it or after it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def verify(ctx: Context, anchor_file: Path | None, as_json: bool) -> None:
    """Check the whole ledger: its file, schema, identity, numbers, hash chain and totals.

    Exit status 0 when all is well (one summary line), 1 when anything is wrong
    (every problem, located). Reads only: it works in a read-only folder.
    """
    path = _path(ctx)
    anchor = _read_anchor(anchor_file) if anchor_file is not None else None
    if not path.exists():
        _fail(f"there is no ledger at {path}", "`avtale ledger init` creates it; check the `ledger` setting")
    problems, states, identity = _check(path, anchor)
    if as_json:
        click.echo(json.dumps(_json(path, problems, states, identity, anchor_file), indent=2, ensure_ascii=False))
    elif problems:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the ledger at {path}\n"
            "  = help: restore the ledger from a backup taken before the first problem; an issued document "
            "must never be changed, so do not repair it by hand",
            err=True,
        )
    else:
        anchored = f"; matches the anchor {anchor_file}" if anchor_file is not None else ""
        click.echo(f"OK: {path.name}: {_summary(states)}{anchored}")
        if identity is None:
            click.echo(
                "warning: the ledger records no seller yet; `avtale ledger init` records it (bill runs refuse "
                "until then)",
                err=True,
            )
    sys.exit(1 if problems else 0)


def _check(path: Path, anchor: Anchor | None) -> tuple[list[str], list[SeriesState], LedgerIdentity | None]:
    """The problems, the series and the identity; a file that cannot be opened as a ledger is one problem."""
    try:
        with Ledger.open(path, create=False, read_only=True) as opened:
            problems = opened.verify(anchor)
            try:
                return problems, opened.series(), opened.identity()
            except LedgerError:
                return problems, [], None  # verify() already reported why
    except LedgerError as exc:  # not a ledger, a damaged file, a newer schema: reported like any problem
        return [exc.message], [], None


def _json(
    path: Path,
    problems: list[str],
    states: list[SeriesState],
    identity: LedgerIdentity | None,
    anchor_file: Path | None,
) -> dict[str, Any]:
    return {
        "ledger": str(path),
        "ok": not problems,
        "problems": problems,
        "anchor": str(anchor_file) if anchor_file is not None else None,
        "identity": None
        if identity is None
        else {
            "seller_orgnr": identity.seller_orgnr,
            "seller_name": identity.seller_name,
            "invoice_first": identity.invoice_first,
            "credit_note_first": identity.credit_note_first,
        },
        "series": [
            {
                "series": s.series,
                "first": s.first,
                "next": s.next,
                "documents": s.documents,
                "last_hash": s.last_hash,
            }
            for s in states
        ],
    }


@ledger.command("anchor")
@click.pass_obj
def anchor(ctx: Context) -> None:
    """Print the latest number and hash of each series: save it outside the ledger.

    `avtale ledger anchor > anchor.txt` after each apply, committed or mailed
    somewhere the ledger's writers cannot change; `avtale ledger verify --anchor
    anchor.txt` later shows whether the ledger was rewritten or cut short since.
    """
    path = _path(ctx)
    try:
        with Ledger.open(path, create=False, read_only=True) as opened:
            text = format_anchor(opened.anchor())
    except LedgerError as exc:
        _fail(exc.message, exc.help)
    click.echo(text, nl=False)


NOT_RECORDED = "not recorded"


def _issued(counts: dict[Kind, int]) -> str:
    """What a run issued, e.g. "1 invoice, 3 credit notes"; "nothing" for none."""
    parts = [
        f"{counts[kind]} {KIND_NAMES[kind]}{'s' if counts[kind] != 1 else ''}"
        for kind in ("invoice", "credit_note")
        if counts.get(kind)
    ]
    return ", ".join(parts) or "nothing"


@ledger.command("runs")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON, with full commit ids.")
@click.pass_obj
def runs(ctx: Context, as_json: bool) -> None:
    """List the applied bill runs: number, as-of date, workspace revision and documents issued.

    The revision is the git commit the workspace was at when the run was applied,
    abbreviated, with `+dirty` when its files differed from that commit (a change
    not committed, or an untracked .avt file): such a run cannot be reproduced
    from git alone. `not recorded` for a run of a workspace outside git, or one
    applied before the ledger recorded revisions (schema version 4). Reads only.
    """
    path = _path(ctx)
    try:
        with Ledger.open(path, create=False, read_only=True) as opened:
            found = opened.bill_runs()
            counts = opened.documents_by_run()
    except LedgerError as exc:
        _fail(exc.message, exc.help)
    if as_json:
        click.echo(json.dumps([_run_json(run, counts.get(run.id, {})) for run in found], indent=2))
        return
    if not found:
        click.echo(f"no bill runs in the ledger at {path} yet")
        return
    table = [("run", "as of", "revision", "documents")]
    for run in found:
        revision = run.revision.describe(SHORT) if run.revision is not None else NOT_RECORDED
        table.append((str(run.id), run.as_of.isoformat(), revision, _issued(counts.get(run.id, {}))))
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for number, as_of, revision, issued in table:
        click.echo(f"{number:>{widths[0]}}  {as_of:<{widths[1]}}  {revision:<{widths[2]}}  {issued}")


def _run_json(run: BillRun, counts: dict[Kind, int]) -> dict[str, Any]:
    revision = run.revision
    return {
        "run": run.id,
        "as_of": run.as_of.isoformat(),
        "commit": revision.commit if revision is not None else None,
        "dirty": revision.dirty if revision is not None else None,
        "invoices": counts.get("invoice", 0),
        "credit_notes": counts.get("credit_note", 0),
    }


Snapshot = tuple[Parties, tuple[LineDetails, ...]]


def _backfill_of(workspace: model.Workspace, doc: IssuedDocument) -> Snapshot | str:
    """The snapshot today's workspace gives a document, or why it gives none: its customer, contract or a
    line's charge is gone, so what the workspace says now cannot be what the document showed."""
    assert workspace.seller is not None, "a checked workspace has a seller"
    if warning(doc) is not None:
        return "it fails its hash check (`avtale ledger verify` says what changed); a snapshot would hide that"
    customer = workspace.customers.get(doc.customer)
    if customer is None:
        return f"customer {doc.customer} is no longer in the workspace"
    contract = workspace.contracts.get(doc.contract)
    if contract is None:
        return f"contract {doc.contract} is no longer in the workspace"
    for position, line in enumerate(doc.lines, start=1):
        if line.kind != "minimum" and charge_of(contract, line) is None:
            return f"line {position} bills charge `{line.charge}`, which contract {doc.contract} no longer has"
    parties = Parties(seller=seller_party(workspace.seller), buyer=buyer_party(customer), source="backfill")
    return parties, tuple(line_details(workspace, line) for line in doc.lines)


@ledger.command("backfill")
@click.option("--dry-run", is_flag=True, help="Say what would be recorded, and record nothing.")
@click.pass_obj
def backfill(ctx: Context, dry_run: bool) -> None:
    """Record the parties and line details of documents issued before the ledger kept them.

    Documents issued since ledger schema version 5 carry both parties and each line's unit
    code and VAT reason as they stood on the day of issue, covered by their hash. Older
    documents have none; an EHF or PDF of one needs them. This takes them from today's
    workspace, marks them as backfilled (with when), and leaves every hash as it is: a
    backfilled snapshot is not covered by it. A document that has a snapshot keeps it, so
    running it again records nothing.
    """
    workspace, model_ = load_checked(ctx)
    assert model_.seller is not None, "a checked workspace has a seller"
    path = ledger_path(workspace.root, workspace.settings.ledger)
    try:
        with Ledger.open(path, create=False, read_only=dry_run) as opened:
            opened.check_identity(identity_of(model_.seller))
            bare = [doc for doc in opened.documents() if doc.parties is None]
            found = {(doc.series, doc.number): _backfill_of(model_, doc) for doc in bare}
            wanted = {key: value for key, value in found.items() if not isinstance(value, str)}
            now = datetime.now(UTC).replace(microsecond=0)  # the one clock: the command's
            done = len(wanted) if dry_run else opened.backfill_parties(wanted, recorded_at=now)
    except LedgerError as exc:
        _fail(exc.message, exc.help)
    for (series, number), why in found.items():
        if isinstance(why, str):
            click.echo(f"warning: {KIND_NAMES[series]} {number} is left without a snapshot: {why}", err=True)
    if not bare:
        click.echo(f"nothing to backfill: every document in the ledger at {path} has its snapshot")
        return
    verb = "would record" if dry_run else "recorded"
    click.echo(
        f"{verb} snapshots of the parties and lines of {done} document{'s' if done != 1 else ''} from today's "
        "workspace, marked as backfilled: not covered by their hash"
    )
    if dry_run:
        click.echo("nothing was recorded (--dry-run)")
    left = sum(isinstance(why, str) for why in found.values())
    if left:
        _fail(
            f"{left} document{'s were' if left != 1 else ' was'} left without a snapshot (see the warnings above)",
            "put back what they were issued for (the customer, contract or charge, as in git history), "
            "then run `avtale ledger backfill` again",
        )
