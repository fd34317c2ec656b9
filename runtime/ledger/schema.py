"""The ledger's SQLite schema, version 6, embedded so that no data file needs shipping.

Rules that keep the books honest live in the schema itself, so they hold for any
program that writes the file, not just this one:

- documents, their lines, VAT groups and references, and bill runs are append-only
  (UPDATE and DELETE abort);
- a document's number must be its series' next number, and its previous_hash the
  hash of the document numbered one below it (or 64 zeros for the first);
- the series counter only ever advances by one, from the document insert itself;
- the ledger's identity (seller and first numbers, `avtale ledger init`) is written once and never changed,
  and a series can only begin at the first number it records.

Version 3 added the identity (`ledger_info`); `MIGRATIONS[2]` brings a version-2 file up to it.
Version 4 added the workspace revision of each bill run (`bill_runs.revision`, `bill_runs.dirty`);
`MIGRATIONS[3]` adds the columns.
Version 5 added what an issued document shows of its parties and lines (`document_parties`,
`document_line_details`), the handovers of documents to a sending channel (`handovers`) and closed
accounting months (`closed_months`, `closed_figures`); `MIGRATIONS[4]` adds the tables.
Version 6 added the line kinds of a prepaid credit (`prepaid`, `drawdown`) to `document_lines.line_kind`;
SQLite cannot change a CHECK in place, so `MIGRATIONS[5]` copies the table (and the one that references it)
into new ones, row for row, and puts them in the old ones' place.

A new ledger is made by the same steps (version 2, then each migration), so a migrated file and a new one
have the same schema, to the letter.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

SCHEMA_VERSION = 6
READABLE = (2, 3, 4, 5, 6)  # versions this Avtale reads; older ones are migrated to 6 when opened for writing
APPLICATION_ID = 0x41765401  # "AvT" + 1: marks the file as an Avtale ledger (PRAGMA application_id)
GENESIS_SQL = "'" + "0" * 64 + "'"

APPEND_ONLY = ("bill_runs", "documents", "document_refs", "document_lines", "document_vat")
APPEND_ONLY_V5 = ("document_parties", "document_line_details", "handovers", "closed_months", "closed_figures")

TABLES = """
CREATE TABLE bill_runs (
    id INTEGER PRIMARY KEY CHECK (id >= 1),
    as_of TEXT NOT NULL
) STRICT;

CREATE TABLE series (
    series TEXT PRIMARY KEY CHECK (series IN ('invoice', 'credit_note')),
    first INTEGER NOT NULL CHECK (first >= 1),
    next INTEGER NOT NULL,
    CHECK (next >= first)
) STRICT;

CREATE TABLE documents (
    series TEXT NOT NULL REFERENCES series (series),
    number INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    contract TEXT NOT NULL,
    customer TEXT NOT NULL,
    currency TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    buyer_reference TEXT,
    purchase_order TEXT,
    kid TEXT NOT NULL,
    net TEXT NOT NULL,
    vat TEXT NOT NULL,
    gross TEXT NOT NULL,
    previous_hash TEXT NOT NULL CHECK (length(previous_hash) = 64),
    hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
    run INTEGER NOT NULL REFERENCES bill_runs (id),
    PRIMARY KEY (series, number)
) STRICT;

CREATE INDEX documents_by_contract ON documents (contract);

-- The invoices a credit note corrects. invoice_series is always 'invoice'; it exists
-- so that the reference can be a foreign key to documents (series, number).
CREATE TABLE document_refs (
    series TEXT NOT NULL CHECK (series = 'credit_note'),
    number INTEGER NOT NULL,
    position INTEGER NOT NULL CHECK (position >= 1),
    invoice_series TEXT NOT NULL DEFAULT 'invoice' CHECK (invoice_series = 'invoice'),
    invoice INTEGER NOT NULL,
    PRIMARY KEY (series, number, position),
    UNIQUE (series, number, invoice),
    FOREIGN KEY (series, number) REFERENCES documents (series, number),
    FOREIGN KEY (invoice_series, invoice) REFERENCES documents (series, number)
) STRICT;

