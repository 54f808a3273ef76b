"""`kiosk-app enroll`, `sync`, `status`, `import` and `export` as real processes against a
real kiosk_server on loopback: the region list comes with enrollment, a refused record
fails `sync` (exit 4, named, with the server's reason) until it is fixed and accepted,
`sync` exits 3 while something waits, and an export carries its photos to another kiosk.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.media.media_samples import photo_like, to_bytes
from tests.support import ROOT, SAMPLE_REGIONS, VILLAGE
from tests.support.enroll_only import EnrollOnlyLink
from tests.support.live import LiveServer

REGION = "35.07"
OUTSIDE_VILLAGE = "53.10.01.2001"  # Manggarai (NTT)
KOPI = "0193a000-0000-7000-8000-00000000a001"
TENUN = "0193a000-0000-7000-8000-00000000a003"
SONGKE = "0193a000-0000-7000-8000-00000000a301"
CONSENT = {"consent_version": "persetujuan-v1", "consent_at": "2025-08-17T09:00:00+07:00",
           "consent_operator": "Ani"}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("server")) as live:
        yield live


def kiosk(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``kiosk-app --data-dir DATA ARGS`` (the data folder before the command)."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk_app", "--data-dir", str(data), *args],
        capture_output=True, text=True, cwd=ROOT, timeout=180,
    )  # fmt: skip


def lines(path: Path, *records: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def merchant(row_id: str, name: str, village: str) -> dict[str, object]:
    return {"kind": "merchant", "id": row_id, "business_name": name, "owner_name": "Pemilik",
            "phone": "0812-3456-7801", "village_code": village, **CONSENT}  # fmt: skip


def test_enroll_brings_the_region_list_so_import_works_at_once(server, tmp_path):
    data = tmp_path / "kiosk"  # a fresh kiosk: no region list at all

    enrolled = kiosk(data, "enroll", "--server", server.url, "--code",
                     server.enroll_code(REGION), "--name", "kios-baru")  # fmt: skip
    one = lines(tmp_path / "a.jsonl", merchant(KOPI, "Kopi Bu Sri", VILLAGE))
    imported = kiosk(data, "import", str(one))

    assert enrolled.returncode == 0, enrolled.stderr
    assert "Kabupaten Malang (35.07)" in enrolled.stdout
    assert "Daftar wilayah siap: 424" not in enrolled.stdout  # villages, not every region
    assert "Daftar wilayah siap:" in enrolled.stdout and "desa/kelurahan" in enrolled.stdout
    assert imported.returncode == 0, imported.stderr
    assert "Baru: 1" in imported.stdout
    db = sqlite3.connect(data / "kiosk.db")
    try:  # one sync brought it
        assert db.execute("SELECT count(*), sum(ok) FROM sync_log").fetchone() == (1, 1)
    finally:
        db.close()


def test_sync_on_a_kiosk_not_enrolled_says_so_and_exits_1(tmp_path):
    synced = kiosk(tmp_path / "kiosk", "sync")
    assert synced.returncode == 1
    assert "Kios belum didaftarkan ke server" in synced.stderr
    assert "Semua data sudah sampai" not in synced.stdout


def test_a_village_outside_the_scope_is_refused_even_with_the_whole_list(server, tmp_path):
    data = tmp_path / "kiosk"
    assert kiosk(data, "enroll", "--server", server.url, "--code",
                 server.enroll_code(REGION)).returncode == 0  # fmt: skip
    assert kiosk(data, "regions", "import", str(SAMPLE_REGIONS)).returncode == 0  # 3 regencies

    far = lines(tmp_path / "b.jsonl", merchant(TENUN, "Tenun Ikat", OUTSIDE_VILLAGE))
    outside = kiosk(data, "import", str(far))

    assert outside.returncode == 1
    assert "di luar wilayah kios ini (Kabupaten Malang (35.07))" in outside.stderr
    assert json.loads(kiosk(data, "status", "--json").stdout)["merchants"] == 0


def test_enrolled_but_cut_off_it_says_so_and_sync_exits_3(server, tmp_path):
    data = tmp_path / "kiosk"
    with EnrollOnlyLink(server.url) as link:
        enrolled = kiosk(data, "enroll", "--server", link.url, "--code",
                         server.enroll_code(REGION))  # fmt: skip
        assert kiosk(data, "regions", "import", str(SAMPLE_REGIONS)).returncode == 0
        one = lines(tmp_path / "c.jsonl", merchant(KOPI, "Kopi", VILLAGE))
        assert kiosk(data, "import", str(one)).returncode == 0
        synced = kiosk(data, "sync")

    assert enrolled.returncode == 3
    assert "Kios terdaftar" in enrolled.stdout
    assert "Daftar wilayah belum bisa diambil. Tidak ada sambungan ke server." in enrolled.stderr
    assert synced.returncode == 3, synced.stdout + synced.stderr
    assert "Semua data sudah sampai" not in synced.stdout
    assert (
        "Belum terkirim: 1 perubahan dan 0 foto menunggu dikirim. Tidak ada sambungan ke server."
    ) in synced.stderr


def test_a_refused_record_fails_sync_until_it_is_fixed_and_accepted(server, tmp_path):
    # Given a kiosk that registered two merchants before it was enrolled, one of them in
    # a village outside the region it is then enrolled for
    data = tmp_path / "kiosk"
    assert kiosk(data, "regions", "import", str(SAMPLE_REGIONS)).returncode == 0
    song = {"kind": "product", "id": SONGKE, "merchant_id": TENUN, "name": "Kain Songke",
            "price": 850000, "stock": 2}  # fmt: skip
    before = lines(tmp_path / "d.jsonl", merchant(KOPI, "Kopi Bu Sri", VILLAGE),
                   merchant(TENUN, "Tenun Ikat Mama Yosefina", OUTSIDE_VILLAGE), song)  # fmt: skip
    assert kiosk(data, "import", str(before)).returncode == 0
    enrolled = kiosk(data, "enroll", "--server", server.url, "--code", server.enroll_code(REGION))
    assert enrolled.returncode == 0, enrolled.stderr
    assert "server menolak 2 data" in enrolled.stderr

    # When it syncs: refused, named, with the server's reason and the way out
    refused = kiosk(data, "sync")
    status = json.loads(kiosk(data, "status", "--json").stdout)
    text = kiosk(data, "status").stdout
    doctor = json.loads(kiosk(data, "doctor", "--json").stdout)

    assert refused.returncode == 4, refused.stdout + refused.stderr
    assert "Semua data sudah sampai" not in refused.stdout
    assert 'Penjual "Tenun Ikat Mama Yosefina": Data ini di luar wilayah kios (35.07)' in (
        refused.stderr
    )
    assert 'Produk "Kain Songke" (penjual Tenun Ikat Mama Yosefina)' in refused.stderr
    assert "Ganti desanya" in refused.stderr
    assert [(r["entity"], r["row_id"]) for r in status["refused"]] == [
        ("merchant", TENUN), ("product", SONGKE)]  # fmt: skip
    assert status["rejected"] == 2
    assert "DITOLAK SERVER        : 2 data" in text and "Tenun Ikat Mama Yosefina" in text
    refused_finding = next(f for f in doctor["findings"] if f["key"] == "refused")
    assert refused_finding["status"] == "warn" and "Tenun Ikat" in refused_finding["message_id"]
    assert TENUN not in {r["id"] for r in server.export(tmp_path / "e1")["merchant"]}

    # When the village is fixed (a corrected line imported) and it syncs again
    fixed = kiosk(data, "import", str(lines(tmp_path / "fix.jsonl",
                  {"kind": "merchant", "id": TENUN, "village_code": "35.07.12.2002"})))  # fmt: skip
    synced = kiosk(data, "sync")

    # Then the server accepted it all, and nothing is refused any more
    assert fixed.returncode == 0, fixed.stderr
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "Semua data sudah sampai di server." in synced.stdout
    assert json.loads(kiosk(data, "status", "--json").stdout)["refused"] == []
    on_server = server.export(tmp_path / "e2")
    tenun = next(r for r in on_server["merchant"] if r["id"] == TENUN)
    assert tenun["village_code"] == "35.07.12.2002" and tenun["owner_name"] == "Pemilik"
    assert next(r for r in on_server["product"] if r["id"] == SONGKE)["stock"] == 2


def photo_hashes(data: Path) -> dict[str, list[tuple[str, str]]]:
    db = sqlite3.connect(data / "kiosk.db")
    try:
        rows = db.execute(
            "SELECT product_id, sha256, thumb_sha256 FROM photo WHERE deleted = 0 "
            "ORDER BY product_id, position"
        ).fetchall()
    finally:
        db.close()
    found: dict[str, list[tuple[str, str]]] = {}
    for product, sha, thumb in rows:
        found.setdefault(product, []).append((sha, thumb))
    return found


def products(data: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(data / "kiosk.db")
    try:
        return db.execute(
            "SELECT id, merchant_id, name, description, price, stock, unit, category, "
            "weight_g, status FROM product WHERE deleted = 0 ORDER BY id"
        ).fetchall()
    finally:
        db.close()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_imported_on_a_fresh_kiosk_brings_every_photo(tmp_path, fmt):
    # Given a kiosk with the demo catalog and photos on two products (one has two)
    a = tmp_path / "a"
    assert kiosk(a, "demo").returncode == 0
    drive = tmp_path / "flashdisk"
    drive.mkdir()
    for n in range(3):
        (drive / f"{n}.jpg").write_bytes(to_bytes(photo_like((1800, 1200), seed=n), "JPEG"))
    with_photos = lines(
        drive / "foto.jsonl",
        {"kind": "product", "id": "0193a000-0000-7000-8000-000000000101",
         "photos": ["0.jpg", "1.jpg"]},
        {"kind": "product", "id": "0193a000-0000-7000-8000-000000000201", "photos": ["2.jpg"]},
    )  # fmt: skip
    assert kiosk(a, "import", str(with_photos)).returncode == 0
    expected = photo_hashes(a)
    assert sum(len(v) for v in expected.values()) == 3

    # When it is exported and the export is imported on a fresh kiosk
    out = tmp_path / "usb" / ("ekspor.jsonl" if fmt == "jsonl" else "ekspor")
    out.parent.mkdir()
    exported = kiosk(a, "export", "--format", fmt, "--out", str(out))
    b = tmp_path / "b"
    assert kiosk(b, "regions", "import", str(SAMPLE_REGIONS)).returncode == 0
    files = [out] if fmt == "jsonl" else [out / "merchants.csv", out / "products.csv"]
    imported = [kiosk(b, "import", str(f)) for f in files]

    # Then the same products, each with the same photos, byte for byte
    assert exported.returncode == 0 and "dan 3 foto" in exported.stdout, exported.stderr
    assert all(i.returncode == 0 for i in imported), [i.stderr for i in imported]
    assert products(b) == products(a)
    assert photo_hashes(b) == expected
    for shas in expected.values():
        for sha, thumb in shas:
            for blob in (sha, thumb):
                assert (b / "blobs" / blob[:2] / blob).is_file() or any((b / "blobs").rglob(blob))
    # Imported again: nothing new
    again = kiosk(b, "import", str(files[-1]))
    assert "foto: 0" in again.stdout and photo_hashes(b) == expected


def test_a_usb_bundle_leaves_out_what_the_server_would_refuse(server, tmp_path):
    from tests.support.live import server_cli

    # Given a kiosk with a merchant outside its later region, enrolled over a link that
    # died at once (so everything still waits for the server)
    data = tmp_path / "kiosk"
    assert kiosk(data, "regions", "import", str(SAMPLE_REGIONS)).returncode == 0
    two = lines(tmp_path / "two.jsonl", merchant(KOPI, "Kopi Bu Sri", VILLAGE),
                merchant(TENUN, "Tenun Ikat Mama Yosefina", OUTSIDE_VILLAGE))  # fmt: skip
    assert kiosk(data, "import", str(two)).returncode == 0
    with EnrollOnlyLink(server.url) as link:
        code = server.enroll_code(REGION)
        assert kiosk(data, "enroll", "--server", link.url, "--code", code).returncode == 3

    # When the technician writes a USB bundle
    target = tmp_path / "flashdisk" / "kios.etalase"
    target.parent.mkdir()
    written = kiosk(data, "bundle", "export", str(target))

    # Then it carries the merchant inside the region only, and says what it left out
    assert written.returncode == 0, written.stderr
    assert "di luar wilayah kios" in written.stderr and "Tenun Ikat Mama Yosefina" in written.stderr
    # (the bundle is sealed to the server: only the server can open it)
    imported = json.loads(server_cli(server.data_dir, "bundle", "import", str(target)))
    assert (imported["mutations"], imported["accepted"], imported["rejected"]) == (1, 1, 0)
    assert KOPI in {r["id"] for r in server.export(tmp_path / "e")["merchant"]}
