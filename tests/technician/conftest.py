"""Fixtures for the technician's tools: a real server on loopback, kiosks on real files,
and ``kiosk-app`` run as a real process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT
from tests.support.clock import SteppingWall
from tests.support.live import LiveServer

REGION = "35.07"


def kiosk_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``kiosk-app`` in its own process, as a technician would."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk_app", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
        env=env,
    )


@pytest.fixture
def make_kiosk(
    server: LiveServer, tmp_path: Path, wall: SteppingWall
) -> Iterator[Callable[..., Any]]:
    from tests.support.kiosk import Kiosk

    made: list[Kiosk] = []

    def make(name: str = "k", enroll: bool = True) -> Kiosk:
        kiosk = Kiosk(tmp_path / f"kiosk-{name}-{len(made)}", wall)
        if enroll:
            kiosk.enroll(server.url, server.enroll_code(REGION), name)
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.close()
