"""Photo uploads over tus 1.0.0 and blob reads, on SQLite and PostgreSQL.

The resume tests run a real uvicorn on loopback and cut a PATCH (or a creation POST
carrying bytes) with a raw socket part-way; one test uploads with tuspy, a published tus
client library.
"""

from __future__ import annotations

import base64
import hashlib
import os
import random
import socket
import time

import pytest
import requests
from tusclient import client as tus_client

from kiosk_app.domain.record_ids import uuid7
from kiosk_app.media.blobs import BlobStore
from kiosk_app.store import uploads as upload_rows
from kiosk_app.store.store import Store
from kiosk_app.sync.client import ServerClient
from kiosk_app.sync.uploads import Uploader
from tests.server.conftest import LiveApp
from tests.server.helpers import (
    Api,
    Device,
    jpeg_bytes,
    merchant_fields,
    photo_fields,
    product_fields,
)

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def meta(sha: str, **more: str) -> str:
    items = {"sha256": sha, **more}
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in items.items())


def photo_bytes(size: int, seed: int = 1) -> tuple[bytes, str]:
    """A JPEG of ``size`` bytes (the server takes nothing else) and its hash."""
    data = jpeg_bytes(size, seed)
    return data, hashlib.sha256(data).hexdigest()


def create(api: Api, kiosk: Device, sha: str, length: int) -> str:
    answer = api.client.post(
        "/v1/uploads/",
        headers={**TUS, **kiosk.headers, "Upload-Length": str(length),
                 "Upload-Metadata": meta(sha, kind="full")},
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert answer.headers["tus-resumable"] == "1.0.0"
    return str(answer.headers["location"])


def patch(api: Api, kiosk: Device, url: str, offset: int, body: bytes, **headers: str):
    return api.client.patch(
        url,
        content=body,
        headers={**TUS, **kiosk.headers, "Upload-Offset": str(offset), "Content-Type": OCTETS,
                 **headers},
    )  # fmt: skip


def offset_of(api: Api, kiosk: Device, url: str) -> int:
    answer = api.client.head(url, headers={**TUS, **kiosk.headers})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    return int(answer.headers["upload-offset"])


def test_options_advertises_version_extensions_and_max_size(api: Api):
    answer = api.client.options("/v1/uploads/")

    assert answer.status_code == 204
    assert answer.headers["tus-version"] == "1.0.0"
    extensions = set(answer.headers["tus-extension"].split(","))
    assert {"creation", "creation-with-upload", "checksum"} <= extensions
    assert int(answer.headers["tus-max-size"]) == api.settings.tus_max_size
    assert "sha1" in answer.headers["tus-checksum-algorithm"]


def test_an_upload_in_chunks_is_verified_and_stored_by_its_hash(api: Api):
    kiosk = api.enroll()
    data, sha = photo_bytes(300_000)
    url = create(api, kiosk, sha, len(data))

    first = patch(api, kiosk, url, 0, data[:100_000])
    middle = offset_of(api, kiosk, url)
    last = patch(api, kiosk, url, middle, data[middle:])

    assert first.status_code == 204 and first.headers["upload-offset"] == "100000"
    assert last.status_code == 204 and last.headers["upload-offset"] == str(len(data))
    assert api.blob(sha) == data
    assert api.client.get(f"/v1/blobs/{sha}", headers=kiosk.headers).content == data
    assert api.client.head(f"/v1/blobs/{sha}", headers=kiosk.headers).status_code == 200
    assert offset_of(api, kiosk, url) == len(data)


def test_a_wrong_hash_is_refused_and_nothing_is_stored(api: Api):
    kiosk = api.enroll()
    data, _ = photo_bytes(5000)
    claimed = hashlib.sha256(b"something else").hexdigest()
    url = create(api, kiosk, claimed, len(data))

    answer = patch(api, kiosk, url, 0, data)

    assert answer.status_code == 460
    assert answer.json()["detail"]["code"] == "hash_mismatch"
    assert "sha256" in answer.json()["detail"]["message"]
    assert api.blob(claimed) is None
    assert api.client.head(url, headers={**TUS, **kiosk.headers}).status_code == 404
    assert api.pieces() == 0


def test_a_chunk_failing_its_checksum_is_not_kept(api: Api):
    kiosk = api.enroll()
    data, sha = photo_bytes(4000)
    url = create(api, kiosk, sha, len(data))
    good = base64.b64encode(hashlib.sha1(data[:1000]).digest()).decode()
    bad = base64.b64encode(hashlib.sha1(b"nope").digest()).decode()

    refused = patch(api, kiosk, url, 0, data[:1000], **{"Upload-Checksum": f"sha1 {bad}"})
    kept = patch(api, kiosk, url, 0, data[:1000], **{"Upload-Checksum": f"sha1 {good}"})
    unknown = patch(api, kiosk, url, 1000, data[1000:], **{"Upload-Checksum": "crc32 AAAA"})

    assert refused.status_code == 460 and kept.status_code == 204
    assert unknown.status_code == 400
    assert offset_of(api, kiosk, url) == 1000


def test_protocol_errors_get_the_tus_status_codes(api: Api):
    kiosk = api.enroll()
    data, sha = photo_bytes(1000)
    url = create(api, kiosk, sha, len(data))
    auth = kiosk.headers

    old = api.client.post("/v1/uploads/", headers={**auth, "Tus-Resumable": "0.2.2",
                                                  "Upload-Length": "10"})  # fmt: skip
    too_big = api.client.post("/v1/uploads/", headers={
        **TUS, **auth, "Upload-Length": str(api.settings.tus_max_size + 1),
        "Upload-Metadata": meta(sha)})  # fmt: skip
    no_hash = api.client.post("/v1/uploads/", headers={**TUS, **auth, "Upload-Length": "10"})
    upper_meta = {"Upload-Length": "10", "Upload-Metadata": meta(sha.upper())}
    upper = api.client.post("/v1/uploads/", headers={**TUS, **auth, **upper_meta})
    wrong_type = patch(api, kiosk, url, 0, data, **{"Content-Type": "image/jpeg"})
    wrong_offset = patch(api, kiosk, url, 10, data[10:])
    past_end = patch(api, kiosk, url, 0, data + b"extra")
    stranger = api.enroll()
    not_yours = api.client.head(url, headers={**TUS, **stranger.headers})

    assert old.status_code == 412 and old.headers["tus-version"] == "1.0.0"
    assert too_big.status_code == 413
    assert no_hash.status_code == upper.status_code == 400
    assert wrong_type.status_code == 415
    assert wrong_offset.status_code == 409
    assert past_end.status_code == 413
    assert not_yours.status_code == 404
    assert offset_of(api, kiosk, url) == 0


def create_with(api: Api, kiosk: Device, sha: str, length: int, body: bytes, **headers: str):
    """tus creation-with-upload: the POST carries the first bytes."""
    return api.client.post(
        "/v1/uploads/",
        content=body,
        headers={**TUS, **kiosk.headers, "Upload-Length": str(length),
                 "Upload-Metadata": meta(sha, kind="thumb"), "Content-Type": OCTETS, **headers},
    )  # fmt: skip


def test_a_small_blob_is_created_and_uploaded_in_one_request(api: Api):
    kiosk = api.enroll()
    data, sha = photo_bytes(15_000)

    answer = create_with(api, kiosk, sha, len(data), data)

    assert answer.status_code == 201, answer.text
    assert answer.headers["upload-offset"] == str(len(data))
    assert api.blob(sha) == data
    assert offset_of(api, kiosk, answer.headers["location"]) == len(data)
    assert api.pieces() == 0  # nothing left of it in the database


def test_a_creation_carrying_the_first_chunk_is_continued_by_patch(api: Api):
    kiosk = api.enroll()
    data, sha = photo_bytes(300_000)
    digest = base64.b64encode(hashlib.sha256(data[:100_000]).digest()).decode()

    first = create_with(api, kiosk, sha, len(data), data[:100_000],
                        **{"Upload-Checksum": f"sha256 {digest}"})  # fmt: skip
    url = first.headers["location"]
    rest = patch(api, kiosk, url, 100_000, data[100_000:])

    assert first.status_code == 201 and first.headers["upload-offset"] == "100000"
    assert rest.status_code == 204 and rest.headers["upload-offset"] == str(len(data))
    assert api.blob(sha) == data


def test_a_wrong_hash_in_a_creation_with_upload_is_refused_and_nothing_is_kept(api: Api):
    kiosk = api.enroll()
    data, _ = photo_bytes(5000)
    claimed = hashlib.sha256(b"something else").hexdigest()

    answer = create_with(api, kiosk, claimed, len(data), data)

    assert answer.status_code == 460
    assert answer.json()["detail"]["code"] == "hash_mismatch"
    assert "location" not in answer.headers
    assert api.blob(claimed) is None
    assert api.pieces() == 0
    # nor can it be found again to resume
    again = api.client.post("/v1/uploads/", headers={
        **TUS, **kiosk.headers, "Upload-Length": str(len(data)),
        "Upload-Metadata": meta(claimed) + ",resume"})  # fmt: skip
    assert again.status_code == 201 and again.headers["upload-offset"] == "0"


def test_a_creation_with_upload_keeps_the_limits_and_the_checksum(api: Api):
    kiosk = api.enroll()
    data, sha = photo_bytes(4000)
    bad = base64.b64encode(hashlib.sha1(b"nope").digest()).decode()
    limit = api.settings.tus_max_size

    past_end = create_with(api, kiosk, sha, 1000, data)
    too_big = create_with(api, kiosk, sha, limit + 1, data)
    wrong_sum = create_with(api, kiosk, sha, len(data), data, **{"Upload-Checksum": f"sha1 {bad}"})
    wrong_type = create_with(api, kiosk, sha, len(data), data, **{"Content-Type": "image/jpeg"})

    assert past_end.status_code == 413 and too_big.status_code == 413
    assert wrong_sum.status_code == 460
    assert wrong_sum.json()["detail"]["code"] == "checksum_mismatch"
    assert wrong_type.status_code == 415
    assert api.blob(sha) is None
    assert api.pieces() == 0


def test_creating_an_upload_of_a_blob_the_device_may_read_completes_at_once(api: Api):
    a = api.enroll()
    data, sha = photo_bytes(2000)
    assert patch(api, a, create(api, a, sha, len(data)), 0, data).status_code == 204

    answer = api.client.post(
        "/v1/uploads/",
        headers={**TUS, **a.headers, "Upload-Length": str(len(data)),
                 "Upload-Metadata": meta(sha)},
    )  # fmt: skip
    url = answer.headers["location"]
    again = patch(api, a, url, 0, data)  # a client that did not look still finishes

    assert answer.headers["upload-offset"] == str(len(data))
    assert offset_of(api, a, url) == len(data)
    assert again.status_code == 204 and again.headers["upload-offset"] == str(len(data))


def test_terminating_an_upload_discards_it(api: Api):
    kiosk = api.enroll()
    data, sha = photo_bytes(2000)
    url = create(api, kiosk, sha, len(data))
    patch(api, kiosk, url, 0, data[:500])

    gone = api.client.delete(url, headers={**TUS, **kiosk.headers})

    assert gone.status_code == 204
    assert api.client.head(url, headers={**TUS, **kiosk.headers}).status_code == 404


def test_blobs_are_served_to_their_uploader_and_to_devices_whose_region_references_them(
    api: Api,
):
    uploader, village, elsewhere = api.enroll("35.07"), api.enroll("35.07.12"), api.enroll("53")
    data, sha = photo_bytes(3000)
    thumb, thumb_sha = photo_bytes(400, seed=2)
    for blob, digest in ((data, sha), (thumb, thumb_sha)):
        patch(api, uploader, create(api, uploader, digest, len(blob)), 0, blob)

    before = api.client.get(f"/v1/blobs/{sha}", headers=village.headers)
    m, p, ph = uuid7(), uuid7(), uuid7()
    answer = api.sync(uploader, [
        uploader.mutation("merchant", m, **merchant_fields()),
        uploader.mutation("product", p, **product_fields(m)),
        uploader.mutation("photo", ph, **photo_fields(p, sha, thumb_sha)),
    ])  # fmt: skip
    after = api.client.get(f"/v1/blobs/{thumb_sha}", headers=village.headers)
    outside = api.client.get(f"/v1/blobs/{sha}", headers=elsewhere.headers)
    own = api.enroll("53")
    m2 = uuid7()
    refused = api.sync(own, [own.mutation("merchant", m2, **merchant_fields())])

    assert answer["missing_blobs"] == []
    assert before.status_code == 404
    assert after.status_code == 200 and after.content == thumb
    assert after.headers["cache-control"].endswith("immutable")
    assert outside.status_code == 404
    assert refused["rejected"][0]["code"] == "out_of_scope"  # and cannot gain access so
    assert api.client.get("/v1/blobs/nothex", headers=village.headers).status_code == 404


def test_which_blobs_are_missing(api: Api):
    kiosk = api.enroll()
    data, sha = photo_bytes(400)
    patch(api, kiosk, create(api, kiosk, sha, len(data)), 0, data)

    answer = api.client.post(
        "/v1/blobs/missing", json={"sha256": [sha, "c" * 64, "junk"]}, headers=kiosk.headers
    )

    assert answer.json() == {"missing": ["c" * 64]}


# -- real server on loopback ---------------------------------------------------------------


def _cut_patch(live: LiveApp, kiosk: Device, url: str, data: bytes, cut: int) -> None:
    """Send a PATCH announcing all of ``data`` and drop the connection after ``cut`` bytes."""
    path = url if url.startswith("/") else "/" + url.split("/", 3)[3]
    head = (
        f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\n"
        f"Authorization: Bearer {kiosk.token}\r\nTus-Resumable: 1.0.0\r\n"
        f"Upload-Offset: 0\r\nContent-Type: {OCTETS}\r\nContent-Length: {len(data)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", live.port)) as sock:
        sock.sendall(head + data[:cut])
        time.sleep(0.2)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_upload_cut_at_a_random_offset_resumes_sending_only_the_rest(
    live: LiveApp, api: Api, seed: int, tmp_path
):
    # Given a kiosk that created an upload and saved its URL, as the kiosk does
    kiosk = api.enroll()
    data, sha = photo_bytes(400_000, seed)
    cut = random.Random(seed).randrange(1, len(data) - 1)
    headers = {**TUS, **kiosk.headers}
    created = requests.post(
        f"{live.url}/v1/uploads/",
        headers={**headers, "Upload-Length": str(len(data)), "Upload-Metadata": meta(sha)},
        timeout=10,
    )
    url = live.url + created.headers["location"]
    store = Store.open(tmp_path / "kiosk.db")
    blobs = BlobStore(tmp_path / "blobs")
    assert blobs.put(data) == sha
    upload_rows.save_upload(store, sha, url, len(data), 0, "full")

    # When its PATCH is cut after a random number of bytes, and the server has let go
    _cut_patch(live, kiosk, url, data, cut)
    deadline = time.monotonic() + 60  # a guard against a hang, not a speed check
    while (
        held := int(requests.head(url, headers=headers, timeout=10).headers["upload-offset"])
    ) < cut:
        assert time.monotonic() < deadline, f"server holds {held} of {cut} bytes sent"
        time.sleep(0.05)
    # and the kiosk's own upload code resumes it
    client = ServerClient(live.url, kiosk.token)
    Uploader(lambda fn, *a: fn(store, *a), client, blobs).upload(sha, "full")

    # Then every byte that arrived was kept, and only the rest went again (counted on the
    # kiosk's side as the bytes its request bodies handed to the network)
    assert held == cut
    assert client.traffic.requests == 2  # HEAD for the offset, one PATCH for the rest
    assert client.traffic.bytes_up == len(data) - cut
    assert api.blob(sha) == data
    assert store.db.execute("SELECT count(*) FROM upload").fetchone()[0] == 0
    client.close()
    store.close()


