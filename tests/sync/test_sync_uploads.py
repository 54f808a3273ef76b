"""Photo uploads in few round trips: the first chunk rides in the creation request (tus
creation-with-upload), and two workers upload at once, thumbnails first.

A real kiosk_server process on loopback; requests and bytes are counted by the kiosk's
client, and what arrived is read back from the server.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from sqlalchemy import select

from kiosk_app.media.pipeline import process_photo
from kiosk_app.store import photos
from kiosk_app.sync import uploads
from kiosk_app.sync.client import OfflineError, RequestRefusedError, ServerClient
from kiosk_app.sync.device import load_device
from kiosk_app.sync.uploads import Uploader
from kiosk_server.db import upload
from tests.media.media_samples import photo_like, to_bytes
from tests.support import VILLAGE
from tests.support.live import free_port


class PowerCut(Exception):
    pass


def a_photo(seed: int):
    return process_photo(to_bytes(photo_like((2000, 1500), seed=seed), "JPEG", quality=92))


def kiosk_with_photos(make_kiosk, count: int, seed: int):
    kiosk = make_kiosk()
    assert kiosk.sync().ok  # brings the region list
    m = kiosk.store.create("merchant", {"business_name": "Toko Ani", "owner_name": "Ani",
                                        "phone": "081234567890",
                                        "village_code": VILLAGE})  # fmt: skip
    made = []
    for n in range(count):
        p = kiosk.store.create("product", {"merchant_id": m, "name": f"Tikar {n}", "price": 5000})
        photo = a_photo(seed + n)  # seeds apart: the server is shared
        photos.add_photo(kiosk.store, p, photo, kiosk.blobs)
        made.append(photo)
    device = load_device(kiosk.store)
    assert device is not None
    return kiosk, device, made


def on_server(device, sha: str) -> bytes | None:
    got = requests.get(f"{device.server_url}/v1/blobs/{sha}",
                       headers={"Authorization": f"Bearer {device.token}"}, timeout=30)  # fmt: skip
    return got.content if got.status_code == 200 else None


def remote(kiosk, shas: list[str]) -> set[str]:
    """Which of ``shas`` the kiosk has recorded as held by the server."""
    rows = kiosk.store.db.execute("SELECT sha256 FROM blob_remote").fetchall()
    return {r[0] for r in rows} & set(shas)


def test_a_blob_that_fits_in_one_chunk_takes_one_request(make_kiosk):
    kiosk, device, (photo,) = kiosk_with_photos(make_kiosk, 1, 10)
    client = device.client()
    uploader = Uploader(lambda fn, *a: fn(kiosk.store, *a), client, kiosk.blobs)
    uploader.upload(photo.thumb_sha256, "thumb")  # the first also asks what the server speaks
    before = client.traffic.requests

    uploader.upload(photo.sha256, "full")

    assert client.traffic.requests - before == 1
    assert client.traffic.requests == 3  # OPTIONS once, then one POST per blob
    assert on_server(device, photo.sha256) == kiosk.blobs.path(photo.sha256).read_bytes()
    assert kiosk.store.db.execute("SELECT count(*) FROM upload").fetchone()[0] == 0
    client.close()


def _answered_posts(server) -> int:
    """Creation requests the server has finished with (its access log's lines)."""
    lines = server.log_path.read_text().splitlines()
    return sum('"method": "POST"' in line and '"path": "/v1/uploads/"' in line for line in lines)


def _server_let_go(server, before: int, device, sha: str) -> int:
    """Wait until the server has finished with the cut request; the bytes it kept."""
    deadline = time.monotonic() + 60  # a guard against a hang, not a speed check
    while _answered_posts(server) <= before:
        assert time.monotonic() < deadline, "the server did not finish the cut request"
        time.sleep(0.05)
    with server.engine.connect() as conn:
        held = conn.execute(
            select(upload.c.received).where(
                upload.c.device_id == device.device_id, upload.c.sha256 == sha
            )
        ).scalar_one()
    return int(held)


def test_a_creation_cut_part_way_resumes_from_the_servers_offset(make_kiosk, server, monkeypatch):
    kiosk, device, (photo,) = kiosk_with_photos(make_kiosk, 1, 20)
    length = kiosk.blobs.size(photo.sha256)
    monkeypatch.setattr(uploads, "MIN_CHUNK", length)  # the whole photo in the POST
    monkeypatch.setattr(uploads, "MAX_CHUNK", length)

    def cut_half_way(sha: str, kind: str, sent: int, confirmed: int, total: int) -> None:
        if sent >= total // 2 and confirmed == 0:
            raise PowerCut

    def run(fn, *args):
        return fn(kiosk.store, *args)

    before = _answered_posts(server)
    first_client = device.client()
    with pytest.raises(PowerCut):
        Uploader(run, first_client, kiosk.blobs, on_bytes=cut_half_way).upload(photo.sha256, "full")
    held = _server_let_go(server, before, device, photo.sha256)
    second_client = device.client()  # a new process after the restart
    Uploader(run, second_client, kiosk.blobs).upload(photo.sha256, "full")

    assert 0.3 * length < held < length
    assert second_client.traffic.bytes_up == length - held  # only the rest went again
    assert second_client.traffic.requests == 2  # "which upload was mine?", then the rest
    assert on_server(device, photo.sha256) == kiosk.blobs.path(photo.sha256).read_bytes()
    first_client.close()
    second_client.close()


def test_a_blob_whose_bytes_do_not_match_its_hash_is_refused(make_kiosk):
    kiosk, device, (photo,) = kiosk_with_photos(make_kiosk, 1, 30)
    path = kiosk.blobs.path(photo.thumb_sha256)
    path.chmod(0o644)
    data = path.read_bytes()
    path.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])  # a flipped bit
    client = device.client()
    uploader = Uploader(lambda fn, *a: fn(kiosk.store, *a), client, kiosk.blobs)

    with pytest.raises(RequestRefusedError) as refused:
        uploader.upload(photo.thumb_sha256, "thumb")

    assert refused.value.status == 460 and refused.value.code == "hash_mismatch"
    assert client.traffic.requests == 2  # OPTIONS, and the one POST carrying it all
    assert on_server(device, photo.thumb_sha256) is None
    client.close()


