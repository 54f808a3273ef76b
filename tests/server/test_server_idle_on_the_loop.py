"""PostgreSQL: an idle sync done on the event loop, no worker thread (``loop_reads``).

Its one statement is awaited there; its writes still happen when due (the device's
sighting, its telemetry) on a worker thread, as any sync's. What it answers is what the
worker thread's path answers; a revoked device is refused; a connection the database
closed while it sat idle costs no failed sync.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import select, update

from kiosk_app.domain.record_ids import uuid7
from kiosk_server import cli, pull
from kiosk_server.api import sync, sync_asgi
from kiosk_server.db import device
from kiosk_server.loop_reads import libpq_url
from tests.server.helpers import Api, merchant_fields

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


def _telemetry(pending: int = 0) -> dict[str, Any]:
    return {"sent_at": 1_700_000_000_000, "pending_changes": pending, "pending_photos": 0}


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each function a sync handed to a worker thread."""
    handed: list[str] = []
    for module in (sync, sync_asgi):
        real = module.run_in_threadpool

        async def recorded(fn: Any, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            handed.append(fn.__name__)
            return await _real(fn, *args, **kwargs)

        monkeypatch.setattr(module, "run_in_threadpool", recorded)
    return handed


# A district's and a village's kiosk pull in the token's statement; a regency's pulls
# again after it, by the statement that walks every change (``pull.narrow``).
@pytest.mark.parametrize("region", ["35.07.01", "35.07.01.2001", "35.07"])
def test_an_idle_sync_needs_no_worker_thread_and_pulls_what_the_thread_would(
    api: Api, hops: list[str], region: str
):
    # Given a kiosk that synced once (its sighting and telemetry written), and changes
    # since from another kiosk, in its village and in another district
    kiosk, other = api.enroll(region), api.enroll("35.07")
    first = api.sync(kiosk, cursor=0, telemetry=_telemetry())
    api.sync(other, [other.mutation("merchant", uuid7(), **merchant_fields(
        village_code=village)) for village in ("35.07.01.2001", "35.07.02.2001")])  # fmt: skip
    hops.clear()

    # When it syncs again with nothing to push, and the same telemetry
    answer = api.sync(kiosk, cursor=first["cursor"], telemetry=_telemetry())

    # Then nothing went to a worker thread, and it pulled the change as the read on a
    # worker thread reads it
    assert hops == []
    expected = pull.pull(api.engine, kiosk.region, first["cursor"], 500, kiosk.node)
    assert [c["row_id"] for c in answer["changes"]] == [c["row_id"] for c in expected.changes]
    assert len(answer["changes"]) == (2 if region == "35.07" else 1)
    assert answer["cursor"] == expected.cursor


@pytest.mark.parametrize("due", ["sighting", "telemetry"])
def test_an_idle_sync_still_writes_its_sighting_or_telemetry_when_due(
    api: Api, hops: list[str], due: str
):
    kiosk = api.enroll()
    cursor = api.sync(kiosk, telemetry=_telemetry())["cursor"]  # a first sync (cursor 0)
    if due == "sighting":  # last seen long ago; the telemetry the same as last time
        with api.engine.begin() as conn:
            conn.execute(update(device).where(device.c.id == kiosk.id).values(
                last_seen="2020-01-01T00:00:00.000+00:00"))  # fmt: skip
    hops.clear()

    # When it syncs idle (with telemetry that changed, or not)
    pending = 7 if due == "telemetry" else 0
    api.sync(kiosk, cursor=cursor, telemetry=_telemetry(pending=pending))

    # Then what was due was written, on a worker thread
    with api.engine.connect() as conn:
        row = conn.execute(select(device).where(device.c.id == kiosk.id)).one()
    assert row.last_seen > "2020-01-02" and row.pending_changes == pending
    assert hops == ["_noted_work"]


def test_a_revoked_device_is_refused_on_the_loop_too(api: Api, hops: list[str]):
    kiosk = api.enroll()
    cursor = api.sync(kiosk)["cursor"]
    args = ["--data-dir", str(api.settings.data_dir), "--database", api.settings.db_url]
    assert cli.main(["revoke", kiosk.id, *args]) == 0
    hops.clear()

    refused = api.post_sync(kiosk, {"protocol": 2, "cursor": cursor, "mutations": []})

    assert refused.status_code == 401
    assert refused.json()["detail"]["code"] == "token_revoked"
    assert hops == []


def test_a_connection_closed_while_idle_costs_no_failed_sync(api: Api, hops: list[str]):
    # Given a kiosk whose idle syncs run on the loop's connection, one statement each
    kiosk = api.enroll("35.07.01")
    cursor = api.sync(kiosk)["cursor"]  # a first sync, on a worker thread
    api.sync(kiosk, cursor=cursor)
    # When the database ends that connection's backend (a restart, an idle timeout)
    with psycopg.connect(libpq_url(api.settings.db_url), autocommit=True) as admin:
        ended = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND query LIKE %s",
            ["%token_hash%"],
        ).fetchall()
    assert ended and all(done for (done,) in ended)
    hops.clear()

    # Then the next idle sync is answered all the same, on a new connection
    answer = api.sync(kiosk, cursor=cursor)
    assert answer["cursor"] == cursor and hops == []