def _cut_create(live: LiveApp, kiosk: Device, sha: str, data: bytes, cut: int) -> None:
    """A creation-with-upload POST announcing all of ``data``, dropped after ``cut`` bytes."""
    head = (
        f"POST /v1/uploads/ HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\n"
        f"Authorization: Bearer {kiosk.token}\r\nTus-Resumable: 1.0.0\r\n"
        f"Upload-Length: {len(data)}\r\nUpload-Metadata: {meta(sha)}\r\n"
        f"Content-Type: {OCTETS}\r\nContent-Length: {len(data)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", live.port)) as sock:
        sock.sendall(head + data[:cut])
        time.sleep(0.2)


def test_a_creation_with_upload_cut_part_way_resumes_from_the_servers_offset(
    live: LiveApp, api: Api
):
    kiosk = api.enroll()
    data, sha = photo_bytes(400_000, seed=4)
    cut = 250_000
    headers = {**TUS, **kiosk.headers, "Upload-Length": str(len(data))}

    _cut_create(live, kiosk, sha, data, cut)  # the answer, with the URL, never comes
    deadline = time.monotonic() + 60  # a guard against a hang, not a speed check
    while True:  # ask for it by hash until the server has noticed the cut
        found = requests.post(f"{live.url}/v1/uploads/", timeout=10, headers={
            **headers, "Upload-Metadata": meta(sha, kind="full") + ",resume"})  # fmt: skip
        held = int(found.headers["upload-offset"])
        if held >= cut or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    url = live.url + found.headers["location"]
    rest = requests.patch(url, data=data[held:], timeout=10, headers={
        **TUS, **kiosk.headers, "Upload-Offset": str(held), "Content-Type": OCTETS})  # fmt: skip
    fresh = requests.post(f"{live.url}/v1/uploads/", timeout=10,
                          headers={**headers, "Upload-Metadata": meta(sha)})  # fmt: skip

    assert found.status_code == 201 and held == cut  # every byte that arrived was kept
    assert rest.status_code == 204 and int(rest.headers["upload-offset"]) == len(data)
    assert api.blob(sha) == data
    assert fresh.headers["upload-offset"] == str(len(data))  # held now: complete at once


