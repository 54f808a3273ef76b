"""Server test fixtures: the app on SQLite and on a real PostgreSQL this run starts itself.

The databases come from the run's templates (``tests/conftest.py``: ``pg`` and
``sqlite_template``, migrated and loaded with the sample regions once); each test gets a
copy. PostgreSQL missing is a failure, never a skip.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk_server.config import Settings
from tests.server.helpers import Api
from tests.support import databases as dbs
from tests.support.live import free_port
from tests.support.pgcluster import PgCluster
from tests.support.s3 import MotoServer

BACKENDS = dbs.SERVER_BACKENDS


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
    name, url = dbs.pg_copy(cluster)
    yield url
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


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """An S3-compatible server (moto_server) this run starts itself, on loopback."""
    with MotoServer(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


@pytest.fixture
def aws_env(moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """The standard AWS_* variables pointing at ``moto``, as a deployment sets them."""
    for name, value in moto.env.items():
        monkeypatch.setenv(name, value)
    return moto
