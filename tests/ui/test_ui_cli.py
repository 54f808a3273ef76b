"""``kiosk-app`` with no command (or ``gui``) opens the screens on the chosen data folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import ROOT


@pytest.mark.parametrize("args", [[], ["gui", "--data-dir", "{data}"]])
def test_gui_starts_on_the_data_folder(tmp_path: Path, args: list[str]):
    data = tmp_path / "kiosk"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KIOSK_DATA_DIR": str(data)}
    command = [sys.executable, "-m", "kiosk_app", *(a.format(data=data) for a in args)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (data / "logs" / "kiosk.log").exists():
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.1)
        time.sleep(1.0)
        assert process.poll() is None  # still running: the window is up
        assert (data / "kiosk.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)
