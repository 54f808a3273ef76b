"""Two server processes, one PostgreSQL, one S3-compatible bucket (issue 16, must show).

Everything is real and started by the test: this run's PostgreSQL cluster, moto's S3
server on loopback (``moto_server``), and two ``kiosk-server serve`` processes, each with
an empty data folder of its own, on the same ``DATABASE_URL`` and ``--blobs s3://…``:

- a tus upload begun on one process is finished on the other, and both serve the blob
  (``/v1/blobs/…`` and the public ``/foto/…``);
- real kiosks (the app's sync engine and store) syncing through different processes
  converge, photos included;
- neither process leaves photo bytes on its own disk.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kiosk_app.media.pipeline import process_photo
from kiosk_app.store import photos
from tests.media.media_samples import photo_like, to_bytes
from tests.server.helpers import jpeg_bytes
from tests.support import VILLAGE
from tests.support import databases as dbs
from tests.support.kiosk import Kiosk
from tests.support.live import LiveServer
from tests.support.pgcluster import PgCluster
from tests.support.s3 import MotoServer

pytestmark = pytest.mark.postgres
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"
CONSENT = {"consent_version": "persetujuan-v1", "consent_at": "2026-11-20T09:00:00+07:00",
           "consent_operator": "Ani"}  # fmt: skip
REGION = "35.07"


@pytest.fixture
def pair(
    pg: PgCluster, moto: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveServer, LiveServer, str]]:
    """Two serve processes sharing a database and a bucket; the bucket's name."""
    name, url = dbs.pg_copy(pg, "two")  # migrated, with the sample regions
    bucket = moto.new_bucket()
    # One deployment, one secret (enrollment codes are keyed with it), from the
    # environment: no secret.key is written into either data folder.
    secret = secrets.token_hex(32)
    monkeypatch.setenv("KIOSK_SERVER_SECRET_KEY", secret)
    env = {**moto.env, "KIOSK_SERVER_SECRET_KEY": secret}
    servers = [
        LiveServer(tmp_path / f"data-{n}", database=url, blobs=f"s3://{bucket}/etalase",
                   env=env, log_file=tmp_path / f"server-{n}.log", load_regions=False)
        for n in ("a", "b")
    ]  # fmt: skip
    for server in servers:
        server.data_dir.mkdir()
        assert list(server.data_dir.iterdir()) == []  # empty before it starts
        server.start()
    try:
        yield servers[0], servers[1], bucket
    finally:
        for server in servers:
            server.stop()
        pg.drop_database(name)


def meta(sha: str) -> str:
    return ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in (("sha256", sha), ("kind", "full"))
    )


def enroll(server: LiveServer) -> dict[str, str]:
    answer = requests.post(f"{server.url}/v1/enroll", timeout=30, json={
        "code": server.enroll_code(REGION), "device_name": "Kios Uji", "app_version": "0.1.0",
        "node_id": secrets.token_hex(4)})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def begin_on_a_finish_on_b(a: LiveServer, b: LiveServer) -> tuple[bytes, dict[str, str]]:
    auth = enroll(a)
    data = jpeg_bytes(400_000, seed=16)
    sha = hashlib.sha256(data).hexdigest()
    # Begun on A: a creation carrying the first 150,000 bytes (then the link drops)
    created = requests.post(f"{a.url}/v1/uploads/", data=data[:150_000], timeout=30, headers={
        **TUS, **auth, "Upload-Length": str(len(data)), "Upload-Metadata": meta(sha),
        "Content-Type": OCTETS})  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.headers["upload-offset"] == "150000"
    path = created.headers["location"]
    # Continued on B: B knows the offset, refuses a wrong one, and takes the rest
    head = requests.head(f"{b.url}{path}", headers={**TUS, **auth}, timeout=30)
    assert head.status_code == 200 and head.headers["upload-offset"] == "150000"
    wrong = requests.patch(f"{b.url}{path}", data=data[100_000:], timeout=30, headers={
        **TUS, **auth, "Upload-Offset": "100000", "Content-Type": OCTETS})  # fmt: skip
    assert wrong.status_code == 409
    rest = requests.patch(f"{b.url}{path}", data=data[150_000:], timeout=30, headers={
        **TUS, **auth, "Upload-Offset": "150000", "Content-Type": OCTETS})  # fmt: skip
    assert rest.status_code == 204 and rest.headers["upload-offset"] == str(len(data))
    assert requests.head(f"{a.url}{path}", headers={**TUS, **auth}, timeout=30).headers[
        "upload-offset"
    ] == str(len(data))
    # Both serve it
    for server in (a, b):
        got = requests.get(f"{server.url}/v1/blobs/{sha}", headers=auth, timeout=30)
        assert got.status_code == 200 and got.content == data, server.url
    return data, auth


