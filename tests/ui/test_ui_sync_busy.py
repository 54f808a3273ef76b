"""A busy server, seen from the whole app: the badge says "Server sibuk, dicoba lagi…",
never that the sync failed, and the data goes once the server has room again.

The server is real (uvicorn on loopback, in this process, so the test can take every
place of its admission gate: "busy" is a state the test sets). It tells the kiosk to
come back after 1 s (``KIOSK_SERVER_BUSY_RETRY_AFTER_S``); the kiosk's wait is real.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk_app.ui import sync_status as st
from tests.support import databases as dbs
from tests.support.live import ThreadServer
from tests.ui.conftest import click, idle, running_app
from tests.ui.operator import choose_language, create_first_technician, enroll_in_first_run, nav

REGION = "35.07"


@pytest.fixture
def server(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ThreadServer]:
    monkeypatch.setenv("KIOSK_SERVER_BUSY_RETRY_AFTER_S", "1")
    folder = tmp_path / "server"
    dbs.sqlite_copy(sqlite_template, folder)
    with ThreadServer(folder) as live:
        yield live


@pytest.fixture
def app(qapp, qtbot, kiosk_paths) -> Iterator:
    yield from running_app(qapp, qtbot, kiosk_paths, sync_settle_s=0.3)


def _busy(server: ThreadServer, on: bool) -> None:
    gate = server._app.state.ctx.admission.syncs
    gate.active = gate.limit if on else 0


def test_a_busy_server_is_not_called_an_error_and_the_sync_goes_on(app, qtbot, server):
    # Given an enrolled kiosk, everything sent
    choose_language(qtbot, app)
    enroll_in_first_run(qtbot, app, server.url, server.enroll_code(REGION))
    create_first_technician(qtbot, app, offline=False)
    qtbot.waitUntil(
        lambda: app.sync.status.state == st.IDLE and not app.sync.syncing, timeout=30000
    )
    idle(qtbot, app)
    seen: list[st.SyncStatus] = []
    app.sync.changed.connect(seen.append)

    # When the server is at its limit and the operator presses "Sinkron sekarang"
    _busy(server, True)
    nav(qtbot, app, "sync")
    page = app.window.page("sync")
    click(qtbot, page.sync_button)

    # Then the badge says the server is busy and will be tried again, calmly
    qtbot.waitUntil(lambda: app.sync.status.state == st.BUSY, timeout=20000)
    assert app.window.sync_badge.text().startswith("Server sibuk, dicoba lagi")
    assert app.sync.status.message.startswith("Server sibuk, dicoba lagi dalam")
    assert app.window.sync_badge.property("state") == st.BUSY

    # and once the server has room, the same sync finishes on its own
    _busy(server, False)
    qtbot.waitUntil(
        lambda: app.sync.status.state == st.IDLE and not app.sync.syncing, timeout=30000
    )
    idle(qtbot, app)
    assert st.ERROR not in {s.state for s in seen}
    assert server._app.state.ctx.admission.syncs.refused >= 1
