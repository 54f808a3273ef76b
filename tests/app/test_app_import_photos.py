"""`kiosk-app import` with product photos as file paths (a merchant's flash drive).

Good photos are processed and attached once; hostile photo files are each refused with a
clear message naming the file, and the store (rows, outbox, blob folder) is untouched.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media.media_samples import photo_like, png_bomb, png_header_only, to_bytes
from tests.support import ROOT, VILLAGE

MERCHANT = "01930000-0000-7000-8000-000000000001"
PRODUCT = "01930000-0000-7000-8000-000000000002"


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk_app", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip


def write_lines(path: Path, *records: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def snapshot(data: Path) -> tuple[object, ...]:
    db = sqlite3.connect(data / "kiosk.db")
    try:
        counts = tuple(
            db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("merchant", "product", "photo", "outbox")
        )
        products = db.execute("SELECT * FROM product ORDER BY id").fetchall()
    finally:
        db.close()
    blobs = sorted(p.name for p in (data / "blobs").rglob("*") if p.is_file())
    return counts, products, blobs


@pytest.fixture
def flash_drive(tmp_path: Path) -> Path:
    drive = tmp_path / "flashdisk"
    drive.mkdir()
    (drive / "depan.jpg").write_bytes(to_bytes(photo_like((1200, 900), seed=1), "JPEG"))
    (drive / "samping.png").write_bytes(to_bytes(photo_like((800, 600), seed=2), "PNG"))
    return drive


@pytest.fixture
def data(tmp_path: Path, flash_drive: Path) -> Path:
    folder = tmp_path / "kiosk"
    regions = kiosk("regions", "import", str(ROOT / "resources/demo/regions_sample.csv"),
                    "--data-dir", str(folder))  # fmt: skip
    assert regions.returncode == 0, regions.stderr
    merchant = {"kind": "merchant", "id": MERCHANT, "business_name": "Toko Ani",
                "owner_name": "Ani", "phone": "081234567890", "village_code": VILLAGE}  # fmt: skip
    product = {"kind": "product", "id": PRODUCT, "merchant_id": MERCHANT, "name": "Keripik",
               "price": 12000, "photos": ["depan.jpg", "samping.png"]}  # fmt: skip
    first = kiosk("import", str(write_lines(flash_drive / "barang.jsonl", merchant, product)),
                  "--data-dir", str(folder))  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "foto: 2" in first.stdout
    return folder


def test_photos_named_by_a_product_line_are_attached_once(data: Path, flash_drive: Path):
    before = snapshot(data)
    (counts, _, blobs) = before
    again = kiosk("import", str(flash_drive / "barang.jsonl"), "--data-dir", str(data))

    assert counts[:3] == (1, 1, 2)
    assert len(blobs) == 4  # two full images and two thumbnails
    assert again.returncode == 0 and "foto: 0" in again.stdout
    assert snapshot(data) == before  # nothing added or changed


HOSTILE = {
    "kosong.jpg": b"",
    "bukan-foto.jpg": b"%PDF-1.4 not a photo at all\n" * 20,
    "terpotong.jpg": to_bytes(photo_like((1200, 900), seed=3), "JPEG")[:4000],
    "bom.png": png_bomb(20_000, 20_000),
    "header-raksasa.png": png_header_only(30_000, 30_000),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_photo_is_refused_clearly_and_changes_nothing(
    data: Path, flash_drive: Path, name: str
):
    (flash_drive / name).write_bytes(HOSTILE[name])
    before = snapshot(data)
    line = {"kind": "product", "id": PRODUCT, "price": 99000, "photos": ["depan.jpg", name]}
    new = {"kind": "product", "merchant_id": MERCHANT, "name": "Baru", "price": 5000,
           "photos": [name]}  # fmt: skip

    result = kiosk("import", str(write_lines(flash_drive / "x.jsonl", line, new)),
                   "--data-dir", str(data))  # fmt: skip

    assert result.returncode == 1
    assert f"foto {name}" in result.stderr  # says which file
    assert "gagal: 2" in result.stdout
    assert snapshot(data) == before  # no row, no outbox entry, no blob, price unchanged
    integrity = sqlite3.connect(data / "kiosk.db").execute("PRAGMA integrity_check").fetchone()
    assert integrity[0] == "ok"


def test_a_missing_photo_file_is_named(data: Path, flash_drive: Path):
    before = snapshot(data)
    line = {"kind": "product", "id": PRODUCT, "photos": "depan.jpg;hilang.jpg"}

    result = kiosk("import", str(write_lines(flash_drive / "y.jsonl", line)),
                   "--data-dir", str(data))  # fmt: skip

    assert result.returncode == 1 and "foto hilang.jpg" in result.stderr
    assert snapshot(data) == before