def test_a_published_tus_client_uploads_with_the_device_token(live: LiveApp, api: Api):
    kiosk = api.enroll()
    data, sha = photo_bytes(200_000, seed=9)
    path = live.app.state.ctx.settings.data_dir / "photo.jpg"
    path.write_bytes(data)
    client = tus_client.TusClient(f"{live.url}/v1/uploads/", headers=kiosk.headers)

    uploader = client.uploader(
        str(path), chunk_size=64 * 1024, metadata={"sha256": sha, "kind": "full"},
        upload_checksum=True,
    )  # fmt: skip
    uploader.upload()

    assert uploader.offset == len(data)
    got = requests.get(f"{live.url}/v1/blobs/{sha}", headers=kiosk.headers, timeout=10)
    assert got.status_code == 200 and got.content == data
    os.remove(path)


def test_a_kiosk_falls_back_to_post_then_patch_when_the_server_does_not_take_bytes_in_post(
    live: LiveApp, api: Api, tmp_path, monkeypatch
):
    from kiosk_app.media.blobs import BlobStore
    from kiosk_app.store.store import Store
    from kiosk_app.sync.client import ServerClient
    from kiosk_app.sync.uploads import Uploader
    from kiosk_server.api import uploads as server_uploads

    # Given a server that speaks tus creation but does not advertise creation-with-upload
    monkeypatch.setattr(server_uploads, "TUS_EXTENSIONS", "creation,checksum,termination")
    kiosk = api.enroll()
    data, sha = photo_bytes(20_000, seed=11)
    blobs = BlobStore(tmp_path / "blobs")
    blobs.put(data)
    store = Store.open(tmp_path / "kiosk.db")
    client = ServerClient(live.url, kiosk.token)
    # When the kiosk uploads a photo
    Uploader(lambda fn, *a: fn(store, *a), client, blobs).upload(sha, "thumb")
    # Then it asked (OPTIONS), created (POST) and sent the bytes (PATCH)
    assert client.traffic.requests == 3
    assert api.blob(sha) == data
    client.close()
    store.close()