def test_two_workers_upload_every_blob_once_thumbnails_first(make_kiosk):
    kiosk, device, made = kiosk_with_photos(make_kiosk, 4, 40)
    shas = [s for p in made for s in (p.sha256, p.thumb_sha256)]
    caller = threading.current_thread()
    store_threads: set[threading.Thread] = set()
    events: list[tuple[str, str, str, int, int, int]] = []

    def run(fn, *args):  # not thread-safe: the store belongs to this thread
        store_threads.add(threading.current_thread())
        return fn(kiosk.store, *args)

    def on_bytes(sha: str, kind: str, sent: int, confirmed: int, length: int) -> None:
        events.append((threading.current_thread().name, sha, kind, sent, confirmed, length))

    client = device.client()
    uploader = Uploader(run, client, kiosk.blobs, on_bytes=on_bytes)
    progress: list[tuple[str, int, int]] = []

    done = uploader.upload_missing(shas, lambda *p: progress.append(p))

    assert done == 8 and progress[-1] == ("photos", 8, 8)
    assert client.traffic.requests == 1 + 8  # OPTIONS, then one request per blob
    assert store_threads == {caller}
    assert len({e[0] for e in events}) == 2  # two workers
    starts = [e for e in events if e[3:5] == (0, 0)]
    assert sorted(e[1] for e in starts) == sorted(shas)  # each blob started once
    ends = [e[1] for e in events if e[3] == e[4] == e[5]]
    assert sorted(ends) == sorted(shas)  # and finished once
    assert [e[2] for e in starts] == ["thumb"] * 4 + ["full"] * 4
    assert [e[1] for e in starts[:4]] == [p.thumb_sha256 for p in made]
    for sha in shas:
        assert on_server(device, sha) == kiosk.blobs.path(sha).read_bytes()
    assert remote(kiosk, shas) == set(shas)
    assert kiosk.store.db.execute("SELECT count(*) FROM upload").fetchone()[0] == 0
    client.close()


