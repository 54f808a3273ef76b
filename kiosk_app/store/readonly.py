"""Reading a kiosk database from outside the app, never writing to it or beside it.

For the technician's tools (doctor, support bundle), which must work while the app runs
and on a damaged database: each read gives what it can.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from kiosk_app.store.settings import SECRETS

# Every personal field of a merchant (DESIGN §3), and the operators' names: text
# values hidden in any form, numbers in any grouping (``technician.redact``).
_TEXT_QUERIES = (
    "SELECT business_name FROM merchant",
    "SELECT owner_name FROM merchant",
    "SELECT address FROM merchant",
    "SELECT email FROM merchant",
    "SELECT halal_cert FROM merchant",
    "SELECT consent_operator FROM merchant",
    "SELECT name FROM operator",
)
_NUMBER_QUERIES = (
    "SELECT phone FROM merchant",
    "SELECT nib FROM merchant",
    "SELECT npwp FROM merchant",
    "SELECT pirt FROM merchant",
)


def open_read_only(path: Path) -> sqlite3.Connection:
    """Open the kiosk database without ever writing to it or beside it.

    With no ``-wal`` file (the app is closed and shut down cleanly) the file is opened
    ``immutable``, so SQLite creates no ``-wal``/``-shm`` either; otherwise read-only,
    so the log's committed changes are seen.
    """
    wal = path.with_name(path.name + "-wal")
    flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True, timeout=5.0)
    conn.execute("PRAGMA query_only=ON")
    return conn


@dataclass
class PersonalValues:
    texts: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)


def _column(conn: sqlite3.Connection, sql: str, params: tuple[str, ...] = ()) -> list[str]:
    try:
        return [str(r[0]) for r in conn.execute(sql, params) if r[0]]
    except sqlite3.Error:
        return []


def personal_values(database: Path) -> PersonalValues:
    """Personal values and secrets this kiosk holds, read-only; a missing or damaged
    database gives what it can (nothing, at worst)."""
    found = PersonalValues()
    if not database.exists():
        return found
    try:
        conn = open_read_only(database)
    except sqlite3.Error:
        return found
    try:
        for sql in _TEXT_QUERIES:
            found.texts += _column(conn, sql)
        for sql in _NUMBER_QUERIES:
            found.numbers += _column(conn, sql)
        for key in SECRETS:
            found.secrets += _column(conn, "SELECT value FROM setting WHERE key = ?", (key,))
    finally:
        conn.close()
    return found
