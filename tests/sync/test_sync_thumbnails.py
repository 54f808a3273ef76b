"""Thumbnails of another kiosk's photos come down with a sync; one the server does not
have yet (404) or whose bytes do not match its hash is not kept, and a later sync
fetches it once it is there whole."""

from __future__ import annotations

import hashlib

from kiosk_app.media.pipeline import process_photo
from kiosk_app.store import photos
from kiosk_app.sync.engine import SyncResult
from tests.media.media_samples import photo_like, to_bytes
from tests.support import VILLAGE


def photo_on_a(a, seed: int):
    """Kiosk A registers a product with a photo; returns the photo."""
    m = a.store.create("merchant", {"business_name": "Toko Ani", "owner_name": "Ani",
                                    "phone": "081234567890", "village_code": VILLAGE})  # fmt: skip
    p = a.store.create("product", {"merchant_id": m, "name": "Tikar", "price": 50000})
    photo = process_photo(to_bytes(photo_like((800, 600), seed=seed), "JPEG", quality=90))
    photos.add_photo(a.store, p, photo, a.blobs)
    return photo


def test_a_thumbnail_not_uploaded_yet_is_fetched_by_a_later_sync(make_kiosk):
    a, b = make_kiosk("a"), make_kiosk("b")
    assert a.sync().ok and b.sync().ok
    photo = photo_on_a(a, seed=61)
    # Given A's records reached the server, its photos not yet (the link dropped)
    a.engine_for().sync_records(SyncResult())

    # When B syncs: it learns of the photo, and the server answers 404 for its thumbnail
    first = b.sync()

    # Then B goes on without it (nothing is wrong on B's side) ...
    assert first.ok and first.received >= 3 and first.downloaded == 0
    assert b.store.db.execute("SELECT count(*) FROM photo").fetchone()[0] == 1
    assert not b.blobs.has(photo.thumb_sha256)

    # ... and once A has uploaded, B's next sync brings the thumbnail, not the full image
    assert a.sync().ok
    second = b.sync()
    assert second.ok and second.downloaded == 1
    assert b.blobs.path(photo.thumb_sha256).read_bytes() == photo.thumb
    assert not b.blobs.has(photo.sha256)


def test_a_thumbnail_whose_bytes_do_not_match_its_hash_is_not_kept(make_kiosk, server):
    a, b = make_kiosk("a"), make_kiosk("b")
    assert a.sync().ok and b.sync().ok
    photo = photo_on_a(a, seed=62)
    assert a.sync().ok
    # Given the server's copy of the thumbnail was damaged on its disk (a flipped bit)
    stored = server.data_dir / "blobs" / photo.thumb_sha256[:2] / photo.thumb_sha256
    good = stored.read_bytes()
    stored.chmod(0o644)
    damaged = good[:200] + bytes([good[200] ^ 1]) + good[201:]
    stored.write_bytes(damaged)

    # When B syncs, it receives those bytes
    first = b.sync()

    # Then B does not keep them, under any name
    assert first.ok and first.downloaded == 0
    assert not b.blobs.has(photo.thumb_sha256)
    held = {f.name: f.read_bytes() for f in (b.data_dir / "blobs").rglob("*") if f.is_file()}
    assert hashlib.sha256(damaged).hexdigest() not in held
    assert all(hashlib.sha256(data).hexdigest() == name for name, data in held.items())

    # When the server's copy is whole again, B's next sync takes it
    stored.write_bytes(good)
    second = b.sync()
    assert second.downloaded == 1
    held = b.blobs.path(photo.thumb_sha256).read_bytes()
    assert hashlib.sha256(held).hexdigest() == photo.thumb_sha256
