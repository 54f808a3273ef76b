"""Fixtures for sync tests: kiosks on real files, enrolled with the module's real server
(``server`` in tests/conftest.py: a kiosk_server process, on SQLite and on PostgreSQL),
sharing the test's clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.clock import SteppingWall
from tests.support.live import LiveServer

REGION = "35.07"  # Kabupaten Malang, in the sample region list


@pytest.fixture
def make_kiosk(
    server: LiveServer, tmp_path: Path, wall: SteppingWall
) -> Iterator[Callable[..., Any]]:
    from tests.support.kiosk import Kiosk

    made: list[Kiosk] = []

    def make(name: str = "k", region: str = REGION) -> Kiosk:
        kiosk = Kiosk(tmp_path / f"kiosk-{name}-{len(made)}", wall)
        kiosk.enroll(server.url, server.enroll_code(region), name)
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.close()
