"""Migration 0004 (console) on a deployment's data: devices of before get a sortable
version and show on the fleet page, unused codes still enroll, the migrated schema is
the tables' schema, and the migration goes down and up again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from kiosk_server import devices
from kiosk_server.admin.accounts import add_account
from kiosk_server.app import create_app
from kiosk_server.config import Settings
from kiosk_server.db import MIGRATIONS, device, make_engine, metadata
from kiosk_server.keys import keys_for
from kiosk_server.regions import import_regions
from tests.admin.console import PASSWORD, login, names_on
from tests.support import SAMPLE_REGIONS

CONSOLE_TABLES = {"admin_account", "admin_session", "audit_log", "device", "enroll_code"}


def _alembic(engine, action: str, revision: str) -> None:  # type: ignore[no-untyped-def]
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


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


def test_devices_and_codes_of_before_0004_work_on_the_console(old_database: str, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", database_url=old_database)
    engine = make_engine(old_database)
    _alembic(engine, "upgrade", "0003")
    import_regions(engine, SAMPLE_REGIONS)
    with engine.begin() as conn:
        for i, version in enumerate(["0.9.2", "0.10.0", None]):
            conn.execute(
                text(
                    "INSERT INTO device (id, name, region, token_hash, app_version, created_at, "
                    "last_seen) VALUES (:id, :name, '35.07', :token, :version, "
                    "'2026-11-01T00:00:00.000+00:00', '2026-11-30T00:00:00.000+00:00')"
                ),
                {"id": f"d{i}", "name": f"Kios Lama {i}", "token": f"t{i}", "version": version},
            )
    app = create_app(settings)  # migrates to the latest revision
    code = devices.new_enroll_code(app.state.ctx.engine, keys_for(settings), "35.07", 1)
    with app.state.ctx.engine.connect() as conn:
        keys = dict(conn.execute(select(device.c.id, device.c.app_version_key)).all())
    assert keys == {"d0": "000000000.000000009.000000002.000000000",
                    "d1": "000000000.000000010.000000000.000000000", "d2": ""}  # fmt: skip
    add_account(app.state.ctx.engine, "pusat@example.id", PASSWORD, "national", None)
    with TestClient(app) as client:
        assert login(client, "pusat@example.id").status_code == 303
        by_version = names_on(client.get("/admin/devices?urut=version&arah=turun").text)
        assert by_version == ["Kios Lama 1", "Kios Lama 0", "Kios Lama 2"]
        assert names_on(client.get("/admin/devices?usang=1").text) == ["Kios Lama 0", "Kios Lama 2"]
    assert devices.enroll(app.state.ctx.engine, keys_for(settings), code, "baru", "0.3.0", None)
    # The schema the migrations made is the one the code declares
    with app.state.ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in diffs if any(name in repr(d) for name in CONSOLE_TABLES)]
    assert ours == []
    # And 0004 goes down and up again
    _alembic(app.state.ctx.engine, "downgrade", "0003")
    _alembic(app.state.ctx.engine, "upgrade", "head")
    app.state.ctx.engine.dispose()
    engine.dispose()
