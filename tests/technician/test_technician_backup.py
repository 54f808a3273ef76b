"""``kiosk-app backup`` / ``restore``: a round trip through a wiped data folder, with the
pending changes and photos still reaching a real server afterwards (once the kiosk is
enrolled again: a backup carries no token); damaged files refused."""

from __future__ import annotations

import hashlib
import io
import shutil
import sqlite3
from pathlib import Path

from PIL import Image

from kiosk_app.media.pipeline import process_photo
from kiosk_app.store import outbox, photos
from kiosk_app.store.regions import import_regions_csv
from tests.support import SAMPLE_REGIONS, VILLAGE
from tests.support.kiosk import Kiosk
from tests.support.live import LiveServer
from tests.technician.conftest import kiosk_cli


def photo_bytes(seed: int) -> bytes:
    image = Image.effect_noise((640, 480), 40 + seed).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def fill(kiosk: Kiosk) -> tuple[str, str]:
    if kiosk.store.region_name(VILLAGE) is None:
        import_regions_csv(kiosk.store.db, SAMPLE_REGIONS)
    m = kiosk.store.create(
        "merchant",
        {
            "business_name": "Kopi Bu Sri",
            "owner_name": "Sri W",
            "phone": "0812-3456-7890",
            "village_code": VILLAGE,
        },
    )
    p = kiosk.store.create(
        "product", {"merchant_id": m, "name": "Kopi Robusta", "price": 35000, "stock": 10}
    )
    photos.add_photo(kiosk.store, p, process_photo(photo_bytes(1)), kiosk.blobs)
    kiosk.store.move_stock(p, -2)
    return m, p


def passphrase_file(folder: Path, text: str = "kopi-tubruk-pagi-hari") -> str:
    path = folder / "sandi.txt"
    path.write_text(text + "\n", encoding="utf-8")
    return str(path)


def table(path: Path, name: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT * FROM {name} ORDER BY 1").fetchall()
    finally:
        conn.close()


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "logs" not in p.parts
    }


def test_backup_wipe_restore_then_pending_changes_sync(
    make_kiosk, server: LiveServer, tmp_path: Path
):
    kiosk = make_kiosk("asal")
    assert kiosk.sync().ok  # regions of the scope
    _m, p = fill(kiosk)
    db = kiosk.data_dir / "kiosk.db"
    pending_before = [e.id for e in outbox.pending(kiosk.store.db)]
    rows_before = {t: table(db, t) for t in ("merchant", "product", "photo")}
    blobs_before = tree_hashes(kiosk.data_dir / "blobs")
    assert len(pending_before) == 5 and len(blobs_before) == 2  # full + thumbnail

    # Online: the kiosk's store is still open while the backup is taken.
    secret = passphrase_file(tmp_path)
    backup = kiosk_cli("backup", str(tmp_path / "cadangan.bin"), "--data-dir",
                       str(kiosk.data_dir), "--passphrase-file", secret)  # fmt: skip
    assert backup.returncode == 0, backup.stderr
    assert "5 perubahan menunggu" in backup.stdout and "2 berkas foto" in backup.stdout
    kiosk.close()

    shutil.rmtree(kiosk.data_dir)  # the PC's disk was replaced
    restored = kiosk_cli("restore", str(tmp_path / "cadangan.bin"), "--data-dir",
                         str(kiosk.data_dir), "--passphrase-file", secret)  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    assert "kode pendaftaran baru" in restored.stdout  # no token came back with the data

    again = Kiosk(kiosk.data_dir)
    try:
        assert [e.id for e in outbox.pending(again.store.db)] == pending_before
        assert {t: table(db, t) for t in rows_before} == rows_before
        assert tree_hashes(kiosk.data_dir / "blobs") == blobs_before

        again.enroll(server.url, server.enroll_code("35.07"), "asal-dipulihkan")
        result = again.sync()

        assert result.ok, result.error
        assert result.sent == 5 and result.uploaded == 2
        assert outbox.count(again.store.db) == 0
    finally:
        again.close()
    exported = server.export(tmp_path / "server-export")
    [product] = [r for r in exported["product"] if r["id"] == p]
    assert product["stock"] == 8


def test_restore_refuses_a_damaged_backup_and_changes_nothing(make_kiosk, tmp_path: Path):
    kiosk = make_kiosk("rusak", enroll=False)
    fill(kiosk)
    zip_path = tmp_path / "cadangan.zip"
    made = kiosk_cli("backup", str(zip_path), "--data-dir", str(kiosk.data_dir), "--no-encrypt")
    assert made.returncode == 0
    kiosk.store.create(
        "merchant",
        {
            "business_name": "Warung Baru",
            "owner_name": "Budi",
            "phone": "0813-1111-2222",
            "village_code": VILLAGE,
        },
    )
    kiosk.close()
    raw = bytearray(zip_path.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 64] = bytes(64)  # a damaged USB stick
    damaged = tmp_path / "rusak.zip"
    damaged.write_bytes(bytes(raw))
    before = tree_hashes(kiosk.data_dir)

    for bad in (damaged, tmp_path / "bukan-cadangan.zip"):
        if not bad.exists():
            bad.write_bytes(b"PK\x03\x04 not really a zip")
        done = kiosk_cli("restore", str(bad), "--data-dir", str(kiosk.data_dir))

        assert done.returncode == 1
        assert "rusak" in done.stderr and "Tidak ada yang diubah" in done.stderr
        assert "Traceback" not in done.stderr
        assert tree_hashes(kiosk.data_dir) == before


def test_restore_keeps_a_copy_of_the_database_it_replaces(make_kiosk, tmp_path: Path):
    kiosk = make_kiosk("salin", enroll=False)
    fill(kiosk)
    secret = passphrase_file(tmp_path)
    made = kiosk_cli("backup", str(tmp_path), "--data-dir", str(kiosk.data_dir),
                     "--passphrase-file", secret)  # fmt: skip
    assert made.returncode == 0, made.stderr
    [zip_path] = tmp_path.glob("etalase-desa-cadangan-*.cadangan")
    kiosk.store.create(
        "merchant",
        {
            "business_name": "Warung Sesudah",
            "owner_name": "Budi",
            "phone": "0813-1111-2222",
            "village_code": VILLAGE,
        },
    )
    newer_rows = table(kiosk.data_dir / "kiosk.db", "merchant")
    kiosk.close()

    done = kiosk_cli("restore", str(zip_path), "--data-dir", str(kiosk.data_dir),
                     "--passphrase-file", secret)  # fmt: skip

    assert done.returncode == 0, done.stderr
    [kept] = (kiosk.data_dir / "backups").glob("sebelum-pemulihan-*")
    assert table(kept / "kiosk.db", "merchant") == newer_rows
    assert len(table(kiosk.data_dir / "kiosk.db", "merchant")) == len(newer_rows) - 1
