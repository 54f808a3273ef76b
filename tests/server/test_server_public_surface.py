"""What the server shows the world (issue 14): its own address, never a Host header;
no API docs unless asked for; policies on photos; spreadsheet-safe CSV; no personal data
in database errors; a private data folder. SQLite and PostgreSQL where a database is
involved.
"""

from __future__ import annotations

import csv
import stat
import subprocess
import sys

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from kiosk_app.domain.record_ids import uuid7
from kiosk_server.config import Settings
from kiosk_server.db import make_engine, region
from kiosk_server.export import csv_cell, export
from tests.catalog.conftest import CONSENT
from tests.server.helpers import Api, merchant_fields, product_fields
from tests.server.test_server_blob_access import publish_photo, upload_bytes
from tests.server.test_server_uploads import photo_bytes
from tests.support import ROOT, SAMPLE_REGIONS

EVIL = "phish.example"


def a_public_merchant(api: Api) -> tuple[str, str]:
    kiosk = api.enroll()
    m, p = uuid7(), uuid7()
    answer = api.sync(kiosk, [
        kiosk.mutation("merchant", m, **merchant_fields(**CONSENT)),
        kiosk.mutation("product", p, **product_fields(m, status="published")),
    ])  # fmt: skip
    assert answer["rejected"] == []
    return m, p


def test_the_host_header_is_never_reflected(api: Api):
    m, p = a_public_merchant(api)
    headers = {"Host": EVIL}

    merchant = api.client.get(f"/m/{m}", headers=headers).text
    product = api.client.get(f"/p/{p}", headers=headers).text
    redirect = api.client.get("/v1/uploads", headers=headers, follow_redirects=False)

    assert EVIL not in merchant and EVIL not in product
    assert f'content="http://testserver/m/{m}"' in merchant  # the address served on
    assert EVIL not in redirect.headers.get("location", "")


def test_the_public_base_url_is_used_everywhere_when_set(api: Api):
    api.settings.public_base_url = "https://katalog.example.id"
    _, p = a_public_merchant(api)

    product = api.client.get(f"/p/{p}", headers={"Host": EVIL}).text

    assert EVIL not in product
    assert "https%3A%2F%2Fkatalog.example.id%2Fp%2F" in product  # the WhatsApp order text
    assert f'content="https://katalog.example.id/p/{p}"' in product


def test_trusted_hosts_refuse_any_other_host(tmp_path):
    from fastapi.testclient import TestClient

    from kiosk_server.app import create_app

    settings = Settings(data_dir=tmp_path / "d", trusted_hosts="katalog.example.id")
    with TestClient(create_app(settings)) as client:
        good = client.get("/healthz", headers={"Host": "katalog.example.id"})
        bad = client.get("/healthz", headers={"Host": EVIL})

    assert good.status_code == 200 and bad.status_code == 400


def test_serving_beyond_loopback_needs_the_public_address(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "kiosk_server.cli", "serve", "--host", "0.0.0.0",
         "--port", "0", "--data-dir", str(tmp_path / "d")],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip

    assert done.returncode == 2
    assert "KIOSK_SERVER_PUBLIC_BASE_URL" in done.stderr


