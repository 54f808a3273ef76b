"""Server databases for tests: a migrated template with the sample regions, copied per use.

SQLite: a template file made once per run, copied into each server's data folder.
PostgreSQL: a private cluster this run starts itself (``tests/support/pgcluster.py``) with a
template database; each server gets ``CREATE DATABASE … TEMPLATE``. Copies take
milliseconds, where migrating and loading regions anew took a second or two.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from tests.support import SAMPLE_REGIONS
from tests.support.pgcluster import PgCluster

# Every test of the server, and every suite running a live one, runs on both databases.
SERVER_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

PG_TEMPLATE = "kiosk_template"
SQLITE_NAME = "server.db"  # kiosk_server.config.Settings.db_url without DATABASE_URL


def prepare(url: str) -> None:
    """Migrate the database at ``url`` and load the sample regions into it."""
    from kiosk_server.db import make_engine, migrate
    from kiosk_server.regions import import_regions

    engine = make_engine(url)
    try:
        migrate(engine)
        import_regions(engine, SAMPLE_REGIONS)
    finally:
        engine.dispose()


def make_sqlite_template(folder: Path) -> Path:
    path = folder / SQLITE_NAME
    prepare(f"sqlite:///{path}")
    return path


def make_pg_template(cluster: PgCluster) -> None:
    prepare(cluster.create_database(PG_TEMPLATE))


def sqlite_copy(template: Path, data_dir: Path) -> str:
    """The template copied to ``data_dir`` as the server's own database; its URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / SQLITE_NAME
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def pg_copy(cluster: PgCluster, prefix: str = "t", template: str | None = None) -> tuple[str, str]:
    """A fresh database cloned from ``template`` (the run's template): (name, URL).

    FILE_COPY: twice as fast as PostgreSQL 15's default (WAL_LOG) for these small
    databases on a cluster running with fsync off (0.10 s against 0.22 s here)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    source = template or PG_TEMPLATE
    with cluster._admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}" STRATEGY FILE_COPY')  # type: ignore[arg-type]
    return name, cluster.url(name)