-- Amounts are TEXT so that Decimals come back exactly as they went in.
CREATE TABLE document_lines (
    series TEXT NOT NULL,
    number INTEGER NOT NULL,
    line INTEGER NOT NULL CHECK (line >= 1),
    contract TEXT NOT NULL,
    charge TEXT NOT NULL,
    description TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    quantity TEXT NOT NULL,
    unit_price TEXT NOT NULL,
    net_amount TEXT NOT NULL,
    vat_category TEXT NOT NULL,
    vat_rate TEXT NOT NULL,
    provenance TEXT NOT NULL,
    corrects INTEGER,
    -- the line's identity: what reconciliation matches (never the description)
    line_kind TEXT NOT NULL CHECK (line_kind IN ('recurring', 'one_time', 'usage', 'discount', 'minimum')),
    discount TEXT NOT NULL,
    billing_start TEXT NOT NULL,
    billing_end TEXT NOT NULL CHECK (billing_end > billing_start),
    PRIMARY KEY (series, number, line),
    FOREIGN KEY (series, number) REFERENCES documents (series, number),
    -- a corrected invoice must be one the credit note references
    FOREIGN KEY (series, number, corrects) REFERENCES document_refs (series, number, invoice)
) STRICT;

CREATE INDEX document_lines_by_contract ON document_lines (contract);

-- Not part of the books: what the last applied run settled per contract, so that the next run
-- can bill only what fell due since (runtime/billing/settled.py). Replaced at every apply.
CREATE TABLE settlements (
    contract TEXT PRIMARY KEY,
    as_of TEXT NOT NULL,
    terms TEXT NOT NULL,
    usage TEXT NOT NULL
) STRICT;

CREATE TABLE document_vat (
    series TEXT NOT NULL,
    number INTEGER NOT NULL,
    position INTEGER NOT NULL CHECK (position >= 1),
    category TEXT NOT NULL,
    rate TEXT NOT NULL,
    taxable TEXT NOT NULL,
    vat TEXT NOT NULL,
    PRIMARY KEY (series, number, position),
    FOREIGN KEY (series, number) REFERENCES documents (series, number)
) STRICT;
"""

INTEGRITY = f"""
CREATE TRIGGER bill_runs_in_order BEFORE INSERT ON bill_runs
WHEN NEW.id IS NOT coalesce((SELECT max(id) FROM bill_runs), 0) + 1
BEGIN
    SELECT RAISE(ABORT, 'bill runs are numbered in order without gaps');
END;

CREATE TRIGGER documents_gapless BEFORE INSERT ON documents
WHEN NEW.number IS NOT (SELECT next FROM series WHERE series = NEW.series)
BEGIN
    SELECT RAISE(ABORT, 'a document must take the next number of its series');
END;

CREATE TRIGGER documents_chained BEFORE INSERT ON documents
WHEN NEW.previous_hash IS NOT coalesce(
    (SELECT hash FROM documents WHERE series = NEW.series AND number = NEW.number - 1), {GENESIS_SQL})
BEGIN
    SELECT RAISE(ABORT, 'previous_hash must be the hash of the document before it in its series');
END;

CREATE TRIGGER documents_advance_series AFTER INSERT ON documents
BEGIN
    UPDATE series SET next = NEW.number + 1 WHERE series = NEW.series;
END;

CREATE TRIGGER series_only_advances BEFORE UPDATE ON series
WHEN NEW.series IS NOT OLD.series OR NEW.first IS NOT OLD.first OR NEW.next IS NOT OLD.next + 1
BEGIN
    SELECT RAISE(ABORT, 'a number series only advances one number at a time');
END;

CREATE TRIGGER series_no_delete BEFORE DELETE ON series
BEGIN
    SELECT RAISE(ABORT, 'a number series is never deleted');
