"""USB bundles under attack (issue 14): a real kiosk exports, a real server imports.

Every refused bundle is refused by ``kiosk-server bundle import`` with a clear message
(exit 1) and leaves the server's data exactly as it was: checked by exporting it before
and after. The attacks: a bundle forged from a copy of the server's database (the old
HMAC format, and the new format signed with a key the attacker made), a changed byte,
a replay, a bundle for another server, a lost flash drive read by a stranger.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update

from kiosk_app.domain.record_ids import uuid7
from kiosk_app.protocol.sealed import key_fingerprint, recipient_header, seal
from kiosk_app.store import photos
from kiosk_app.sync import usb_export as kiosk_bundle
from kiosk_server.db import device
from tests.support import ROOT, VILLAGE
from tests.support.live import LiveServer
from tests.sync.test_sync_faults import a_photo


def merchant(name: str, phone: str = "081234567890") -> dict[str, object]:
    return {"business_name": name, "owner_name": "Ani Suryani", "phone": phone,
            "village_code": VILLAGE, "address": "Dusun Krajan RT 05"}  # fmt: skip


def import_bundle(server: LiveServer, path: Path) -> subprocess.CompletedProcess[str]:
    database = ["--database", server.database] if server.database else []
    return subprocess.run(
        [sys.executable, "-m", "kiosk_server.cli", "bundle", "import", str(path),
         "--data-dir", str(server.data_dir), *database],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip


def server_db(server: LiveServer):
    return server.engine


def export(kiosk, path: Path) -> Path:
    kiosk_bundle.export_bundle(
        kiosk.store, kiosk.blobs, kiosk.store.get_setting("server.device_id"), path
    )
    return path


def test_a_bundle_is_sealed_signed_and_imported_once_with_its_photo(make_kiosk, server, tmp_path):
    # Given a kiosk with a merchant, a product and a photo waiting (offline)
    kiosk = make_kiosk("usb-a")
    assert kiosk.sync().ok
    m = kiosk.store.create("merchant", merchant("Madu Hutan Pak Daud", "081299990001"))
    p = kiosk.store.create("product", {"merchant_id": m, "name": "Madu", "price": 90000})
    photos.add_photo(kiosk.store, p, a_photo(21), kiosk.blobs)
    path = export(kiosk, tmp_path / "flashdisk.etalase")
    raw = path.read_bytes()

    # When a stranger finds the flash drive, and then the server imports it twice
    readable = zipfile.is_zipfile(path)
    first = import_bundle(server, path)
    after_first = server.export(tmp_path / "after-first")
    second = import_bundle(server, path)
    after_second = server.export(tmp_path / "after-second")

    # Then the stranger reads nothing; the server takes it once, the replay is refused
    assert not readable
    for secret in (b"Madu Hutan", b"081299990001", b"6281299990001", b"Ani Suryani", b"Krajan"):
        assert secret not in raw
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert (report["accepted"], report["rejected"], report["new_blobs"]) == (3, 0, 2)
    assert [r["business_name"] for r in after_first["merchant"] if r["id"] == m] == [
        "Madu Hutan Pak Daud"
    ]
    assert second.returncode == 1
    assert "sudah diimpor" in second.stderr and "replay" in second.stderr
    assert after_second == after_first


def test_a_changed_byte_anywhere_is_refused_and_changes_nothing(make_kiosk, server, tmp_path):
    kiosk = make_kiosk("usb-b")
    assert kiosk.sync().ok
    kiosk.store.create("merchant", merchant("Keripik Tempe Bu Sri"))
    path = export(kiosk, tmp_path / "good.etalase")
    before = server.export(tmp_path / "before")
    raw = bytearray(path.read_bytes())

    outcomes = []
    for position in (20, len(raw) // 2, len(raw) - 1):  # header, content, last tag byte
        changed = bytearray(raw)
        changed[position] ^= 0x01
        bad = tmp_path / f"changed-{position}.etalase"
        bad.write_bytes(changed)
        outcomes.append(import_bundle(server, bad))
    cut = tmp_path / "cut.etalase"
    cut.write_bytes(raw[: len(raw) - 100])
    outcomes.append(import_bundle(server, cut))

    for done in outcomes:
        assert done.returncode == 1
        assert "rusak atau sudah diubah" in done.stderr or "bukan bundel" in done.stderr
        assert "Traceback" not in done.stderr
    assert server.export(tmp_path / "after") == before


def later_stamp() -> str:
    """A clock stamp an hour after now: newer than the kiosk's edit, within the server's
    one-day drift allowance, so a forged edit would win if it were let in."""
    return f"{time.time_ns() // 1_000_000 + 3_600_000:013d}-0000-attacker"


def _forged_old_format(kiosk, server: LiveServer, merchant_id: str, phone: str) -> Path:
    """What the review did: a format-1 bundle signed with HMAC keyed by the token's hash,
    which is exactly the ``device.token_hash`` column of the server's database."""
    device_id = kiosk.store.get_setting("server.device_id")
    with server_db(server).connect() as conn:
        token_hash = conn.execute(
            select(device.c.token_hash).where(device.c.id == device_id)
        ).scalar_one()
    manifest = json.dumps({
        "format": 1, "protocol": 2, "device_id": device_id, "node_id": "attacker",
        "mutations": [{"id": uuid7(), "entity": "merchant", "row_id": merchant_id,
                       "hlc": later_stamp(), "op": "upsert", "fields": {"phone": phone}}],
        "blobs": [],
    }).encode()  # fmt: skip
    path = Path(kiosk.data_dir) / "forged-v1.etalase"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", manifest)
        signature = hmac.new(bytes.fromhex(token_hash), manifest, hashlib.sha256).hexdigest()
        archive.writestr("signature", signature)
    return path


