"""Fixtures for sync tests: a real kiosk_server process and kiosks on real files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.live import LiveServer

REGION = "35.07"  # Kabupaten Malang, in the sample region list


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("server")) as live:
        yield live


@pytest.fixture
def make_kiosk(server: LiveServer, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    from tests.support.kiosk import Kiosk

    made: list[Kiosk] = []

    def make(name: str = "k", region: str = REGION) -> Kiosk:
        kiosk = Kiosk(tmp_path / f"kiosk-{name}-{len(made)}")
        kiosk.enroll(server.url, server.enroll_code(region), name)
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.close()