END;
"""


def _append_only(table: str) -> str:
    return "\n".join(
        f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}\n"
        f"BEGIN\n    SELECT RAISE(ABORT, '{table} is append-only: issued rows are never changed or deleted');\nEND;\n"
        for verb in ("UPDATE", "DELETE")
    )


SCHEMA_V2 = TABLES + INTEGRITY + "".join(_append_only(table) for table in APPEND_ONLY)

# Version 3: the ledger's identity, one row written by `avtale ledger init` and never changed.
IDENTITY = f"""
CREATE TABLE ledger_info (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seller_orgnr TEXT NOT NULL CHECK (length(seller_orgnr) > 0),
    seller_name TEXT NOT NULL,
    invoice_first INTEGER NOT NULL CHECK (invoice_first >= 1),
    credit_note_first INTEGER NOT NULL CHECK (credit_note_first >= 1),
    initialised_at TEXT NOT NULL
) STRICT;

CREATE TRIGGER ledger_info_matches_series BEFORE INSERT ON ledger_info
WHEN EXISTS (SELECT 1 FROM series WHERE first IS NOT
    CASE series WHEN 'invoice' THEN NEW.invoice_first ELSE NEW.credit_note_first END)
BEGIN
    SELECT RAISE(ABORT, 'a series already issued must start at the first number recorded for it');
END;

CREATE TRIGGER series_starts_as_recorded BEFORE INSERT ON series
WHEN NEW.first IS NOT coalesce((SELECT
    CASE NEW.series WHEN 'invoice' THEN invoice_first ELSE credit_note_first END FROM ledger_info), NEW.first)
BEGIN
    SELECT RAISE(ABORT, 'a number series must start at the first number the ledger was initialised with');
END;

{_append_only("ledger_info")}"""

# Version 4: the workspace revision each bill run billed. `revision` is the git commit id (40 hex digits,
# or 64 in a SHA-256 repository), NULL when the workspace was not in git, had no commit yet, or the run
# was stored before version 4; `dirty` is 1 when the workspace differed from that commit, 0 when it did
# not, NULL when nothing was recorded (not in git, or before version 4). ADD COLUMN fires no trigger, and
# adding nullable columns leaves every earlier run as it was: not recorded.
REVISIONS = """
ALTER TABLE bill_runs ADD COLUMN revision TEXT
    CHECK (revision IS NULL OR (length(revision) IN (40, 64) AND NOT revision GLOB '*[^0-9a-f]*'));

ALTER TABLE bill_runs ADD COLUMN dirty INTEGER CHECK (dirty IS NULL OR dirty IN (0, 1));
"""

# Version 5: snapshots of what each document shows of its parties and lines, handovers, closed months.
#
# `document_parties` holds a document's seller and buyer as the document names them. `source` is 'issue' for a
# snapshot recorded with the document (then covered by its hash, chain.py) or 'backfill' for one recorded later,
# from the workspace of that day, for a document issued before version 5 (`avtale ledger backfill`); a backfill
# records when, in `recorded_at`. An address is stored whole or not at all. Both rows of a document share one
# source. `document_line_details` holds each line's unit code and VAT exemption reason, with the source of the
# document's party snapshot. A document gets one snapshot, never a second: the primary keys see to that.
#
# `handovers`: each document is handed to one sending channel once (UNIQUE (series, number)), in the order
# recorded (`id`). `closed_months`: a month is closed once, and months are closed in order; its figures are
# written with it, in the same transaction, and only the latest closed month can receive any.
SNAPSHOTS = """
CREATE TABLE document_parties (
    series TEXT NOT NULL,
    number INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('seller', 'buyer')),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    orgnr TEXT,
    vat_number TEXT,
    foretaksregisteret INTEGER NOT NULL CHECK (foretaksregisteret IN (0, 1)),
    consumer INTEGER NOT NULL CHECK (consumer IN (0, 1)),
    street TEXT,
    postcode TEXT,
    city TEXT,
    country TEXT,
    peppol TEXT,
    email TEXT,
    bank_account TEXT,
    language TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('issue', 'backfill')),
    recorded_at TEXT,
    CHECK ((street IS NULL) = (postcode IS NULL) AND (street IS NULL) = (city IS NULL)
        AND (street IS NULL) = (country IS NULL)),
    CHECK ((source = 'backfill') = (recorded_at IS NOT NULL)),
    PRIMARY KEY (series, number, role),
    FOREIGN KEY (series, number) REFERENCES documents (series, number)
) STRICT;