def test_a_bundle_forged_from_a_copy_of_the_server_database_is_refused(
    make_kiosk, server, tmp_path
):
    # Given a merchant on the server, and an attacker with a copy of its database
    kiosk = make_kiosk("usb-c")
    assert kiosk.sync().ok
    m = kiosk.store.create("merchant", merchant("Kopi Bu Sri", "081211112222"))
    assert kiosk.sync().ok
    before = server.export(tmp_path / "before")

    # When the attacker forges the old HMAC format from the token hash...
    old = import_bundle(server, _forged_old_format(kiosk, server, m, "+6289900000000"))
    # ...and the new format, signed with a key of its own and sealed to the server's
    # public key (public: every kiosk holds it), naming the victim kiosk
    attacker = Ed25519PrivateKey.generate()
    server_key = base64.b64decode(kiosk.store.get_setting("server.bundle_key"))
    device_id = kiosk.store.get_setting("server.device_id")
    manifest = json.dumps({
        "format": 2, "bundle_id": uuid7(), "protocol": 2, "device_id": device_id,
        "node_id": "attacker", "server_key": key_fingerprint(server_key),
        "mutations": [{"id": uuid7(), "entity": "merchant", "row_id": m,
                       "hlc": later_stamp(), "op": "upsert",
                       "fields": {"phone": "+6289900000000"}}],
        "blobs": [],
    }).encode()  # fmt: skip
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("manifest.json", manifest)
        archive.writestr("signature", base64.b64encode(attacker.sign(manifest)).decode())
    header, key = recipient_header("bundle", server_key, format=2, device_id=device_id)
    forged = tmp_path / "forged-v2.etalase"
    with inner.open("rb") as source, forged.open("wb") as target:
        seal(source, target, key, header)
    new = import_bundle(server, forged)

    # Then both are refused with a clear message, and the phone number is unchanged
    assert old.returncode == 1
    assert "versi lama" in old.stderr and "export the bundle again" in old.stderr
    assert new.returncode == 1 and "Tanda tangan" in new.stderr
    assert server.export(tmp_path / "after") == before
    phones = [r["phone"] for r in before["merchant"] if r["id"] == m]
    assert phones == ["+6281211112222"]


def test_a_bundle_for_another_server_is_refused(make_kiosk, server, tmp_path_factory, tmp_path):
    # Given a kiosk enrolled with another server (its own secret, its own bundle key)
    with LiveServer(tmp_path_factory.mktemp("other-server")) as other:
        kiosk = make_kiosk("usb-d")
        kiosk.enroll(other.url, other.enroll_code("35.07"), "kios-lain")
        assert kiosk.sync(other.url).ok
        kiosk.store.create("merchant", merchant("Gula Aren Pak Made"))
        path = export(kiosk, tmp_path / "other.etalase")
    before = server.export(tmp_path / "before")

    done = import_bundle(server, path)

    assert done.returncode == 1 and "server lain" in done.stderr
    assert server.export(tmp_path / "after") == before


def test_a_kiosk_enrolled_before_bundles_were_signed_registers_its_key_on_its_next_sync(
    make_kiosk, server, tmp_path
):
    # Given a kiosk as an older app enrolled it: no key pair, none registered
    kiosk = make_kiosk("usb-e")
    assert kiosk.sync().ok  # the region list (and a key: wiped next, as if never made)
    device_id = kiosk.store.get_setting("server.device_id")
    kiosk.store.set_setting(kiosk_bundle.SIGNING_KEY, None)
    kiosk.store.set_setting(kiosk_bundle.SERVER_KEY, None)
    with server_db(server).begin() as conn:
        conn.execute(update(device).where(device.c.id == device_id).values(bundle_key=None))
    kiosk.store.create("merchant", merchant("Tenun Ikat Mama Yosefina"))

    # When it tries to export before syncing, then syncs, then exports
    with pytest.raises(kiosk_bundle.BundleError, match="Sinkronkan sekali"):
        export(kiosk, tmp_path / "too-early.etalase")
    assert not (tmp_path / "too-early.etalase").exists()
    kiosk.store.create("merchant", merchant("Kain Songket"))
    result = kiosk.sync()
    kiosk.store.create("merchant", merchant("Kopi Flores"))  # pending: goes on the stick
    path = export(kiosk, tmp_path / "later.etalase")
    done = import_bundle(server, path)

    # Then the sync registered its key once, and the bundle is taken
    assert result.ok, result.error
    with server_db(server).connect() as conn:
        registered = conn.execute(
            select(device.c.bundle_key).where(device.c.id == device_id)
        ).scalar_one()
    signing = kiosk.store.get_setting(kiosk_bundle.SIGNING_KEY)
    assert registered == kiosk_bundle.public_half(signing)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["accepted"] == 1
