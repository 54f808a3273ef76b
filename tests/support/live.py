"""Real servers for end-to-end tests: a kiosk_server on loopback, and what it holds.

``LiveServer`` runs the server as its own process (``python -m kiosk_server.cli
serve``) on a free port with a temporary data folder, on its embedded SQLite or on the
PostgreSQL database ``database`` names. ``ThreadServer`` serves the same app with
uvicorn in a thread of the test's process: started in a few milliseconds, for tests that
need a fresh server per example (the convergence property).

The test process reads and writes the same database as the server (enrollment codes,
exports, every row for the oracles) through kiosk_server's own functions: the same code
as the ``kiosk-server`` commands, without a Python start-up per call.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, select

from tests.support import ROOT, SAMPLE_REGIONS

Rows = dict[str, dict[str, dict[str, Any]]]  # entity -> id -> field -> value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_cli(data_dir: Path, *args: str, database: str | None = None) -> str:
    """Run a ``kiosk-server`` command; returns its standard output."""
    extra = ["--data-dir", str(data_dir)]
    if database:
        extra += ["--database", database]
    done = subprocess.run(
        [sys.executable, "-m", "kiosk_server.cli", *args, *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"kiosk-server {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


class ServerData:
    """What a server holds, read (and enrollment codes written) from the test process."""

    data_dir: Path
    database: str | None  # a SQLAlchemy URL (PostgreSQL); None: SQLite in data_dir
    _engine: Engine | None

    @property
    def backend(self) -> str:
        return "postgres" if self.database else "sqlite"

    @property
    def db_url(self) -> str:
        return self.database or f"sqlite:///{self.data_dir / 'server.db'}"

    @property
    def engine(self) -> Engine:
        """The server's database, opened from the test process."""
        if self._engine is None:
            from kiosk_server.db import make_engine

            self._engine = make_engine(self.db_url)
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def enroll_code(self, region: str, ttl_hours: float = 72.0) -> str:
        """A one-time enrollment code (``kiosk-server enroll-code``'s function)."""
        from kiosk_server.config import Settings
        from kiosk_server.devices import new_enroll_code
        from kiosk_server.keys import keys_for

        # The codes are keyed with the server's secret (its data folder's secret.key).
        keys = keys_for(Settings(data_dir=self.data_dir, database_url=self.db_url))
        return new_enroll_code(self.engine, keys, region, ttl_hours)

    def export(self, out: Path | None = None) -> dict[str, list[dict[str, Any]]]:
        """The server's live merchants and products, by kind, sorted by id (what
        ``kiosk-server export`` writes; ``out`` is kept for the callers' readability)."""
        from kiosk_server.export import KINDS, records

        return {kind: records(self.engine, kind) for kind in KINDS}

    def rows(self) -> Rows:
        """Every merchant, product and photo row, tombstones included: id -> the synced
        fields (and a product's stock)."""
        from kiosk_app.domain.records import ENTITIES, STOCK_FIELD
        from kiosk_server.db import RECORD_TABLES

        out: Rows = {}
        with self.engine.connect() as conn:
            for entity, table in RECORD_TABLES.items():
                names = ["id", *ENTITIES[entity].fields]
                if entity == "product":
                    names.append(STOCK_FIELD)
                found = conn.execute(select(*(table.c[n] for n in names)))
                # A row never deleted has no "deleted" stamp on the server: NULL, as the
                # export reads it (the kiosk's column defaults to 0).
                out[entity] = {r.id: {**r._mapping, "deleted": r.deleted or 0} for r in found}
        return out

    def blob(self, sha256: str) -> bytes | None:
        """The bytes the server holds for ``sha256``, or None."""
        from kiosk_server.blobstore import blob_path

        path = blob_path(self.data_dir / "blobs", sha256)
        return path.read_bytes() if path.exists() else None


@dataclass
class LiveServer(ServerData):
    data_dir: Path
    database: str | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    _engine: Engine | None = field(default=None, repr=False)
    env: dict[str, str] = field(default_factory=dict)  # more KIOSK_SERVER_* for the process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / ".regions-loaded").exists():
            server_cli(self.data_dir, "regions", "import", str(SAMPLE_REGIONS),
                       database=self.database)  # fmt: skip
            (self.data_dir / ".regions-loaded").write_text("yes")
        log = (self.data_dir / "server.log").open("ab")
        database = ["--database", self.database] if self.database else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk_server.cli", "serve", "--data-dir", str(self.data_dir),
             *database, "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            # The suites enroll dozens of kiosks from this one address within a minute; the
            # enrollment rate limit itself is tested in tests/server.
            env={**os.environ, "PYTHONUNBUFFERED": "1",
                 "KIOSK_SERVER_ENROLL_PER_ADDRESS_PER_MINUTE": "1000",
                 "KIOSK_SERVER_ENROLL_PER_MINUTE": "1000", **self.env},
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {(self.data_dir / 'server.log').read_text()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("server did not start in 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.dispose()

    def cli(self, *args: str) -> str:
        """Run a ``kiosk-server`` command on this server's data folder and database."""
        return server_cli(self.data_dir, *args, database=self.database)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class ThreadServer(ServerData):
    """The server app under uvicorn in a thread of this process, on a migrated database."""

    data_dir: Path
    database: str | None = None
    port: int = field(default_factory=free_port)
    _engine: Engine | None = field(default=None, repr=False)
    _server: Any = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _app: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadServer:
        import uvicorn

        from kiosk_server.app import create_app
        from kiosk_server.config import Settings

        self.data_dir.mkdir(parents=True, exist_ok=True)
        settings = Settings(data_dir=self.data_dir, database_url=self.database)
        self._app = create_app(settings, run_migrations=False)
        self._engine = self._app.state.ctx.engine  # the oracles read through the app's own
        config = uvicorn.Config(
            self._app, host="127.0.0.1", port=self.port, log_config=None, access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.002)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        self.dispose()

    def __enter__(self) -> ThreadServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
