"""Photos on the server under attack (issue 14): who may read a blob, what an upload may
cost, and what is left on disk. SQLite and PostgreSQL.

- A hash is no read permission: a photo row naming another region's blob grants
  nothing on ``/v1/blobs`` or the public ``/foto``; "missing" and upload creation answer
  as if the blob were absent, so the device must send the bytes (and then may read them).
- Uploads: only JPEGs; per-device limits on unfinished uploads; unfinished uploads
  expire; blobs no photo refers to are collected; revocation ends a device's uploads,
  even one whose PATCH is running. The collector runs at a time the test chooses.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import select

from kiosk_app.domain.record_ids import uuid7
from kiosk_server import cli, housekeeping, upload_state
from kiosk_server.db import blob, blob_holder, upload, upload_chunk
from tests.catalog.conftest import CONSENT
from tests.server.conftest import LiveApp
from tests.server.helpers import Api, Device, merchant_fields, photo_fields, product_fields
from tests.server.test_server_uploads import (
    OCTETS,
    TUS,
    create,
    meta,
    offset_of,
    patch,
    photo_bytes,
)

OTHER_REGION_VILLAGE = "53.10.01.2001"


def upload_bytes(api: Api, kiosk: Device, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    answer = patch(api, kiosk, create(api, kiosk, sha, len(data)), 0, data)
    assert answer.status_code == 204, answer.text
    return sha


def publish_photo(api: Api, kiosk: Device, village: str, full: str, thumb: str, **over):
    """A consenting merchant in ``village`` with a product carrying a photo of these
    blobs; ``over`` changes the product (e.g. status draft)."""
    m, p, ph = uuid7(), uuid7(), uuid7()
    answer = api.sync(kiosk, [
        kiosk.mutation("merchant", m, **merchant_fields(village_code=village, **CONSENT)),
        kiosk.mutation("product", p, **product_fields(m, **{"status": "published", **over})),
        kiosk.mutation("photo", ph, **photo_fields(p, full, thumb)),
    ])  # fmt: skip
    assert answer["rejected"] == [], answer["rejected"]
    return answer


def test_a_photo_row_naming_another_regions_blob_is_no_read_permission(api: Api):
    # Given a kiosk in region 53 whose draft (not public) product has a photo
    owner, attacker, neighbour = api.enroll("53"), api.enroll("35.07"), api.enroll("35.07")
    full, thumb = photo_bytes(3000, seed=31)[0], photo_bytes(800, seed=32)[0]
    full_sha, thumb_sha = upload_bytes(api, owner, full), upload_bytes(api, owner, thumb)
    publish_photo(api, owner, OTHER_REGION_VILLAGE, full_sha, thumb_sha, status="draft")

    # When a kiosk in 35.07 writes a published photo naming those hashes
    pushed = publish_photo(api, attacker, "35.07.12.2001", full_sha, thumb_sha)
    blob_get = api.client.get(f"/v1/blobs/{full_sha}", headers=attacker.headers)
    blob_head = api.client.head(f"/v1/blobs/{thumb_sha}", headers=attacker.headers)
    public = api.client.get(f"/foto/{thumb_sha}")
    missing = api.client.post(
        "/v1/blobs/missing", json={"sha256": [full_sha, thumb_sha]}, headers=attacker.headers
    )
    creation = api.client.post(
        "/v1/uploads/",
        headers={**TUS, **attacker.headers, "Upload-Length": str(len(full)),
                 "Upload-Metadata": meta(full_sha)},
    )  # fmt: skip

    # Then it reads nothing, and learns nothing of whether the server holds them
    assert blob_get.status_code == blob_head.status_code == public.status_code == 404
    assert sorted(pushed["missing_blobs"]) == sorted([full_sha, thumb_sha])
    assert missing.json() == {"missing": sorted([full_sha, thumb_sha])}
    assert creation.status_code == 201 and creation.headers["upload-offset"] == "0"

    # And a kiosk that truly has the bytes proves it by sending them, then may read them,
    # as may its neighbours in the region, and the public page shows the photo
    url = creation.headers["location"]
    assert patch(api, attacker, url, 0, full).status_code == 204
    upload_bytes(api, attacker, thumb)
    assert api.client.get(f"/v1/blobs/{full_sha}", headers=attacker.headers).content == full
    assert api.client.get(f"/v1/blobs/{thumb_sha}", headers=neighbour.headers).content == thumb
    assert api.client.get(f"/foto/{thumb_sha}").status_code == 200


def test_a_kiosk_sending_a_photo_record_before_its_bytes_shares_them_with_its_region(
    api: Api,
):
    kiosk, neighbour, elsewhere = api.enroll("35.07"), api.enroll("35.07.12"), api.enroll("53")
    full, full_sha = photo_bytes(3000, seed=41)
    thumb, thumb_sha = photo_bytes(700, seed=42)

    pushed = publish_photo(api, kiosk, "35.07.12.2001", full_sha, thumb_sha)  # records first
    upload_bytes(api, kiosk, full)
    upload_bytes(api, kiosk, thumb)

    assert sorted(pushed["missing_blobs"]) == sorted([full_sha, thumb_sha])
    assert api.client.get(f"/v1/blobs/{full_sha}", headers=neighbour.headers).content == full
    assert api.client.get(f"/v1/blobs/{full_sha}", headers=elsewhere.headers).status_code == 404
    assert api.client.get(f"/foto/{thumb_sha}").content == thumb


def test_bytes_that_are_not_a_jpeg_are_refused_and_nothing_is_kept(api: Api):
    kiosk = api.enroll()
    for data in (os.urandom(5000), b"<html><script>alert(1)</script></html>" * 20):
        sha = hashlib.sha256(data).hexdigest()
        url = create(api, kiosk, sha, len(data))

        answer = patch(api, kiosk, url, 0, data)

        assert answer.status_code == 415
        assert answer.json()["detail"]["code"] == "not_jpeg"
        assert "bukan foto JPEG" in answer.json()["detail"]["message"]
        assert api.blob(sha) is None
        assert api.client.head(url, headers={**TUS, **kiosk.headers}).status_code == 404
    assert api.pieces() == 0


def _start(api: Api, kiosk: Device, length: int, seed: int):
    sha = hashlib.sha256(seed.to_bytes(8, "big")).hexdigest()
    return api.client.post(
        "/v1/uploads/",
        headers={**TUS, **kiosk.headers, "Upload-Length": str(length),
                 "Upload-Metadata": meta(sha)},
    )  # fmt: skip


def pieces_of(api: Api, url: str) -> int:
    """Bytes of this upload held in the database (its pieces)."""
    with api.engine.connect() as conn:
        rows = conn.execute(
            select(upload_chunk.c.data).where(upload_chunk.c.upload_id == url.rsplit("/", 1)[1])
        )
        return sum(len(r[0]) for r in rows)


def _open_uploads(api: Api, kiosk: Device) -> list[str]:
    with api.engine.connect() as conn:
        rows = conn.execute(
            select(upload.c.id)
            .where(upload.c.device_id == kiosk.id, upload.c.completed_at.is_(None))
            .order_by(upload.c.created_at, upload.c.id)
        )
        return [r[0] for r in rows]


def test_a_device_may_leave_only_so_many_uploads_unfinished(api: Api):
    # Given three kiosks, one opening many small uploads, one a few big ones
    many, big, other = api.enroll(), api.enroll(), api.enroll()
    limit = api.settings.max_open_uploads
    most = api.settings.tus_max_size
    first_small = [_start(api, many, 1000, n) for n in range(limit)]
    oldest = first_small[0].headers["location"]
    patch_first = {**TUS, **many.headers, "Upload-Offset": "0",
                   "Content-Type": "application/offset+octet-stream"}  # fmt: skip
    assert api.client.patch(oldest, content=b"x" * 10, headers=patch_first).status_code == 204
    assert pieces_of(api, oldest) == 10

    # When each opens one more than its limits allow
    one_more = _start(api, many, 1000, limit)
    large = [_start(api, big, most, 100 + n).status_code for n in range(6)]
    unaffected = _start(api, other, 1000, 999)

    # Then every creation is taken, and the device's oldest unfinished uploads make room:
    # the limits hold (16 uploads, 128 MiB announced), bytes and all
    assert [r.status_code for r in first_small] == [201] * limit
    assert one_more.status_code == 201
    assert len(_open_uploads(api, many)) == limit
    assert api.client.head(oldest, headers={**TUS, **many.headers}).status_code == 404
    assert pieces_of(api, oldest) == 0
    assert large == [201] * 6
    assert len(_open_uploads(api, big)) == 5  # 5 x 25 MiB fit in 128 MiB, a sixth does not
    # and another device's uploads are not touched
    assert unaffected.status_code == 201
    assert len(_open_uploads(api, other)) == 1
    assert len(_open_uploads(api, many)) == limit


def test_unfinished_uploads_expire_with_their_bytes(api: Api):
    kiosk = api.enroll()
    data, sha = photo_bytes(5000, seed=7)
    url = create(api, kiosk, sha, len(data))
    assert patch(api, kiosk, url, 0, data[:2000]).status_code == 204
    now = datetime.now(UTC)

    early = housekeeping.collect(api.engine, api.settings, api.blobs, now + timedelta(hours=23))
    held, stored = offset_of(api, kiosk, url), pieces_of(api, url)
    late = housekeeping.collect(api.engine, api.settings, api.blobs, now + timedelta(hours=25))

    assert early.uploads == 0 and held == stored == 2000
    assert late.uploads == 1 and pieces_of(api, url) == 0
    assert api.client.head(url, headers={**TUS, **kiosk.headers}).status_code == 404


def test_blobs_no_photo_refers_to_are_collected_after_the_grace_period(api: Api):
    kiosk = api.enroll()
    kept_full, kept_thumb = photo_bytes(2000, seed=11)[0], photo_bytes(600, seed=12)[0]
    kept = [upload_bytes(api, kiosk, kept_full), upload_bytes(api, kiosk, kept_thumb)]
    publish_photo(api, kiosk, "35.07.12.2001", *kept)
    orphan = upload_bytes(api, kiosk, photo_bytes(2500, seed=13)[0])
    stray = api.settings.blob_dir / "ff" / ("f" * 64)  # a file no row knows of
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"left by a crash")
    old = time.time() - 8 * 24 * 3600
    os.utime(stray, (old, old))
    now = datetime.now(UTC)

    within = housekeeping.collect(api.engine, api.settings, api.blobs, now + timedelta(days=6))
    after = housekeeping.collect(api.engine, api.settings, api.blobs, now + timedelta(days=8))

    assert within.blobs == 0 and within.stray_files == 1 and not stray.exists()
    assert after.blobs == 1
    assert api.blob(orphan) is None
    with api.engine.connect() as conn:
        left = {r[0] for r in conn.execute(select(blob.c.sha256))}
        holders = {r[0] for r in conn.execute(select(blob_holder.c.sha256))}
    assert left == holders == set(kept)
    assert all(api.blob(s) is not None for s in kept)


def test_revocation_removes_a_devices_unfinished_uploads_at_once(api: Api, capsys):
    kiosk = api.enroll()
    data, sha = photo_bytes(5000, seed=21)
    url = create(api, kiosk, sha, len(data))
    assert patch(api, kiosk, url, 0, data[:1000]).status_code == 204
    assert pieces_of(api, url) == 1000

    status = cli.main(["revoke", kiosk.id, "--data-dir", str(api.settings.data_dir),
                       "--database", api.settings.db_url])  # fmt: skip

    assert status == 0 and "1 unfinished uploads removed" in capsys.readouterr().out
    assert pieces_of(api, url) == 0
    with api.engine.connect() as conn:
        assert conn.execute(select(upload.c.id).where(upload.c.device_id == kiosk.id)).all() == []
    assert patch(api, kiosk, url, 1000, data[1000:]).status_code == 401


def test_a_patch_running_when_its_device_is_revoked_is_not_accepted(live: LiveApp, api: Api):
    # Given a PATCH whose first half has arrived and is partly stored (the rest is still
    # on the way)
    kiosk = api.enroll()
    data, sha = photo_bytes(600_000, seed=22)
    url = create(api, kiosk, sha, len(data))
    upload_id = url.rsplit("/", 1)[1]
    head = (
        f"PATCH /v1/uploads/{upload_id} HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\n"
        f"Authorization: Bearer {kiosk.token}\r\nTus-Resumable: 1.0.0\r\n"
        f"Upload-Offset: 0\r\nContent-Type: {OCTETS}\r\nContent-Length: {len(data)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", live.port), timeout=60) as sock:
        sock.sendall(head + data[:300_000])
        deadline = time.monotonic() + 30
        while pieces_of(api, url) < upload_state.PIECE_BYTES:
            assert time.monotonic() < deadline, "the server never stored the first half"
            time.sleep(0.02)

        # When the device is revoked, and then the rest arrives
        assert cli.main(["revoke", kiosk.id, "--data-dir", str(api.settings.data_dir),
                         "--database", api.settings.db_url]) == 0  # fmt: skip
        sock.sendall(data[300_000:])
        answer = sock.recv(4096)

    # Then the upload is refused and the photo is not stored
    assert answer.split(b" ", 2)[1] == b"401"
    assert api.blob(sha) is None
    with api.engine.connect() as conn:
        assert conn.execute(select(blob.c.sha256).where(blob.c.sha256 == sha)).first() is None
    assert requests.get(f"{live.url}/healthz", timeout=10).status_code == 200
