"""A busy server (503 + Retry-After): the kiosk waits that long plus jitter and sends
the same batch again, losing and duplicating nothing; stopped while waiting, it keeps
everything for later.

The server is real (uvicorn on loopback, SQLite and PostgreSQL); "busy" is set by the
test taking every place of its admission gate, and the kiosk's waits go through a
``pause`` the test passes, with jitter from a seeded ``random.Random``: the test
decides when the burst ends, nothing sleeps.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk_app.sync.client import BUSY_DEFAULT_S, BUSY_MAX_S, retry_after_seconds
from kiosk_app.sync.device import load_device
from kiosk_app.sync.engine import BUSY_ATTEMPTS, BUSY_JITTER, SyncEngine
from tests.support import databases as dbs
from tests.support.clock import SteppingWall
from tests.support.kiosk import Kiosk
from tests.support.live import ThreadServer

REGION = "35.07"
RETRY_AFTER = 5  # kiosk_server.config.Settings.busy_retry_after_s


@pytest.fixture(params=dbs.SERVER_BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator:
    folder = tmp_path / "server"
    if request.param == "sqlite":
        dbs.sqlite_copy(sqlite_template, folder)
        with ThreadServer(folder) as live:
            yield live
        return
    cluster = request.getfixturevalue("pg")
    name, url = dbs.pg_copy(cluster, "busy")
    try:
        with ThreadServer(folder, url) as live:
            yield live
    finally:
        cluster.drop_database(name)


@pytest.fixture
def kiosk(server: ThreadServer, tmp_path: Path, wall: SteppingWall) -> Iterator[Kiosk]:
    made = Kiosk(tmp_path / "kiosk", wall)
    made.enroll(server.url, server.enroll_code(REGION), "kios-sibuk")
    assert made.sync().ok  # its first sync, while the server is not busy
    yield made
    made.close()


def _busy(server: ThreadServer, on: bool) -> None:
    gate = server._app.state.ctx.admission.syncs
    gate.active = gate.limit if on else 0


def _engine(kiosk: Kiosk, rng: random.Random, pause, progress=None) -> SyncEngine:
    device = load_device(kiosk.store)
    assert device is not None
    return SyncEngine(lambda fn, *a: fn(kiosk.store, *a), device.client(), kiosk.blobs,
                      rng=rng, pause=pause, on_progress=progress)  # fmt: skip


def _merchants(kiosk: Kiosk, count: int) -> list[str]:
    return [
        kiosk.store.create("merchant", {"business_name": f"Toko {n}", "owner_name": "Ani",
                                        "phone": "081234567890", "village_code": "35.07.12.2003"})
        for n in range(count)
    ]  # fmt: skip


def test_the_kiosk_waits_retry_after_plus_jitter_and_sends_the_batch_once(
    server: ThreadServer, kiosk: Kiosk
):
    # Given three merchants waiting and a server at its limit for two tries
    ids = _merchants(kiosk, 3)
    waits: list[float] = []
    progress: list[tuple[str, int, int]] = []

    def pause(seconds: float) -> bool:
        waits.append(seconds)
        if len(waits) == 2:
            _busy(server, False)  # the burst is over
        return False

    _busy(server, True)
    engine = _engine(kiosk, random.Random(7), pause, lambda *a: progress.append(a))

    # When the kiosk syncs
    result = engine.sync_once()
    engine.client.close()

    # Then it waited Retry-After plus its jitter twice, and sent everything exactly once
    draw = random.Random(7)
    expected = [RETRY_AFTER + draw.uniform(0, RETRY_AFTER * BUSY_JITTER) for _ in range(2)]
    assert waits == pytest.approx(expected)
    assert all(RETRY_AFTER <= w <= RETRY_AFTER * (1 + BUSY_JITTER) for w in waits)
    assert [p for p in progress if p[0] == "busy"] == [
        ("busy", math.ceil(expected[0]), 1),
        ("busy", math.ceil(expected[1]), 2),
    ]
    assert result.ok and result.error is None and result.sent == 3
    rows = server.rows()["merchant"]
    assert set(ids) <= set(rows)
    assert kiosk.store.pending_count() == 0
    assert kiosk.sync().ok and server.rows()["merchant"].keys() == rows.keys()  # no twins


def test_a_kiosk_stopped_while_waiting_keeps_its_data_and_sends_it_later(
    server: ThreadServer, kiosk: Kiosk
):
    ids = _merchants(kiosk, 2)
    _busy(server, True)
    engine = _engine(kiosk, random.Random(1), lambda seconds: True)  # interrupted at once

    result = engine.sync_once()
    engine.client.close()

    assert result.error is not None and result.error.startswith("ServerBusyError")
    assert not result.ok
    assert kiosk.store.pending_count() == 2  # nothing lost
    assert not set(ids) & set(server.rows()["merchant"])  # nothing applied

    _busy(server, False)
    assert kiosk.sync().ok
    assert set(ids) <= set(server.rows()["merchant"])
    assert kiosk.store.pending_count() == 0


def test_a_server_busy_for_too_long_ends_the_sync_as_busy_not_failed(
    server: ThreadServer, kiosk: Kiosk
):
    _merchants(kiosk, 1)
    _busy(server, True)
    waits: list[float] = []
    engine = _engine(kiosk, random.Random(2), lambda s: waits.append(s) or False)

    result = engine.sync_once()
    engine.client.close()

    assert len(waits) == BUSY_ATTEMPTS - 1  # then the scheduler's backoff takes over
    assert result.error is not None and result.error.startswith("ServerBusyError")
    assert kiosk.store.pending_count() == 1
    _busy(server, False)


def test_retry_after_is_read_as_seconds_or_a_date_and_kept_within_bounds():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("0") == 1.0
    assert retry_after_seconds("999999") == BUSY_MAX_S
    assert retry_after_seconds(None) == BUSY_DEFAULT_S
    assert retry_after_seconds("soon") == BUSY_DEFAULT_S
    now = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
    assert retry_after_seconds("Tue, 14 Nov 2023 22:13:50 GMT", now) == pytest.approx(30.0)
