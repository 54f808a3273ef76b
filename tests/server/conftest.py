"""Server test fixtures: the app on SQLite and on a real PostgreSQL this run starts itself.

PostgreSQL: one private cluster per test session (``bench/pgcluster.py``: initdb and
pg_ctl as the ``postgres`` user, a temporary folder, a free port on 127.0.0.1). A
template database is migrated and loaded with the sample regions once; each test gets a
copy of it. SQLite: a template file, copied per test. When the PostgreSQL binaries are
missing the PostgreSQL cases are skipped on a developer machine and fail in CI.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bench.pgcluster import PgCluster, PgUnavailable
from kiosk_server.config import Settings
from kiosk_server.db import make_engine, migrate
from kiosk_server.regions import import_regions
from tests.server.helpers import Api
from tests.support import SAMPLE_REGIONS
from tests.support.live import free_port

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _prepare(engine: Engine) -> None:
    migrate(engine)
    import_regions(engine, SAMPLE_REGIONS)
    engine.dispose()


@pytest.fixture(scope="session")
def pg() -> Iterator[PgCluster]:
    try:
        cluster = PgCluster().start()
    except PgUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(str(exc))
    try:
        _prepare(make_engine(cluster.create_database("kiosk_template")))
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "server.db"
    _prepare(make_engine(f"sqlite:///{path}"))
    return path


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A fresh, migrated database holding the sample regions, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "server.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    cluster: PgCluster = request.getfixturevalue("pg")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with cluster._admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE kiosk_template')  # type: ignore[arg-type]
    yield cluster.url(name)
    cluster.drop_database(name)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    """The app under a TestClient, with helpers to enroll devices and sync."""
    from fastapi.testclient import TestClient

    from kiosk_server.app import create_app

    app = create_app(settings, run_migrations=False)
    with TestClient(app) as client:
        yield Api(client, app.state.ctx.engine, settings)
    app.state.ctx.engine.dispose()


class LiveApp:
    """The app served by a real uvicorn on loopback, in a thread of this process."""

    def __init__(self, settings: Settings) -> None:
        import uvicorn

        from kiosk_server.app import create_app

        self.app = create_app(settings, run_migrations=False)
        self.port = free_port()
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_config=None, access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveApp:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.app.state.ctx.engine.dispose()


@pytest.fixture
def live(settings: Settings) -> Iterator[LiveApp]:
    server = LiveApp(settings).start()
    yield server
    server.stop()