def test_a_workers_error_stops_the_sync_and_is_reported(make_kiosk):
    kiosk, device, made = kiosk_with_photos(make_kiosk, 3, 50)
    bad = kiosk.blobs.path(made[1].sha256)
    bad.chmod(0o644)
    data = bad.read_bytes()
    bad.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])

    result = kiosk.sync()

    assert not result.ok
    assert result.error is not None and result.error.startswith("RequestRefusedError")
    assert all(on_server(device, p.thumb_sha256) for p in made)  # the thumbnails went first


def test_an_unreachable_server_raises_offline_from_the_workers(make_kiosk):
    kiosk, device, made = kiosk_with_photos(make_kiosk, 2, 60)
    shas = [s for p in made for s in (p.thumb_sha256, p.sha256)]
    client = ServerClient(f"http://127.0.0.1:{free_port()}", device.token, timeout=(2.0, 2.0))
    uploader = Uploader(lambda fn, *a: fn(kiosk.store, *a), client, kiosk.blobs)

    with pytest.raises(OfflineError):
        uploader.upload_missing(shas)

    assert remote(kiosk, shas) == set()
    client.close()


def test_an_upload_a_dead_links_request_still_holds_is_continued_at_once(
    make_kiosk, server, monkeypatch
):
    # Given a photo whose upload was cut after its first chunk (a power cut)...
    kiosk, device, (photo,) = kiosk_with_photos(make_kiosk, 1, 70)
    length = kiosk.blobs.size(photo.sha256)
    monkeypatch.setattr(uploads, "MIN_CHUNK", length // 4)  # four requests for the photo
    monkeypatch.setattr(uploads, "MAX_CHUNK", length // 4)

    def cut_after_a_chunk(sha: str, kind: str, sent: int, confirmed: int, total: int) -> None:
        if 0 < confirmed < total:
            raise PowerCut

    def run(fn, *args):
        return fn(kiosk.store, *args)

    client = device.client()
    Uploader(run, client, kiosk.blobs).upload(photo.thumb_sha256, "thumb")
    with pytest.raises(PowerCut):
        Uploader(run, client, kiosk.blobs, on_bytes=cut_after_a_chunk).upload(photo.sha256, "full")
    client.close()
    saved = kiosk.store.db.execute("SELECT url, confirmed_offset FROM upload").fetchone()
    assert saved is not None and 0 < saved[1] < length
    data = kiosk.blobs.path(photo.sha256).read_bytes()
    # ...and a request of the dead link still open on the server, its bytes trickling in
    path = "/" + saved[0].split("/", 3)[3]
    head = (
        f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Bearer {device.token}\r\nTus-Resumable: 1.0.0\r\n"
        f"Upload-Offset: {saved[1]}\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {length - saved[1]}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as stale:
        stale.sendall(head + data[saved[1] : saved[1] + 1000])

        # When the kiosk syncs meanwhile
        again = kiosk.sync()

        # Then nothing waits for the dead request (no lock is held while bytes arrive):
        # the rest goes from the confirmed offset and the photo is whole on the server
        assert again.ok and again.uploaded == 1, again.error
        assert on_server(device, photo.sha256) == data
        # and the dead request, when its link ends, stores nothing over it
        stale.shutdown(socket.SHUT_WR)
        stale.recv(4096)
    assert on_server(device, photo.sha256) == data
    mine = (upload.c.device_id == device.device_id) & (upload.c.sha256 == photo.sha256)
    with server.engine.connect() as conn:
        row = conn.execute(select(upload.c.received, upload.c.completed_at).where(mine)).one()
    assert row.received == length and row.completed_at is not None