CREATE TABLE document_line_details (
    series TEXT NOT NULL,
    number INTEGER NOT NULL,
    line INTEGER NOT NULL,
    unit_code TEXT NOT NULL CHECK (length(unit_code) > 0),
    vat_reason TEXT,
    PRIMARY KEY (series, number, line),
    FOREIGN KEY (series, number, line) REFERENCES document_lines (series, number, line)
) STRICT;

CREATE TRIGGER document_parties_one_source BEFORE INSERT ON document_parties
WHEN EXISTS (SELECT 1 FROM document_parties WHERE series = NEW.series AND number = NEW.number
    AND source IS NOT NEW.source)
BEGIN
    SELECT RAISE(ABORT, 'both parties of a document are snapshotted together, from one source');
END;

CREATE TABLE handovers (
    id INTEGER PRIMARY KEY CHECK (id >= 1),
    series TEXT NOT NULL,
    number INTEGER NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('peppol', 'email', 'print')),
    file TEXT NOT NULL CHECK (length(file) > 0),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND NOT sha256 GLOB '*[^0-9a-f]*'),
    handed_over_at TEXT NOT NULL,
    UNIQUE (series, number),
    FOREIGN KEY (series, number) REFERENCES documents (series, number)
) STRICT;

CREATE TRIGGER handovers_in_order BEFORE INSERT ON handovers
WHEN NEW.id IS NOT coalesce((SELECT max(id) FROM handovers), 0) + 1
BEGIN
    SELECT RAISE(ABORT, 'handovers are recorded in order without gaps');
END;

CREATE TABLE closed_months (
    month TEXT PRIMARY KEY CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-01'),
    closed_at TEXT NOT NULL,
    closed_by TEXT NOT NULL CHECK (length(closed_by) > 0)
) STRICT;

CREATE TABLE closed_figures (
    month TEXT NOT NULL REFERENCES closed_months (month),
    position INTEGER NOT NULL CHECK (position >= 1),
    contract TEXT NOT NULL,
    obligation TEXT NOT NULL,
    account INTEGER NOT NULL,
    currency TEXT NOT NULL,
    amount TEXT NOT NULL,
    PRIMARY KEY (month, position),
    UNIQUE (month, contract, obligation, account, currency)
) STRICT;

CREATE TRIGGER closed_months_in_order BEFORE INSERT ON closed_months
WHEN NEW.month <= (SELECT max(month) FROM closed_months)
BEGIN
    SELECT RAISE(ABORT, 'months are closed in order, each once: this month is not after the latest closed month');
END;

CREATE TRIGGER closed_figures_latest_month BEFORE INSERT ON closed_figures
WHEN NEW.month IS NOT (SELECT max(month) FROM closed_months)
BEGIN
    SELECT RAISE(ABORT, 'figures are recorded with the month they close, never added to an earlier closed month');
END;

""" + "".join(_append_only(table) for table in APPEND_ONLY_V5)

# Version 6: the line kinds of a prepaid credit. SQLite changes a CHECK only by copying the table: the lines go to
# a new table with the wider CHECK, and `document_line_details` (whose foreign key names `document_lines`) to a new
# one that references the new table, so that dropping the old tables leaves no reference dangling, not even for a
# moment (a migration runs with foreign keys on, inside one transaction). Renaming the new tables rewrites the
# reference, and the index and append-only triggers the drops took are made again. Rows are copied as they are,
# column for column: every document hashes as before. The CHECK lists `LINE_KINDS` (compiler/billing/lines.py).
LINE_KINDS_V6 = """
CREATE TABLE document_lines_v6 (
    series TEXT NOT NULL,
    number INTEGER NOT NULL,
    line INTEGER NOT NULL CHECK (line >= 1),
    contract TEXT NOT NULL,
    charge TEXT NOT NULL,
    description TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    quantity TEXT NOT NULL,
    unit_price TEXT NOT NULL,
    net_amount TEXT NOT NULL,
    vat_category TEXT NOT NULL,
    vat_rate TEXT NOT NULL,
    provenance TEXT NOT NULL,
    corrects INTEGER,
    -- the line's identity: what reconciliation matches (never the description)
    line_kind TEXT NOT NULL CHECK (line_kind IN
        ('recurring', 'one_time', 'usage', 'discount', 'minimum', 'prepaid', 'drawdown')),
    discount TEXT NOT NULL,
    billing_start TEXT NOT NULL,
    billing_end TEXT NOT NULL CHECK (billing_end > billing_start),
    PRIMARY KEY (series, number, line),
    FOREIGN KEY (series, number) REFERENCES documents (series, number),
    -- a corrected invoice must be one the credit note references
    FOREIGN KEY (series, number, corrects) REFERENCES document_refs (series, number, invoice)
) STRICT;

