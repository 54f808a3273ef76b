"""Migration 0004 (stateless uploads) on SQLite and PostgreSQL: an upload finished before
it keeps its row, complete; one unfinished (its bytes were in a ``.part`` file no process
reads any more) is dropped, so its kiosk starts it again; the schema goes down and up."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import insert, inspect, select

from kiosk_server.db import MIGRATIONS, make_engine, upload
from tests.server.test_server_migration_security import _upgrade_to


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    cluster = request.getfixturevalue("pg")
    name = f"m4_{uuid.uuid4().hex[:12]}"
    url = cluster.create_database(name)
    yield url
    cluster.drop_database(name)


def _downgrade_to(engine, revision: str) -> None:  # type: ignore[no-untyped-def]
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_finished_uploads_stay_complete_and_unfinished_ones_are_dropped(old_database: str):
    engine = make_engine(old_database)
    _upgrade_to(engine, "0003")
    common = {"device_id": "d1", "sha256": "a" * 64, "length": 5000, "kind": "full"}
    with engine.begin() as conn:
        conn.execute(insert(upload).values(id="selesai", created_at="2026-11-01T00:00:00.000",
                                           completed_at="2026-11-01T00:01:00.000", **common),
                     )  # fmt: skip
        conn.execute(insert(upload).values(id="setengah", created_at="2026-11-01T00:00:00.000",
                                           completed_at=None, **common))  # fmt: skip

    _upgrade_to(engine, "head")

    with engine.connect() as conn:
        rows = conn.execute(select(upload.c.id, upload.c.received, upload.c.expires_at)).all()
    assert [tuple(r) for r in rows] == [("selesai", 5000, "2026-11-01T00:01:00.000")]
    assert "upload_chunk" in inspect(engine).get_table_names()
    _downgrade_to(engine, "0003")
    assert "upload_chunk" not in inspect(engine).get_table_names()
    _upgrade_to(engine, "head")
    engine.dispose()