def kiosk_with_a_photo(kiosk: Kiosk, name: str, seed: int) -> tuple[str, object]:
    m = kiosk.store.create("merchant", {"business_name": f"Toko {name}", "owner_name": name,
                                        "phone": "081234567890", "village_code": VILLAGE,
                                        **CONSENT})  # fmt: skip
    p = kiosk.store.create("product", {"merchant_id": m, "name": f"Anyaman {name}",
                                       "price": 45000, "status": "published"})  # fmt: skip
    photo = process_photo(to_bytes(photo_like((1200, 900), seed=seed), "JPEG", quality=90))
    photos.add_photo(kiosk.store, p, photo, kiosk.blobs)
    return p, photo


def photo_rows(kiosk: Kiosk) -> list[tuple[str, str, str]]:
    return kiosk.store.db.execute(
        "SELECT id, sha256, thumb_sha256 FROM photo WHERE deleted = 0 ORDER BY id"
    ).fetchall()


def test_two_processes_share_uploads_photos_and_kiosks_without_local_photo_bytes(
    pair: tuple[LiveServer, LiveServer, str], moto: MotoServer, tmp_path: Path
):
    a, b, bucket = pair

    # A tus upload begun on one process is finished on the other; both serve it
    tus_data, _auth = begin_on_a_finish_on_b(a, b)

    # Given two real kiosks of one region, enrolled through different processes
    ani, budi = Kiosk(tmp_path / "kios-ani"), Kiosk(tmp_path / "kios-budi")
    ani.enroll(a.url, a.enroll_code(REGION), "kios-ani")
    budi.enroll(b.url, b.enroll_code(REGION), "kios-budi")
    try:
        assert ani.sync(a.url).ok and budi.sync(b.url).ok
        _, ani_photo = kiosk_with_a_photo(ani, "Ani", seed=161)
        _, budi_photo = kiosk_with_a_photo(budi, "Budi", seed=162)

        # When each syncs through its own process (Budi's brings Ani's photo, which went
        # up through A, down through B), Ani again through A (bringing Budi's photo, up
        # through B), then each through the other process
        first = [ani.sync(a.url), budi.sync(b.url)]
        second = ani.sync(a.url)
        crossed = [ani.sync(b.url), budi.sync(a.url)]

        # Then both converge with the server, photos included: records, and each has
        # the other's thumbnail, fetched through the process it did not go up through
        done = [*first, second, *crossed]
        assert all(r.ok for r in done), [r.error for r in done]
        assert first[0].uploaded == first[1].uploaded == 2  # thumbnail and full image
        assert first[1].downloaded == second.downloaded == 1
        assert sum(r.sent + r.uploaded + r.downloaded for r in crossed) == 0  # nothing left
        server_records = a.export()
        assert ani.export() == budi.export() == server_records
        assert len(server_records["product"]) == 2
        assert photo_rows(ani) == photo_rows(budi) and len(photo_rows(ani)) == 2
        assert budi.blobs.path(ani_photo.thumb_sha256).read_bytes() == ani_photo.thumb
        assert ani.blobs.path(budi_photo.thumb_sha256).read_bytes() == budi_photo.thumb
    finally:
        ani.close()
        budi.close()

    # The bucket holds every photo; both processes serve the public ones on /foto
    stored = moto.keys(bucket)
    photos_bytes = {p.sha256: p.full for p in (ani_photo, budi_photo)} | {
        p.thumb_sha256: p.thumb for p in (ani_photo, budi_photo)
    }
    tus_sha = hashlib.sha256(tus_data).hexdigest()
    expected = {**photos_bytes, tus_sha: tus_data}
    assert stored == {f"etalase/{sha}": data for sha, data in expected.items()}
    for server in (a, b):
        for sha, data in photos_bytes.items():
            got = requests.get(f"{server.url}/foto/{sha}", timeout=30)
            assert got.status_code == 200 and got.content == data, (server.url, sha)
            assert got.headers["cache-control"] == "public, max-age=3600"
            assert got.headers["etag"] == f'"{sha}"'
        assert requests.get(f"{server.url}/readyz", timeout=30).status_code == 200

    # Neither process left photo bytes on its own disk: no blobs or uploads folder, and
    # no file holding any photo's bytes (nor a 4 KiB piece from the middle of one)
    everything = [tus_data, *photos_bytes.values()]
    for server in (a, b):
        assert not (server.data_dir / "blobs").exists()
        assert not (server.data_dir / "uploads").exists()
        for path in server.data_dir.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                for data in everything:
                    middle = data[len(data) // 2 : len(data) // 2 + 4096]
                    assert middle not in content, (path, "holds photo bytes")
