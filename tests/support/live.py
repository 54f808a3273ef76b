"""Real processes for end-to-end tests: a kiosk_server on loopback, and kiosks.

The server runs as its own process (``python -m kiosk_server.cli serve``) on a free
port with a temporary data folder, on its embedded SQLite or on the PostgreSQL database
``database`` names; kiosks are real stores on real files, syncing over real HTTP.

The test process reads and writes the same database as the server (enrollment codes,
exports, every row for the oracles) through kiosk_server's own functions: the same code
as the ``kiosk-server`` commands, without a Python start-up per call.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, select

from tests.support import ROOT, SAMPLE_REGIONS


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


@dataclass
class LiveServer:
    data_dir: Path
    # A SQLAlchemy URL (PostgreSQL); None: the embedded SQLite in ``data_dir``.
    database: str | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

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
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
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
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def cli(self, *args: str) -> str:
        """Run a ``kiosk-server`` command on this server's data folder and database."""
        return server_cli(self.data_dir, *args, database=self.database)

    def enroll_code(self, region: str, ttl_hours: float = 72.0) -> str:
        """A one-time enrollment code (``kiosk-server enroll-code``'s function)."""
        from kiosk_server.devices import new_enroll_code

        return new_enroll_code(self.engine, region, ttl_hours)

    def export(self, out: Path | None = None) -> dict[str, list[dict[str, Any]]]:
        """The server's live merchants and products, by kind, sorted by id (what
        ``kiosk-server export`` writes; ``out`` is kept for the callers' readability)."""
        from kiosk_server.export import KINDS, records

        return {kind: records(self.engine, kind) for kind in KINDS}

    def rows(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Every merchant, product and photo row, tombstones included: id -> the synced
        fields (and a product's stock)."""
        from kiosk_app.domain.records import ENTITIES, STOCK_FIELD
        from kiosk_server.db import RECORD_TABLES

        out: dict[str, dict[str, dict[str, Any]]] = {}
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

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
