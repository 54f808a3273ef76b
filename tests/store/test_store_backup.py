"""Backups are consistent, verified, and refuse to restore when damaged."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from kiosk_app.store import outbox
from kiosk_app.store.backup import BackupError, create_backup, restore_backup, verify_backup
from kiosk_app.store.migrations import SCHEMA_VERSION
from kiosk_app.store.store import Store


def put_blob(root: Path, data: bytes) -> str:
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    (root / sha[:2]).mkdir(parents=True, exist_ok=True)
    (root / sha[:2] / sha).write_bytes(data)
    return sha


def test_backup_wipe_restore_keeps_rows_pending_changes_and_photos(
    store: Store, merchant_fields, tmp_path: Path
):
    blobs = tmp_path / "blobs"
    sha = put_blob(blobs, b"\xff\xd8 not really a jpeg but bytes all the same")
    merchant_id = store.create("merchant", merchant_fields)
    pending = outbox.count(store.db)
    db_path = Path(store.db.conn.execute("PRAGMA database_list").fetchone()[2])
    node_before = store.node_id

    # Online: the store stays open while the backup is taken.
    info = create_backup(db_path, blobs, tmp_path / "cadangan.zip")
    store.create("merchant", {**merchant_fields, "business_name": "Toko Setelah Cadangan"})
    store.close()
    db_path.unlink()
    (blobs / sha[:2] / sha).unlink()

    restore_backup(tmp_path / "cadangan.zip", db_path, blobs)

    restored = Store.open(db_path)
    assert (info.blobs, info.pending_changes) == (1, pending)
    assert restored.get("merchant", merchant_id)["business_name"] == "Kopi Bu Sri"
    assert restored.db.execute("SELECT count(*) FROM merchant").fetchone()[0] == 1
    assert outbox.count(restored.db) == pending
    assert (blobs / sha[:2] / sha).read_bytes().startswith(b"\xff\xd8")
    assert restored.node_id != node_before
    restored.close()


@pytest.mark.parametrize("damage", ["truncate", "flip", "not_zip", "missing_manifest"])
def test_damaged_backup_is_refused_and_nothing_is_touched(
    store: Store, merchant_fields, tmp_path: Path, damage: str
):
    store.create("merchant", merchant_fields)
    db_path = Path(store.db.conn.execute("PRAGMA database_list").fetchone()[2])
    backup = create_backup(db_path, tmp_path / "blobs", tmp_path / "b.zip").path
    data = backup.read_bytes()
    if damage == "truncate":
        backup.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        with zipfile.ZipFile(backup) as z:
            info = z.getinfo("kiosk.db")
        pos = info.header_offset + 30 + len(info.filename) + 40
        backup.write_bytes(data[:pos] + bytes([data[pos] ^ 0xFF]) + data[pos + 1 :])
    elif damage == "not_zip":
        backup.write_bytes(b"this is a text file")
    else:
        with zipfile.ZipFile(backup, "w") as z:
            z.writestr("kiosk.db", b"")
    before = db_path.read_bytes()

    with pytest.raises(BackupError) as info_err:
        restore_backup(backup, db_path, tmp_path / "blobs")

    assert "rusak" in info_err.value.message_id
    assert db_path.read_bytes() == before


def test_verify_reports_schema_and_counts(store: Store, merchant_fields, tmp_path: Path):
    # Given a kiosk with three changes not yet sent and two photos' worth of blobs
    db_path = Path(store.db.conn.execute("PRAGMA database_list").fetchone()[2])
    merchant = store.create("merchant", merchant_fields)
    product = store.create("product", {"merchant_id": merchant, "name": "Kopi", "price": 1})
    store.move_stock(product, 4)
    shas = {put_blob(tmp_path / "blobs", b"foto %d" % n) for n in range(2)}
    schema = store.db.execute("PRAGMA user_version").fetchone()[0]
    made = create_backup(db_path, tmp_path / "blobs", tmp_path / "b.zip")

    # When the file is verified
    info = verify_backup(tmp_path / "b.zip")

    # Then it reports what went in: the schema, both blobs, the three pending changes
    assert (info.schema, info.blobs, info.pending_changes) == (schema, 2, 3)
    assert info.schema == SCHEMA_VERSION and len(shas) == 2
    assert info.bytes == (tmp_path / "b.zip").stat().st_size == made.bytes
    assert made == info
