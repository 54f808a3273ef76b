"""Migration 0003 on a deployment's data (issue 14): what worked before keeps working.

A database at revision 0002 holds a device that uploaded a photo shown in its region,
and an unused enrollment code stored the old way (bare SHA-256, with a TTL far past 7
days). After the upgrade the uploader still reads its photo, its region still does, the
public catalog still shows it, and the old code still enrolls once, now expiring within
7 days. SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import insert, select

from kiosk_server.config import Settings
from kiosk_server.db import (
    MIGRATIONS,
    RECORD_TABLES,
    blob,
    device,
    enroll_code,
    make_engine,
    migrate,
)
from kiosk_server.regions import import_regions
from tests.catalog.conftest import CONSENT
from tests.server.helpers import Api, merchant_fields, photo_fields, product_fields
from tests.server.test_server_uploads import photo_bytes
from tests.support import SAMPLE_REGIONS, VILLAGE


def _upgrade_to(engine, revision: str) -> None:  # type: ignore[no-untyped-def]
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    cluster = request.getfixturevalue("pg")
    name = f"m_{uuid.uuid4().hex[:12]}"
    url = cluster.create_database(name)
    yield url
    cluster.drop_database(name)


def _old_rows(engine, now: str, device_id: str, token: str, shas: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    """What a 0002 server held: a device, its uploaded blobs, its public photo, an
    unused code stored as bare SHA-256 with a long TTL."""
    full_sha, thumb_sha = shas
    common = {"clocks": "{}", "scope_code": VILLAGE, "seq": 1, "created_at": now,
              "updated_at": now, "deleted": 0}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(device).values(
            id=device_id, name="Kios Lama", region="35.07.12", node_id="oldnode",
            token_hash=hashlib.sha256(token.encode()).hexdigest(), created_at=now,
        ))  # fmt: skip
        for sha in shas:
            conn.execute(
                insert(blob).values(sha256=sha, size=1, uploaded_by=device_id, created_at=now)
            )
        conn.execute(insert(RECORD_TABLES["merchant"]).values(
            id="m-old", **merchant_fields(**CONSENT), **common))  # fmt: skip
        conn.execute(insert(RECORD_TABLES["product"]).values(
            id="p-old", **product_fields("m-old", status="published"), stock=0,
            stock_nodes="[]", **common))  # fmt: skip
        conn.execute(insert(RECORD_TABLES["photo"]).values(
            id="ph-old", **photo_fields("p-old", full_sha, thumb_sha), **common))  # fmt: skip
        conn.execute(insert(enroll_code).values(
            code_hash=hashlib.sha256(b"OLDCODE777").hexdigest(), region="35.07",
            created_at=now, expires_at="2999-01-01T00:00:00.000+00:00",
        ))  # fmt: skip


def test_photos_and_codes_of_before_the_upgrade_keep_working(old_database: str, tmp_path):
    from fastapi.testclient import TestClient

    from kiosk_server.app import create_app

    # Given a server of revision 0002 with a kiosk's public photo and an unused code
    settings = Settings(data_dir=tmp_path / "data", database_url=old_database)
    engine = make_engine(settings.db_url)
    _upgrade_to(engine, "0002")
    import_regions(engine, SAMPLE_REGIONS)
    full, full_sha = photo_bytes(2000, seed=81)
    thumb, thumb_sha = photo_bytes(600, seed=82)
    now = datetime.now(UTC)
    token = "old-token-" + "x" * 30
    _old_rows(engine, now.isoformat(), "old-device", token, (full_sha, thumb_sha))
    engine.dispose()
    for data, sha in ((full, full_sha), (thumb, thumb_sha)):
        path = settings.blob_dir / sha[:2] / sha
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    # When the new server starts on it (migrating to 0003)
    app = create_app(settings)
    with TestClient(app) as client:
        api = Api(client, app.state.ctx.engine, settings)
        owner = {"Authorization": f"Bearer {token}"}
        neighbour = api.enroll("35.07")
        elsewhere = api.enroll("53")
        reads = [
            client.get(f"/v1/blobs/{full_sha}", headers=owner).status_code,
            client.get(f"/v1/blobs/{thumb_sha}", headers=neighbour.headers).status_code,
            client.get(f"/foto/{thumb_sha}").status_code,
            client.get(f"/v1/blobs/{full_sha}", headers=elsewhere.headers).status_code,
        ]
        old_code = client.post("/v1/enroll", json={"code": "OLDC-ODE7-77",
                                                     "device_name": "Kios Baru"})  # fmt: skip
        again = client.post("/v1/enroll", json={"code": "OLDC-ODE7-77", "device_name": "x"})
        with api.engine.connect() as conn:
            expires = (
                conn.execute(
                    select(enroll_code.c.expires_at).where(enroll_code.c.region == "35.07")
                )
                .scalars()
                .all()
            )
    app.state.ctx.engine.dispose()

    # Then its photo is read by those who read it before, and nobody else
    assert reads == [200, 200, 200, 404]
    # and the old code enrolls once, having been made to expire within 7 days
    assert old_code.status_code == 200 and old_code.json()["region"] == "35.07"
    assert again.status_code == 403
    cap = (now + timedelta(days=7, minutes=5)).isoformat(timespec="milliseconds")
    assert expires and all(e <= cap for e in expires)


def test_the_schema_after_0003_matches_the_tables(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate(engine)
    with engine.connect() as conn:
        names = set(
            conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars()
        )
    engine.dispose()

    assert {"blob_holder", "blob_grant", "imported_bundle"} <= names
