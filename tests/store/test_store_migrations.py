"""Schema upgrades keep every row and pending change; a newer schema is refused clearly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk_app.store import outbox, search
from kiosk_app.store.connection import SchemaTooNewError, open_database
from kiosk_app.store.migrations import SCHEMA_VERSION
from kiosk_app.store.store import Store

FIXTURES = Path(__file__).with_name("fixtures")


def load_fixture(name: str, target: Path) -> Path:
    conn = sqlite3.connect(target)
    conn.executescript((FIXTURES / name).read_text(encoding="utf-8"))
    conn.close()
    return target


def table_rows(path: Path, table: str, columns: str = "*") -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT {columns} FROM {table} ORDER BY 1").fetchall()
    finally:
        conn.close()


def column_names(path: Path, table: str) -> str:
    conn = sqlite3.connect(path)
    try:
        return ", ".join(r[1] for r in conn.execute(f"PRAGMA table_info({table})"))
    finally:
        conn.close()


def test_upgrade_from_schema_1_keeps_every_row_and_outbox_entry(tmp_path: Path):
    path = load_fixture("kiosk_schema1.sql", tmp_path / "kiosk.db")
    tables = ("merchant", "product", "outbox", "region", "setting")
    columns = {t: column_names(path, t) for t in tables}
    before = {t: table_rows(path, t, columns[t]) for t in tables}

    store = Store.open(path)

    # Every row and every column it had is still there (new columns may be added).
    after = {t: table_rows(path, t, columns[t]) for t in tables}
    assert after == before
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert len(outbox.pending(store.db)) == 5
    # The new search index covers the rows that existed before it.
    assert [p["name"] for p in search.search_products(store.db, "kopi")] == [
        "Kopi Robusta Dampit 250 g"
    ]
    # The clock carries on from the stored stamp, on the stored node.
    assert store.node_id == "a1b2c3d4e5f6"
    assert store.clock.now() > "1748764800002-0000-a1b2c3d4e5f6"
    store.close()


def test_upgrade_writes_a_backup_first(tmp_path: Path):
    path = load_fixture("kiosk_schema1.sql", tmp_path / "kiosk.db")

    open_database(path).close()

    [backup] = (tmp_path / "backups").glob("kiosk.schema1.*.db")
    assert table_rows(backup, "merchant") == table_rows(path, "merchant")
    conn = sqlite3.connect(backup)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


def test_fresh_database_needs_no_backup(tmp_path: Path):
    open_database(tmp_path / "kiosk.db").close()

    assert not (tmp_path / "backups").exists()


def test_database_from_a_newer_app_is_refused_untouched(tmp_path: Path):
    path = tmp_path / "kiosk.db"
    open_database(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.execute("CREATE TABLE from_the_future (x)")
    conn.commit()
    conn.close()
    size_before = path.read_bytes()

    with pytest.raises(SchemaTooNewError) as info:
        open_database(path)

    assert "lebih baru" in info.value.message_id
    assert "newer app" in info.value.message_en
    assert path.read_bytes() == size_before


def test_unknown_applied_migration_is_refused(tmp_path: Path):
    path = tmp_path / "kiosk.db"
    open_database(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('etalase-kiosk', '0099_future', 'x')"
    )
    conn.commit()
    conn.close()

    with pytest.raises(SchemaTooNewError):
        open_database(path)