INSERT INTO document_lines_v6 SELECT * FROM document_lines ORDER BY series, number, line;

CREATE TABLE document_line_details_v6 (
    series TEXT NOT NULL,
    number INTEGER NOT NULL,
    line INTEGER NOT NULL,
    unit_code TEXT NOT NULL CHECK (length(unit_code) > 0),
    vat_reason TEXT,
    PRIMARY KEY (series, number, line),
    FOREIGN KEY (series, number, line) REFERENCES document_lines_v6 (series, number, line)
) STRICT;

INSERT INTO document_line_details_v6 SELECT * FROM document_line_details ORDER BY series, number, line;

DROP TABLE document_line_details;

DROP TABLE document_lines;

ALTER TABLE document_lines_v6 RENAME TO document_lines;

ALTER TABLE document_line_details_v6 RENAME TO document_line_details;

CREATE INDEX document_lines_by_contract ON document_lines (contract);

-- The first day Avtale bills each contract from, as applied runs saw it: the day after its `billed_through`
-- (recorded by any run), else its start (recorded once a run reaches it); a row when a run first sees it, and
-- another when a later run sees a later one, never an earlier one. The latest is where Avtale took over: a line
-- for a period before it is the old billing's (or was never agreed), and a run refuses to draft one
-- (runtime/billing/reconcile.py).
CREATE TABLE takeovers (
    contract TEXT NOT NULL,
    first_day TEXT NOT NULL CHECK (first_day GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    as_of TEXT NOT NULL CHECK (as_of GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    PRIMARY KEY (contract, first_day)
) STRICT;

""" + "".join(_append_only(table) for table in ("document_lines", "document_line_details", "takeovers"))

SCHEMA = SCHEMA_V2 + IDENTITY + REVISIONS + SNAPSHOTS + LINE_KINDS_V6

# What brings a ledger of version N up to N + 1, in one transaction with the new user_version.
MIGRATIONS = {2: IDENTITY, 3: REVISIONS, 4: SNAPSHOTS, 5: LINE_KINDS_V6}

# Every trigger the schema defines, by version; verify() reports any that has gone missing.
TRIGGERS_V2 = (
    "bill_runs_in_order",
    "documents_gapless",
    "documents_chained",
    "documents_advance_series",
    "series_only_advances",
    "series_no_delete",
    *(f"{table}_no_{verb}" for table in APPEND_ONLY for verb in ("update", "delete")),
)
TRIGGERS = (
    *TRIGGERS_V2,
    "ledger_info_matches_series",
    "series_starts_as_recorded",
    "ledger_info_no_update",
    "ledger_info_no_delete",
)
TRIGGERS_V5 = (
    *TRIGGERS,
    "document_parties_one_source",
    "handovers_in_order",
    "closed_months_in_order",
    "closed_figures_latest_month",
    *(f"{table}_no_{verb}" for table in APPEND_ONLY_V5 for verb in ("update", "delete")),
)
# Version 4 added columns, no trigger; version 6 made the triggers of the tables it copies again, by the same names,
# and those of `takeovers`.
TRIGGERS_V6 = (*TRIGGERS_V5, "takeovers_no_update", "takeovers_no_delete")
TRIGGERS_BY_VERSION = {2: TRIGGERS_V2, 3: TRIGGERS, 4: TRIGGERS, 5: TRIGGERS_V5, 6: TRIGGERS_V6}


def statements(script: str = SCHEMA) -> Iterator[str]:
    """The script's statements one by one (trigger bodies kept whole), to run inside one transaction."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement: {pending.strip()[:60]}")
