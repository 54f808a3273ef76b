"""``kiosk-app`` with no command (or ``gui``) opens the screens on the chosen data folder."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from kiosk_app.store.migrations import SCHEMA_VERSION
from tests.support import ROOT


def opened_store(data: Path) -> bool:
    """The app's store is open in ``data``: migrated, with this kiosk's clock node."""
    if not (data / "kiosk.db").exists():
        return False
    conn = sqlite3.connect(data / "kiosk.db", timeout=5)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        node = conn.execute("SELECT value FROM setting WHERE key = 'node_id'").fetchone()
    except sqlite3.DatabaseError:
        return False  # being created
    finally:
        conn.close()
    return version == SCHEMA_VERSION and node is not None


def test_gui_shows_its_window_on_the_data_folder(tmp_path: Path):
    data = tmp_path / "kiosk"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}

    done = subprocess.run(
        [sys.executable, "-m", "kiosk_app", "gui", "--data-dir", str(data), "--quit-when-shown"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    # It quits once its window is exposed on the (offscreen) screen, and says so
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("shown_ms="), done.stdout
    assert opened_store(data) and (data / "logs" / "kiosk.log").exists()


def test_no_command_opens_the_screens_on_kiosk_data_dir(tmp_path: Path):
    data = tmp_path / "kiosk"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KIOSK_DATA_DIR": str(data)}
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk_app"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120  # a guard against a hang, not a speed check
        while not opened_store(data):
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the app never opened its store"
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=30)
    # It had not exited on its own when told to stop (no failure while starting up).
    assert process.returncode == -signal.SIGTERM
    assert (data / "logs" / "kiosk.log").exists()
