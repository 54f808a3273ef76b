"""Kiosks and a live server process (SQLite and PostgreSQL): an erased merchant leaves
every kiosk of its region at its next sync, unsent edits cannot bring it back; the
version announced and the region's settings set in the console reach the kiosk, whose
scheduler and photo pipeline use them."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image, ImageDraw

from kiosk_app.media.pipeline import process_photo
from kiosk_app.store.owner import StoreThread
from kiosk_app.store.photos import add_photo
from kiosk_app.store.settings import Key
from kiosk_app.sync.device import load_device
from kiosk_app.sync.engine import SyncEngine, SyncResult
from kiosk_app.sync.scheduler import SyncScheduler
from kiosk_server import moderation
from kiosk_server.config import Settings
from kiosk_server.storage import open_storage
from tests.support import VILLAGE
from tests.support.clock import ManualTimer
from tests.support.console import Console
from tests.support.live import LiveServer
from tests.technician.conftest import kiosk_cli

CONSENT = {"consent_version": "persetujuan-v1", "consent_at": "2026-11-20T09:00:00+07:00",
           "consent_operator": "Operator Uji"}  # fmt: skip


def jpeg(colour: str, size: tuple[int, int] = (900, 700)) -> bytes:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for n in range(0, size[0], 7):  # detail, so the encoder's quality shows in the bytes
        draw.line((n, 0, size[0] - n, size[1]), fill=(n % 255, 90, 200 - n % 150), width=2)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def server_settings(server: LiveServer) -> Settings:
    return Settings(data_dir=server.data_dir, database_url=server.db_url)


def test_an_erased_merchant_leaves_every_kiosk_at_its_next_sync(server, make_kiosk):
    # Given kiosk A registered a merchant with a product and a photo, and kiosk B of the
    # same region pulled them (and the photo's thumbnail)
    a, b = make_kiosk("a"), make_kiosk("b")
    assert a.sync().ok and b.sync().ok  # the region list of their scope
    m = a.store.create("merchant", {"business_name": "Kopi Bu Sri", "owner_name": "Sri Wahyuni",
                                    "phone": "0812-3456-7890", "village_code": VILLAGE,
                                    "status": "active", **CONSENT})  # fmt: skip
    p = a.store.create("product", {"merchant_id": m, "name": "Kopi Robusta", "price": 35000,
                                   "status": "published"})  # fmt: skip
    photo = process_photo(jpeg("#8a3b0a"))
    add_photo(a.store, p, photo, a.blobs)
    other = {"business_name": "Warung Lain", "owner_name": "Tini", "phone": "0813-1111-2222"}
    kept = a.store.create("merchant", {**other, "village_code": VILLAGE})
    assert a.sync().ok
    assert b.sync().ok
    assert b.store.get("product", p) is not None and b.blobs.has(photo.thumb_sha256)
    assert a.blobs.has(photo.sha256)

    # and B has unsent edits of that merchant: a new phone number and a new product
    b.store.update("merchant", m, {"phone": "0812-9999-8888"})
    newer = b.store.create("product", {"merchant_id": m, "name": "Kopi Luwak", "price": 90000})

    # When the coordinator carries out the owner's erasure request on the server
    done = moderation.erase(server.engine, open_storage(server_settings(server)), m, "35.07")
    assert (done.products, done.photos, done.blobs) == (1, 1, 2)

    # Then at its next sync B holds nothing of the merchant, its products, photos or
    # unsent edits, and deleted the thumbnail's file
    result = b.sync()
    assert result.ok and result.refused == 0 and result.pending_changes == 0, result
    assert b.store.get("merchant", m) is None and b.store.get("product", p) is None
    assert b.store.get("product", newer) is None
    assert not b.blobs.has(photo.thumb_sha256)
    assert b.store.get("merchant", kept) is not None
    # and the server took none of B's edits back: the tombstone is bare, no product came
    rows = server.rows()
    assert rows["merchant"][m]["business_name"] is None and rows["merchant"][m]["phone"] is None
    assert p not in rows["product"] and newer not in rows["product"]
    assert server.blob(photo.sha256) is None and server.blob(photo.thumb_sha256) is None

    # And A, which registered it, lets go of it and of both image files at its next sync
    assert a.sync().ok
    assert a.store.get("merchant", m) is None and a.store.get("product", p) is None
    assert not a.blobs.has(photo.sha256) and not a.blobs.has(photo.thumb_sha256)
    assert a.export() == b.export()
    assert [r["id"] for r in a.export()["merchant"]] == [kept]


def test_announced_version_and_region_settings_reach_the_kiosk_and_are_used(
    server, make_kiosk, tmp_path: Path
):
    # Given a kiosk of 35.07 and a coordinator of 35.07 in the console
    kiosk = make_kiosk("k")
    assert kiosk.sync().ok
    console = Console(server.url, server.engine, f"malang-{tmp_path.name}@example.id",
                      "region", "35.07")  # fmt: skip
    try:
        # When they announce 7.1.0 to every kiosk of the region, and set its sync interval
        # to 30 minutes and photo quality to 50
        assert console.post("/admin/pembaruan/umumkan", version="7.1.0", region="35.07",
                            target="share", share="100").ok  # fmt: skip
        assert console.post("/admin/pengaturan", region="35.07", sync_minutes="30",
                            photo_quality="50").ok  # fmt: skip
    finally:
        console.close()

    # Then the kiosk's next sync brings them into its store
    result = kiosk.sync()
    assert result.ok and result.next_sync_s == 1800.0
    assert kiosk.store.get_setting(Key.LATEST_APP_VERSION) == "7.1.0"
    assert kiosk.store.settings.get_int(Key.REMOTE_SYNC_INTERVAL, 0) == 1800
    assert kiosk.store.settings.photo_quality() == 50

    # and the technician's doctor reports the new version (asked of the server again)
    done = kiosk_cli("doctor", "--data-dir", str(kiosk.data_dir), "--json")
    report = json.loads(done.stdout)
    update = next(f for f in report["findings"] if f["key"] == "update")
    assert update["status"] == "warn" and report["versions"]["latest_app"] == "7.1.0"
    assert "Versi baru 7.1.0 tersedia" in update["message_id"]

    # and a photo taken now is encoded from that quality down, smaller than by default
    source = jpeg("#2d6a4f")
    default, pushed = (
        process_photo(source),
        process_photo(source, kiosk.store.settings.photo_quality()),
    )
    assert pushed.full_quality <= 50 < default.full_quality
    assert len(pushed.full) < len(default.full)

    # and the scheduler (what the app's SyncRunner runs) waits 30 minutes, not 10
    owner = StoreThread(kiosk.data_dir / "kiosk.db")
    device = load_device(kiosk.store)
    assert device is not None
    engine = SyncEngine(owner.call, device.client(), kiosk.blobs)
    timer = ManualTimer()
    results: list[SyncResult] = []
    scheduler = SyncScheduler(engine.sync_once, results.append, idle_pull_s=600.0, timer=timer)
    scheduler.start()
    try:
        assert timer.parked() == 1800.0
        assert len(results) == 1 and results[0].ok
    finally:
        scheduler.stop()
        engine.client.close()
        owner.close()
