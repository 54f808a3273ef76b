"""Real processes for end-to-end tests: a kiosk_server on loopback, and kiosks.

The server runs as its own process (``python -m kiosk_server.cli serve``) on a free
port with a temporary data folder and its embedded SQLite; kiosks are real stores on
real files, syncing over real HTTP.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

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
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / ".regions-loaded").exists():
            server_cli(self.data_dir, "regions", "import", str(SAMPLE_REGIONS))
            (self.data_dir / ".regions-loaded").write_text("yes")
        log = (self.data_dir / "server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk_server.cli", "serve", "--data-dir", str(self.data_dir),
             "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            # The suites enroll dozens of kiosks from this one address within a minute; the
            # enrollment rate limit itself is tested in tests/server.
            env={**os.environ, "PYTHONUNBUFFERED": "1",
                 "KIOSK_SERVER_ENROLL_PER_ADDRESS_PER_MINUTE": "1000",
                 "KIOSK_SERVER_ENROLL_PER_MINUTE": "1000"},
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

    def enroll_code(self, region: str) -> str:
        out = server_cli(self.data_dir, "enroll-code", "--region", region)
        return out.strip().splitlines()[-1].strip()

    def export(self, out: Path) -> dict[str, list[dict[str, Any]]]:
        """The server's merchants and products, by kind, sorted by id."""
        server_cli(self.data_dir, "export", "--format", "jsonl", "--out", str(out))
        files = [out] if out.is_file() else sorted(out.glob("*.jsonl"))
        records: dict[str, list[dict[str, Any]]] = {"merchant": [], "product": []}
        for path in files:
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    rec = json.loads(line)
                    records.setdefault(rec.pop("kind"), []).append(rec)
        for rows in records.values():
            rows.sort(key=lambda r: r["id"])
        return records

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
