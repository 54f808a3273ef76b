"""Upgrading a kiosk from every released schema keeps every row and every pending outbox
entry, and those entries still reach a real server afterwards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk_app.store import outbox
from kiosk_app.store.migrations import SCHEMA_VERSION
from tests.support.kiosk import Kiosk
from tests.support.live import LiveServer
from tests.technician.conftest import REGION, kiosk_cli

FIXTURES = Path(__file__).parents[1] / "store" / "fixtures"
M1, M2 = "01970a1e-0000-7000-8000-000000000001", "01970a1e-0000-7000-8000-000000000002"
P100, P101, P102 = (f"01970a1e-0000-7000-8000-000000000{n}" for n in (100, 101, 102))
TABLES = {
    1: ("merchant", "product", "photo", "outbox", "region", "setting", "operator"),
    2: ("merchant", "product", "photo", "outbox", "region", "setting", "operator", "conflict"),
    3: (
        "merchant",
        "product",
        "photo",
        "outbox",
        "region",
        "setting",
        "operator",
        "conflict",
        "sync_rejection",
        "sync_log",
        "blob_remote",
        "upload",
    ),
}
# What the server holds once the upgraded kiosk has synced: product -> (stock, price, deleted).
EXPECTED = {
    1: {P100: (12, 35000, False), P101: (40, 15000, False)},
    2: {P100: (10, 35000, False), P101: (40, 15000, True)},
    3: {P100: (10, 37500, False), P101: (40, 15000, True), P102: (3, 450000, False)},
}


def released_versions() -> list[int]:
    return sorted(int(p.stem.removeprefix("kiosk_schema")) for p in FIXTURES.glob("*.sql"))


def test_there_is_a_fixture_for_every_released_schema():
    assert released_versions() == list(range(1, SCHEMA_VERSION + 1))


def load(version: int, data_dir: Path) -> Path:
    data_dir.mkdir(parents=True)
    path = data_dir / "kiosk.db"
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / f"kiosk_schema{version}.sql").read_text(encoding="utf-8"))
    conn.close()
    return path


def columns(path: Path, tables: tuple[str, ...]) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return {t: ", ".join(r[1] for r in conn.execute(f"PRAGMA table_info({t})")) for t in tables}
    finally:
        conn.close()


def snapshot(path: Path, cols: dict[str, str]) -> dict[str, list[tuple[object, ...]]]:
    """Rows of each table, in the columns it had before (an upgrade may add columns)."""
    conn = sqlite3.connect(path)
    try:
        return {
            t: conn.execute(f"SELECT {c} FROM {t} ORDER BY 1").fetchall() for t, c in cols.items()
        }
    finally:
        conn.close()


@pytest.mark.parametrize("version", released_versions())
def test_upgrade_keeps_every_row_and_pending_entry_which_then_sync(
    version: int, server: LiveServer, tmp_path: Path
):
    data = tmp_path / f"kiosk-v{version}"
    path = load(version, data)
    cols = columns(path, TABLES[version])
    before = snapshot(path, cols)
    pending = [row[1] for row in before["outbox"]]
    assert pending, "a fixture without pending changes proves nothing"

    # The technician checks the old kiosk first: it reads, and changes nothing.
    doctor = kiosk_cli("doctor", "--data-dir", str(data), "--json")
    assert snapshot(path, cols) == before
    assert f'"schema_db": {version}' in doctor.stdout

    kiosk = Kiosk(data)  # opening it upgrades it
    try:
        after = snapshot(path, cols)
        assert after == before  # every row, every column it had
        assert kiosk.store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [e.id for e in outbox.pending(kiosk.store.db, limit=10_000)] == pending
        if version < SCHEMA_VERSION:
            assert list((data / "backups").glob(f"kiosk.schema{version}.*.db"))

        kiosk.enroll(server.url, server.enroll_code(REGION), f"kios-v{version}")
        result = kiosk.sync()

        assert result.ok, result.error
        assert result.sent == len(pending) and result.rejected == 0
        assert outbox.count(kiosk.store.db) == 0
    finally:
        kiosk.close()
    exported = server.export(tmp_path / "server-export")
    products = {p["id"]: p for p in exported["product"]}
    for product_id, (stock, price, deleted) in EXPECTED[version].items():
        if deleted:
            assert product_id not in products or products[product_id].get("deleted")
            continue
        assert (products[product_id]["stock"], products[product_id]["price"]) == (stock, price)
    merchants = {m["id"] for m in exported["merchant"]}
    assert M1 in merchants and (version == 1 or M2 in merchants)
