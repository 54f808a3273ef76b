"""Shared fixtures: real SQLite files in temporary folders, the shipped sample regions,
the test's clock, and real servers on both databases.

PostgreSQL is part of the product: when this run cannot start its own cluster (initdb
and pg_ctl missing), the tests that need it fail with the reason. They never skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import SAMPLE_REGIONS, VILLAGE
from tests.support import databases as dbs
from tests.support.clock import SteppingWall
from tests.support.live import LiveServer
from tests.support.pgcluster import PgCluster, PgUnavailable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def wall() -> SteppingWall:
    """The test's wall clock: one millisecond later at every read (see support/clock.py)."""
    return SteppingWall()


@pytest.fixture
def store(tmp_path: Path, wall: SteppingWall):
    """A fresh kiosk store on a real SQLite file, with the sample regions loaded; its
    clock is the test's ``wall``."""
    from kiosk_app.store.regions import import_regions_csv
    from kiosk_app.store.store import Store

    s = Store.open(tmp_path / "kiosk.db", wall)
    import_regions_csv(s.db, SAMPLE_REGIONS)
    yield s
    s.close()


@pytest.fixture
def merchant_fields() -> dict[str, object]:
    return {
        "business_name": "Kopi Bu Sri",
        "owner_name": "Sri Wahyuni",
        "phone": "0812-3456-7890",
        "village_code": VILLAGE,
        "address": "Jl. Raya Ternyang No. 5",
    }


@pytest.fixture(scope="session")
def pg() -> Iterator[PgCluster]:
    """This run's own PostgreSQL cluster, with the template database ready."""
    try:
        cluster = PgCluster().start()
    except PgUnavailable as exc:
        pytest.fail(
            f"PostgreSQL is required: {exc}. Run `bash scripts/setup.sh` as root, which "
            "installs it (apt-get install postgresql-15).",
            pytrace=False,
        )
    try:
        dbs.make_pg_template(cluster)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dbs.make_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def live_servers(request: pytest.FixtureRequest, sqlite_template: Path):
    """Starts real server processes on a backend: ``with live_servers(backend, folder)``."""
    from contextlib import contextmanager

    @contextmanager
    def start(backend: str, data_dir: Path) -> Iterator[LiveServer]:
        if backend == "sqlite":
            dbs.sqlite_copy(sqlite_template, data_dir)
            server = LiveServer(data_dir)
        else:
            cluster: PgCluster = request.getfixturevalue("pg")
            name, url = dbs.pg_copy(cluster, "live")
            server = LiveServer(data_dir, database=url)
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / ".regions-loaded").write_text("from the template")
        try:
            with server:
                yield server
        finally:
            if backend != "sqlite":
                cluster.drop_database(name)

    return start


@pytest.fixture(scope="module", params=dbs.SERVER_BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, live_servers
) -> Iterator[LiveServer]:
    """A real kiosk_server process for the module, on SQLite and on PostgreSQL."""
    with live_servers(request.param, tmp_path_factory.mktemp(f"server-{request.param}")) as live:
        yield live
