"""Read-only look at a kiosk database for the doctor and the support bundle.

The file may be damaged, from another app version, or open in the running app: it is
opened read-only (``immutable`` when no ``-wal`` file exists, so SQLite writes nothing
beside it either) and every read that fails raises ``UnreadableDatabase``, a finding for
the technician, never a crash.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from sqlite_utils import Database

from kiosk_app.domain.records import MERCHANT
from kiosk_app.store import outbox, refusals, replica
from kiosk_app.store.migrations import SCHEMA_VERSION
from kiosk_app.store.refusals import Refusal
from kiosk_app.store.settings import SECRETS
from kiosk_app.store.store import Store

INTEGRITY_MAX_ERRORS = 20

# A merchant's personal fields (DESIGN §3) as the redactor hides them: text values in
# any form, numbers in any grouping; and the settings that are secrets.
PERSONAL_TEXT_FIELDS = (
    "business_name",
    "owner_name",
    "address",
    "email",
    "halal_cert",
    "consent_operator",
)
PERSONAL_NUMBER_FIELDS = ("phone", "nib", "npwp", "pirt")


class UnreadableDatabase(Exception):
    """The database file is damaged or is not a kiosk database."""


@dataclass
class PersonalValues:
    """Personal values and secrets a kiosk holds (what a support bundle must hide)."""

    texts: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)


class ReadOnlyDatabase:
    """One read-only kiosk database; close it (or use ``with``) when done."""

    def __init__(self, path: Path) -> None:
        """Open ``path``; raises ``UnreadableDatabase`` when SQLite cannot."""
        wal = path.with_name(path.name + "-wal")
        flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
        try:
            self._conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?{flags}", uri=True, timeout=5.0
            )
            self._conn.execute("PRAGMA query_only=ON")
        except sqlite3.DatabaseError as exc:
            raise UnreadableDatabase(str(exc)) from exc

    def __enter__(self) -> ReadOnlyDatabase:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def integrity_errors(self, limit: int = INTEGRITY_MAX_ERRORS) -> list[str]:
        """What ``PRAGMA integrity_check`` finds, at most ``limit``; empty when sound."""
        try:
            rows = [str(r[0]) for r in self._conn.execute(f"PRAGMA integrity_check({int(limit)})")]
        except sqlite3.DatabaseError as exc:
            raise UnreadableDatabase(str(exc)) from exc
        return [] if rows == ["ok"] else rows

    def schema_version(self) -> int:
        """The schema the file holds (``PRAGMA user_version``)."""
        try:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise UnreadableDatabase(str(exc)) from exc

    def settings(self) -> dict[str, str]:
        """Every setting that has a value; empty when they cannot be read."""
        try:
            rows = self._conn.execute("SELECT key, value FROM setting").fetchall()
        except sqlite3.DatabaseError:
            return {}
        return {str(k): str(v) for k, v in rows if v is not None}

    def pending(self) -> dict[str, int]:
        """What waits for the server: the full summary when the schema is this app's,
        else only the outbox count (an older schema is upgraded when the app opens it)."""
        try:
            db = Database(self._conn)
            if self.schema_version() == SCHEMA_VERSION:
                return replica.pending_summary(Store(db))
            return {"pending_changes": outbox.count(db)}
        except sqlite3.DatabaseError as exc:
            raise UnreadableDatabase(str(exc)) from exc

    def open_refusals(self) -> list[Refusal]:
        """Records the server refused (``refusals.open_refusals``)."""
        try:
            return refusals.open_refusals(Store(Database(self._conn)))
        except sqlite3.DatabaseError as exc:
            raise UnreadableDatabase(str(exc)) from exc

    def personal_values(self) -> PersonalValues:
        """Merchants' personal values, operators' names and secret settings: what can
        be read of them (a damaged table gives nothing, the others still count)."""
        found = PersonalValues()
        for name in PERSONAL_TEXT_FIELDS:
            found.texts += self._column(MERCHANT.table, name)
        found.texts += self._column("operator", "name")
        for name in PERSONAL_NUMBER_FIELDS:
            found.numbers += self._column(MERCHANT.table, name)
        for key in SECRETS:
            found.secrets += self._values("SELECT value FROM setting WHERE key = ?", [key])
        return found

    def _column(self, table: str, column: str) -> list[str]:
        return self._values(f'SELECT "{column}" FROM "{table}"', [])

    def _values(self, sql: str, params: list[str]) -> list[str]:
        try:
            return [str(r[0]) for r in self._conn.execute(sql, params) if r[0]]
        except sqlite3.Error:
            return []


def personal_values(path: Path) -> PersonalValues:
    """``ReadOnlyDatabase.personal_values`` of the file at ``path``; nothing when the
    file does not exist or cannot be opened."""
    if not path.exists():
        return PersonalValues()
    try:
        with ReadOnlyDatabase(path) as db:
            return db.personal_values()
    except UnreadableDatabase:
        return PersonalValues()
