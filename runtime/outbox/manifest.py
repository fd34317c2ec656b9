"""`<outbox>/<channel>/manifest.jsonl`: one line per document handed over, the list an adapter works from.

Rows are only ever added. A line is a JSON object with its keys always in the order of
`FIELDS`, so the same handovers give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import attrs

from runtime.ledger.documents import KINDS, Kind
from runtime.ledger.handovers import Channel, Handover
from runtime.ledger.identity import parse_timestamp, timestamp
from runtime.outbox.errors import OutboxError
from runtime.outbox.files import write_atomically

MANIFEST = "manifest.jsonl"
FIELDS = ("series", "number", "file", "sha256", "recipient", "handed_over_at")


@attrs.frozen(kw_only=True)
class ManifestRow:
    series: Kind
    number: int
    file: str
    """Relative to the outbox folder, with forward slashes: `peppol/250001.sbd.xml`."""
    sha256: str
    recipient: str
    """The PEPPOL participant id, the e-mail address, or the postal address on one line."""
    handed_over_at: datetime

    def handover(self, channel: Channel) -> Handover:
        return Handover(
            series=self.series,
            number=self.number,
            channel=channel,
            file=self.file,
            sha256=self.sha256,
            handed_over_at=self.handed_over_at,
        )


def manifest_path(outbox: Path, channel: Channel) -> Path:
    return outbox / channel / MANIFEST


def line(row: ManifestRow) -> str:
    values = {
        "series": row.series,
        "number": row.number,
        "file": row.file,
        "sha256": row.sha256,
        "recipient": row.recipient,
        "handed_over_at": timestamp(row.handed_over_at),
    }
    return json.dumps({key: values[key] for key in FIELDS}, ensure_ascii=False, separators=(", ", ": ")) + "\n"


def _row(text: str) -> ManifestRow:
    data = json.loads(text)
    if not isinstance(data, dict) or set(data) != set(FIELDS):
        raise ValueError(f"expected the keys {', '.join(FIELDS)}")
    series, number = data["series"], data["number"]
    if series not in KINDS or not isinstance(number, int) or isinstance(number, bool):
        raise ValueError(f"no document {series!r} {number!r}")
    if not all(isinstance(data[key], str) for key in ("file", "sha256", "recipient")):
        raise ValueError("file, sha256 and recipient must be text")
    return ManifestRow(
        series=series,
        number=number,
        file=data["file"],
        sha256=data["sha256"],
        recipient=data["recipient"],
        handed_over_at=parse_timestamp(data["handed_over_at"]),
    )


def read(path: Path) -> list[ManifestRow]:
    """The rows of a manifest, in order; [] when there is none yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise OutboxError(f"cannot read {path}: {exc}", "check the file and its permissions") from None
    rows = []
    for number, text_line in enumerate(text.splitlines(), start=1):
        if not text_line.strip():
            continue
        try:
            rows.append(_row(text_line))
        except (ValueError, TypeError) as exc:
            raise OutboxError(
                f"{path}:{number} is not a manifest row: {exc}",
                "the manifest is written by `avtale send` only; restore the line as it was (docs/sending.md)",
            ) from None
    return rows


def append(path: Path, rows: Iterable[ManifestRow]) -> None:
    """The manifest with `rows` added at its end, replaced as a whole so a reader never sees half a line."""
    added = "".join(line(row) for row in rows)
    if not added:
        return
    try:
        before = path.read_bytes()
    except FileNotFoundError:
        before = b""
    if before and not before.endswith(b"\n"):
        before += b"\n"
    write_atomically(path, before + added.encode("utf-8"))
