"""`avtale export saft --year YYYY --out FILE`: the revenue journal of a year as SAF-T Financial 1.30."""

from __future__ import annotations

from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

import click

from compiler.model import Address
from runtime.cli.options import Context
from runtime.cli.revenue_journal import JournalInputs, entries_between, fail, journal_inputs

if TYPE_CHECKING:
    from runtime.revenue.saft import SaftCustomer


def _customers(inputs: JournalInputs) -> dict[str, SaftCustomer]:
    """The workspace's customers; one that is gone from it is listed as its last document named it."""
    from runtime.revenue.saft import SaftCustomer

    out = {
        cid: SaftCustomer(id=cid, name=c.name, orgnr=c.orgnr, address=c.address)
        for cid, c in inputs.workspace.customers.items()
    }
    for doc in inputs.documents:
        if doc.customer in out or doc.parties is None:
            continue
        buyer = doc.parties.buyer
        address = buyer.address
        out[doc.customer] = SaftCustomer(
            id=doc.customer,
            name=buyer.name,
            orgnr=buyer.orgnr,
            address=None
            if address is None
            else Address(street=address.street, postcode=address.postcode, city=address.city, country=address.country),
        )
    return out


def _software_version() -> str:
    try:
        return version("avtale")
    except PackageNotFoundError:
        return "unknown"


@click.command("saft")
@click.option("--year", type=click.IntRange(1970, 2100), required=True, help="The accounting year (calendar year).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout).")
@click.pass_obj
def saft_export(ctx: Context, year: int, out: Path | None) -> None:
    """The revenue journal of a year as a SAF-T Financial 1.30 file (Skatteetaten's format).

    Accounts carry their grouping codes, customers their receivable balances, lines their
    standard VAT codes; entries before the year make the opening balances. Amounts must be
    in NOK.
    """
    from runtime.revenue.saft import SaftError, saft_document  # here: other commands need not load lxml

    now = datetime.now(UTC)
    # Revenue is recognised for the months ended by today, or the whole year once it is over.
    inputs = journal_inputs(ctx, min(now.date(), date(year, 12, 31)))
    entries = entries_between(inputs, date.min, date(year + 1, 1, 1))
    try:
        xml = saft_document(
            inputs.seller,
            _customers(inputs),
            inputs.seller.accounts,
            entries,
            year,
            now,
            _software_version(),
        )
    except SaftError as exc:
        fail(str(exc), exc.help)
    if out is None:
        click.echo(xml.decode("utf-8"), nl=False)
        return
    try:
        out.write_bytes(xml)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}", "give --out a file in an existing, writable folder")
    count = sum(1 for e in entries if e.date.year == year)
    click.echo(f"wrote SAF-T Financial 1.30 for {year} ({count} transactions) to {out}")