def test_api_docs_are_off_unless_asked_for_and_then_carry_their_own_policy(api: Api, tmp_path):
    from fastapi.testclient import TestClient

    from kiosk_server.app import create_app

    off = [api.client.get(path).status_code for path in ("/docs", "/redoc")]
    spec = api.client.get("/openapi.json")
    settings = Settings(data_dir=tmp_path / "d", api_docs=True)
    with TestClient(create_app(settings)) as client:
        docs = client.get("/docs")

    assert off == [404, 404] and spec.status_code == 200
    assert docs.status_code == 200
    policy = docs.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_photos_are_served_under_a_policy_that_runs_nothing(api: Api):
    kiosk = api.enroll()
    full, thumb = photo_bytes(2000, seed=61)[0], photo_bytes(600, seed=62)[0]
    shas = [upload_bytes(api, kiosk, full), upload_bytes(api, kiosk, thumb)]
    publish_photo(api, kiosk, "35.07.12.2001", *shas)

    public = api.client.get(f"/foto/{shas[1]}")
    private = api.client.get(f"/v1/blobs/{shas[0]}", headers=kiosk.headers)

    for answer in (public, private):
        assert answer.status_code == 200
        policy = answer.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "sandbox" in policy
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_csv_export_neutralises_formulas(api: Api, tmp_path):
    kiosk = api.enroll()
    m = uuid7()
    names = {
        '=HYPERLINK("http://phish.example","Klik")': "'=HYPERLINK",
        "+cmd|' /C calc'!A0": "'+cmd",
        "-2+3+cmd|' /C calc'!A0": "'-2+3",
        "@SUM(1+1)*cmd|' /C calc'!A0": "'@SUM",
        "Kopi Robusta": "Kopi Robusta",
    }
    mutations = [kiosk.mutation("merchant", m, **merchant_fields())]
    for name in names:
        mutations.append(kiosk.mutation("product", uuid7(), **product_fields(m, name=name)))
    answer = api.sync(kiosk, mutations)
    assert answer["rejected"] == [], answer["rejected"]

    export(api.engine, "csv", tmp_path / "out")
    with (tmp_path / "out" / "products.csv").open(newline="", encoding="utf-8") as handle:
        cells = [row["name"] for row in csv.DictReader(handle)]
    with (tmp_path / "out" / "merchants.csv").open(newline="", encoding="utf-8") as handle:
        phones = [row["phone"] for row in csv.DictReader(handle)]

    for name, start in names.items():
        assert any(cell.startswith(start) and cell.lstrip("'") == name for cell in cells), name
    assert phones == ["+6281234567890"]  # a plain number is left as it is
    # Text never stores a leading tab or CR (names are trimmed), but other columns might
    assert csv_cell("\tx") == "'\tx" and csv_cell("\rx") == "'\rx" and csv_cell(-5) == -5


def test_database_errors_do_not_carry_personal_data(settings: Settings):
    engine = make_engine(settings.db_url)
    personal = "Sri Wahyuni +6281234567890"
    try:
        with engine.begin() as conn:
            conn.execute(insert(region).values(code="35.07", name=personal, level="regency"))
        raise AssertionError("a duplicate region code must fail")
    except DBAPIError as exc:
        message = str(exc)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT nosuchcolumn FROM region WHERE name = :n"), {"n": personal})
    except DBAPIError as exc:
        message += str(exc)
    engine.dispose()

    assert personal not in message
    assert "hidden" in message


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_the_data_folder_is_private(tmp_path):
    from fastapi.testclient import TestClient

    from kiosk_server.app import create_app
    from kiosk_server.regions import import_regions

    # Given a server on its default SQLite file, started with a permissive umask
    settings = Settings(data_dir=tmp_path / "data")
    app = create_app(settings)
    import_regions(app.state.ctx.engine, SAMPLE_REGIONS)
    with TestClient(app) as client:
        api = Api(client, app.state.ctx.engine, settings)
        kiosk = api.enroll()
        sha = upload_bytes(api, kiosk, photo_bytes(1000, seed=71)[0])
    app.state.ctx.engine.dispose()
    data = settings.data_dir

    def mode(path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    # Then only the server's own user can read anything of it
    assert mode(data) == 0o700
    assert mode(data / "blobs") == 0o700
    assert not (data / "uploads").exists()  # unfinished uploads are in the database
    assert mode(data / "secret.key") == mode(data / "server.db") == 0o600
    for extra in ("server.db-wal", "server.db-shm"):
        if (data / extra).exists():
            assert mode(data / extra) == 0o600, extra
    blob = data / "blobs" / sha[:2] / sha
    assert mode(blob) == 0o600 and mode(blob.parent) == 0o700
