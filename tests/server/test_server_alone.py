"""The server installs and runs alone: ``pip install '.[server]'`` in a fresh virtualenv
brings no Qt and no image library, and that install serves health, enrollment and sync.

The sources are copied out of the work tree first (a non-editable install builds in the
source folder, and this repository's ``build/`` is the PyInstaller one); pip's cache
makes the install take seconds after the first run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests

from kiosk_app.domain.hlc import HybridClock
from kiosk_app.domain.record_ids import uuid7
from tests.server.helpers import merchant_fields
from tests.support import ROOT, SAMPLE_REGIONS
from tests.support.live import free_port

# Kiosk-only distributions: Qt, and the photo pipeline's image libraries. (segno, pure
# Python, draws QR codes on both sides: the kiosk's posters, the console's code sheets.)
QT = {"pyside6", "pyside6-essentials", "pyside6-addons", "shiboken6"}
IMAGE_LIBS = {"pillow", "pi-heif", "pillow-heif"}
KIOSK_ONLY = {*QT, *IMAGE_LIBS, "sqlite-utils"}


def _copy_sources(to: Path) -> Path:
    to.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, to / name)
    for package in ("kiosk_app", "kiosk_server"):
        shutil.copytree(ROOT / package, to / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))  # fmt: skip
    return to


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _run(*args: str | Path, cwd: Path, timeout: float = 600) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=_clean_env(),
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_server_installs_alone_without_qt_and_serves(tmp_path: Path) -> None:
    # Given a fresh virtualenv with only the server's install (not editable)
    source = _copy_sources(tmp_path / "src")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    bin_dir = venv / "bin"
    _run(bin_dir / "python", "-m", "pip", "install", "-q", f"{source}[server]", cwd=tmp_path)

    # Then it holds no Qt and no image library
    listed = json.loads(_run(bin_dir / "python", "-m", "pip", "list", "--format", "json",
                             cwd=tmp_path))  # fmt: skip
    names = {p["name"].lower() for p in listed}
    assert {"fastapi", "sqlalchemy", "uvicorn", "etalase-desa"} <= names
    assert names & KIOSK_ONLY == set(), f"kiosk-only packages in the server's install: {names}"
    # ... and runs the installed copy, not the work tree
    where = _run(bin_dir / "python", "-c", "import kiosk_server; print(kiosk_server.__file__)",
                 cwd=tmp_path)  # fmt: skip
    assert where.strip().startswith(str(venv))

    # When its own kiosk-server serves on the embedded SQLite
    data = tmp_path / "data"
    server = bin_dir / "kiosk-server"
    _run(server, "regions", "import", SAMPLE_REGIONS, "--data-dir", data, cwd=tmp_path)
    code = _run(server, "enroll-code", "--region", "35.07", "--data-dir", data,
                cwd=tmp_path).strip().splitlines()[-1]  # fmt: skip
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [str(server), "serve", "--data-dir", str(data), "--host", "127.0.0.1",
         "--port", str(port)],
        cwd=tmp_path, env=_clean_env(), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                health = requests.get(f"{url}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the server did not start in 60 s"
                time.sleep(0.2)

        enrolled = requests.post(f"{url}/v1/enroll", timeout=30, json={
            "code": code, "device_name": "Kios Ternyang", "app_version": "0.1.0",
            "node_id": "alone1"})  # fmt: skip
        assert enrolled.status_code == 200, enrolled.text
        device = enrolled.json()
        clock = HybridClock("alone1")
        merchant = uuid7()
        mutation = {"id": uuid7(), "entity": "merchant", "row_id": merchant,
                    "hlc": clock.now(), "op": "upsert", "fields": merchant_fields()}  # fmt: skip
        synced = requests.post(
            f"{url}/v1/sync", timeout=30,
            headers={"Authorization": f"Bearer {device['token']}"},
            json={"protocol": 2, "cursor": 0, "node": "other", "mutations": [mutation]},
        )  # fmt: skip
    finally:
        process.terminate()
        process.wait(20)
        log.close()

    # Then health, enrollment and one sync answer 200, and the sync applied the merchant
    assert health.status_code == 200, health.text
    assert synced.status_code == 200, synced.text
    answer = synced.json()
    assert answer["rejected"] == [] and answer["accepted_count"] == 1
    merchants = [c["row_id"] for c in answer["changes"] if c["entity"] == "merchant"]
    assert merchants == [merchant]
