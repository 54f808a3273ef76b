"""The blob storage interface, the same tests on a local folder and on an S3-compatible
bucket (moto_server on loopback, started by the run), plus the API and catalog serving
photos from a bucket and the readiness check.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kiosk_server.app import create_app
from kiosk_server.config import Settings
from kiosk_server.storage import (
    BlobStorage,
    LocalStorage,
    S3Storage,
    StorageError,
    open_storage,
    storage_for,
)
from tests.server.helpers import Api, jpeg_bytes
from tests.support.live import free_port
from tests.support.s3 import MotoServer


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(params=["folder", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStorage]:
    if request.param == "folder":
        (tmp_path / "blobs").mkdir()  # as the server's start makes it (keys.prepare_data_dir)
        yield LocalStorage(tmp_path / "blobs")
        return
    moto: MotoServer = request.getfixturevalue("moto")
    yield S3Storage(moto.new_bucket(), "foto/desa", client=moto.client())


def test_bytes_put_under_their_hash_are_read_back_whole_and_streamed(storage: BlobStorage):
    data = os.urandom(300_000)
    sha = _sha(data)

    storage.put(sha, data)
    storage.put(sha, data)  # again: nothing changes
    opened = storage.open(sha)

    assert opened is not None and opened.size == len(data)
    if opened.path is not None:  # a folder: the web server sends the file itself
        streamed = opened.path.read_bytes()
    else:  # a bucket: pieces as they come, never all of it in one read
        assert opened.pieces is not None
        pieces = list(opened.pieces)
        opened.close()
        assert len(pieces) > 1
        streamed = b"".join(pieces)
    assert streamed == data
    assert storage.read(sha) == data
    assert storage.size(sha) == len(data)


def test_a_blob_not_stored_is_none_and_deleting_it_is_no_error(storage: BlobStorage):
    sha = "a" * 64

    assert storage.open(sha) is None
    assert storage.read(sha) is None and storage.size(sha) is None
    storage.delete(sha)


def test_deleted_blobs_are_gone_and_names_list_what_is_stored(storage: BlobStorage):
    kept, gone = b"foto utama", b"foto kecil"
    storage.put(_sha(kept), kept)
    storage.put(_sha(gone), gone)
    before = time.time()

    storage.delete(_sha(gone))
    listed = dict(storage.names())

    assert storage.read(_sha(gone)) is None and storage.read(_sha(kept)) == kept
    assert [n.rsplit("/", 1)[-1] for n in listed] == [_sha(kept)]
    assert all(abs(modified - before) < 120 for modified in listed.values())
    storage.remove_name(next(iter(listed)))
    assert storage.read(_sha(kept)) is None and list(storage.names()) == []


def test_a_reachable_storage_passes_its_check(storage: BlobStorage):
    storage.check()


def test_two_prefixes_of_one_bucket_do_not_see_each_other(moto: MotoServer):
    bucket = moto.new_bucket()
    north, south = (S3Storage(bucket, p, client=moto.client()) for p in ("utara", "selatan"))
    data = b"hanya di utara"

    north.put(_sha(data), data)

    assert south.read(_sha(data)) is None and list(south.names()) == []
    assert moto.keys(bucket) == {f"utara/{_sha(data)}": data}


def test_a_missing_bucket_or_folder_fails_its_check(moto: MotoServer, tmp_path: Path):
    with pytest.raises(StorageError):
        S3Storage("tidak-ada", client=moto.client()).check()
    with pytest.raises(StorageError):
        LocalStorage(tmp_path / "tidak-ada").check()


def test_an_unreachable_endpoint_is_a_storage_error_not_a_missing_blob(
    moto: MotoServer, monkeypatch: pytest.MonkeyPatch
):
    for name, value in moto.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nobody there
    storage = storage_for("s3://foto", Path("unused"))

    with pytest.raises(StorageError):
        storage.open("b" * 64)
    with pytest.raises(StorageError):
        storage.put("b" * 64, b"x")


def test_the_location_picks_the_storage(tmp_path: Path, aws_env: MotoServer, monkeypatch):
    assert isinstance(open_storage(Settings(data_dir=tmp_path)), LocalStorage)
    monkeypatch.setenv("KIOSK_SERVER_BLOBS", "s3://foto-desa/jatim")
    bucket = open_storage(Settings(data_dir=tmp_path))
    assert isinstance(bucket, S3Storage) and bucket.description == "s3://foto-desa/jatim/"
    monkeypatch.delenv("KIOSK_SERVER_BLOBS")
    folder = open_storage(Settings(data_dir=tmp_path, blobs=str(tmp_path / "lain")))
    assert isinstance(folder, LocalStorage) and folder.root == tmp_path / "lain"
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, blobs="s3://")


# -- the app on a bucket -------------------------------------------------------------------


@pytest.fixture
def s3_api(aws_env: MotoServer, database_url: str, tmp_path: Path) -> Iterator[Api]:
    bucket = aws_env.new_bucket()
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, blobs=f"s3://{bucket}/v1"
    )
    app = create_app(settings, run_migrations=False)
    with TestClient(app) as client:
        yield Api(client, app.state.ctx.engine, settings)
    app.state.ctx.engine.dispose()


def test_an_upload_lands_in_the_bucket_and_is_served_from_it(s3_api: Api, aws_env: MotoServer):
    from tests.server.test_server_blob_access import publish_photo, upload_bytes

    kiosk = s3_api.enroll("35.07")
    full, thumb = jpeg_bytes(120_000, 5), jpeg_bytes(9_000, 6)

    shas = [upload_bytes(s3_api, kiosk, full), upload_bytes(s3_api, kiosk, thumb)]
    publish_photo(s3_api, kiosk, "35.07.12.2001", *shas)
    device_get = s3_api.client.get(f"/v1/blobs/{shas[0]}", headers=kiosk.headers)
    device_head = s3_api.client.head(f"/v1/blobs/{shas[0]}", headers=kiosk.headers)
    public = s3_api.client.get(f"/foto/{shas[1]}")
    cached = s3_api.client.get(f"/foto/{shas[1]}", headers={"If-None-Match": f'"{shas[1]}"'})

    bucket = s3_api.settings.blobs.removeprefix("s3://").split("/")[0]
    assert aws_env.keys(bucket) == {f"v1/{shas[0]}": full, f"v1/{shas[1]}": thumb}
    assert device_get.status_code == 200 and device_get.content == full
    assert device_get.headers["content-length"] == str(len(full))
    assert device_get.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert device_head.headers["content-length"] == str(len(full))
    assert public.status_code == 200 and public.content == thumb
    assert public.headers["etag"] == f'"{shas[1]}"'
    assert public.headers["cache-control"] == "public, max-age=3600"
    assert public.headers["x-content-type-options"] == "nosniff"
    assert cached.status_code == 304
    assert not (s3_api.settings.data_dir / "blobs").exists()
    assert s3_api.pieces() == 0


def test_readiness_touches_the_database_and_the_storage(
    aws_env: MotoServer, database_url: str, tmp_path: Path
):
    bucket = aws_env.new_bucket()
    dead_db = f"postgresql://nobody@127.0.0.1:{free_port()}/none?connect_timeout=2"
    answers = {}
    for name, db, blobs in (
        ("ready", database_url, f"s3://{bucket}"),
        ("no bucket", database_url, "s3://tidak-ada"),
        ("no database", dead_db, f"s3://{bucket}"),
    ):
        settings = Settings(data_dir=tmp_path / name, database_url=db, blobs=blobs)
        app = create_app(settings, run_migrations=False)
        with TestClient(app) as client:
            answers[name] = client.get("/readyz")
            if name == "no bucket":
                answers["alive"] = client.get("/healthz")
        app.state.ctx.engine.dispose()

    assert answers["ready"].status_code == 200
    assert answers["ready"].json() == {"status": "ok", "database": "ok", "blobs": "ok"}
    assert answers["no bucket"].status_code == 503
    assert answers["no bucket"].json()["blobs"] == "unreachable"
    assert answers["no bucket"].json()["database"] == "ok"
    assert answers["alive"].status_code == 200  # alive, just not ready
    assert answers["no database"].status_code == 503
    assert answers["no database"].json() == {
        "status": "unavailable",
        "database": "unreachable",
        "blobs": "ok",
    }
    assert answers["ready"].headers["cache-control"] == "no-store"


def test_migrate_brings_the_schema_and_checks_the_bucket(
    aws_env: MotoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    from kiosk_server import cli

    bucket = aws_env.new_bucket()
    folder = str(tmp_path / "data")

    ready = cli.main(["migrate", "--data-dir", folder, "--blobs", f"s3://{bucket}/foto"])
    said = capsys.readouterr().out
    missing = cli.main(["migrate", "--data-dir", folder, "--blobs", "s3://tidak-ada"])

    assert ready == 0 and f"s3://{bucket}/foto/" in said
    assert missing == 1 and "blob storage" in capsys.readouterr().err
    assert (tmp_path / "data" / "server.db").exists()
    assert not (tmp_path / "data" / "blobs").exists()
