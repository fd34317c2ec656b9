"""The DuckDB connection usage is read with: in memory, offline, dates in Oslo.

DuckDB can fetch extensions from the internet on first use. Billing must not
depend on a network, so autoloading is off and the extensions this package
needs (ICU for time zones, JSON for JSON Lines) must be built into the wheel,
as they are in the PyPI `duckdb` wheels; parquet is always built in.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

TIME_ZONE = "Europe/Oslo"
"""Events are dated in Norwegian local time (semantics.md, Time)."""

MEMORY_LIMIT = "512MB"
"""What DuckDB may hold in memory before it spills to `spill`. Ten million events
make a table of about 1 GB; a bill run meters it a range of contracts at a time,
which reads only the part it needs, so spilling costs it little, while DuckDB's
default (80% of the machine) would leave the run too little for itself."""

_NEEDED = {"icu": "time zones (Europe/Oslo dates)", "json": "JSON Lines files"}


class UsageError(Exception):
    """A problem that stops reading usage altogether (not a bad row: those are reported)."""

    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.help = help


def connect(spill: Path) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory database that never reaches for the network.

    `spill` is where DuckDB may write when the data outgrows memory; by default it
    would be `.tmp` in the current folder, which is usually the user's workspace.
    """
    con = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "temp_directory": str(spill),
            "memory_limit": MEMORY_LIMIT,
        },
    )
    loaded = {name for (name,) in con.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()}
    for name, purpose in _NEEDED.items():
        if name in loaded:
            continue
        try:
            con.execute(f"LOAD {name}")  # an extension installed locally earlier still works offline
        except duckdb.Error as exc:
            con.close()
            raise UsageError(
                f"this DuckDB build ({duckdb.__version__}) lacks the `{name}` extension, needed for {purpose}",
                "install the PyPI wheel (`pip install --force-reinstall duckdb`), which has it built in",
            ) from exc
    # The session zone only affects how instants print; dates are always computed for TIME_ZONE.
    con.execute("SET TimeZone = 'UTC'")
    return con
