"""The anchor: the latest number and hash of each series, kept outside the ledger.

Anyone who can write the ledger file can rewrite its last documents and recompute
their hashes; nothing inside the file can show that. A copy of the latest hashes
kept elsewhere (committed, printed, mailed after every apply) can: `avtale ledger
verify --anchor FILE` checks that each series still has that number with that hash.

The text form, one line per series after a header with the format's version:

    avtale ledger anchor 1
    seller 925792403
    invoice 250010 22b50c71b6de...(64 hex digits)
    credit_note 950003 2901b04a445d...

`seller -` when the ledger records no identity; a series with no documents has no
line. Blank lines and lines starting with `#` are ignored when reading, so an
anchor may carry a note.
"""

from __future__ import annotations

import re

import attrs

from runtime.ledger.documents import KINDS, Kind
from runtime.ledger.errors import LedgerError

HEADER = "avtale ledger anchor"
VERSION = 1
HASH = re.compile(r"[0-9a-f]{64}\Z")
NUMBER = re.compile(r"[1-9][0-9]*\Z")
HELP = "an anchor is what `avtale ledger anchor` prints; save it again from a ledger you trust"


@attrs.frozen(kw_only=True)
class AnchorTail:
    series: Kind
    number: int
    hash: str


@attrs.frozen(kw_only=True)
class Anchor:
    seller_orgnr: str | None  # None: the ledger recorded no identity when the anchor was taken
    tails: tuple[AnchorTail, ...]  # the series with documents, invoices first


def format_anchor(anchor: Anchor) -> str:
    lines = [f"{HEADER} {VERSION}", f"seller {anchor.seller_orgnr or '-'}"]
    lines += [f"{tail.series} {tail.number} {tail.hash}" for tail in anchor.tails]
    return "\n".join(lines) + "\n"


def _malformed(number: int, problem: str) -> LedgerError:
    return LedgerError(f"not a ledger anchor: line {number}: {problem}", HELP)


def parse_anchor(text: str) -> Anchor:
    """The anchor in `text`; LedgerError naming the line for anything else."""
    found = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    found = [(n, line) for n, line in found if line and not line.startswith("#")]
    if not found:
        raise LedgerError("not a ledger anchor: the text is empty", HELP)
    number, header = found[0]
    words = header.split()
    if " ".join(words[:-1]) != HEADER or not words[-1].isdigit():
        raise _malformed(number, f"expected `{HEADER} {VERSION}`, found `{header[:60]}`")
    if int(words[-1]) != VERSION:
        raise LedgerError(
            f"the anchor has format version {words[-1]}; this Avtale reads version {VERSION}",
            "upgrade Avtale to verify against it",
        )
    seller: str | None = None
    seen_seller = False
    tails: dict[Kind, AnchorTail] = {}
    for number, line in found[1:]:
        words = line.split()
        if words[0] == "seller" and len(words) == 2 and not seen_seller:
            seen_seller = True
            seller = None if words[1] == "-" else words[1]
        elif words[0] in KINDS and len(words) == 3:
            tail = _tail(number, words)
            if tail.series in tails:
                raise _malformed(number, f"the {tail.series} series appears twice")
            tails[tail.series] = tail
        else:
            raise _malformed(number, f"expected `seller ORGNR` once or `SERIES NUMBER HASH`, found `{line[:60]}`")
    if not seen_seller:
        raise _malformed(found[0][0], "there is no `seller` line")
    return Anchor(seller_orgnr=seller, tails=tuple(tails[s] for s in KINDS if s in tails))


def _tail(number: int, words: list[str]) -> AnchorTail:
    series, count, digest = words
    if not NUMBER.match(count):
        raise _malformed(number, f"`{count}` is not a document number")
    if not HASH.match(digest):
        raise _malformed(number, "the hash is not 64 lowercase hex digits")
    kind: Kind = "invoice" if series == "invoice" else "credit_note"  # the caller checked it is one of KINDS
    return AnchorTail(series=kind, number=int(count), hash=digest)
