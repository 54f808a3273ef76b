"""Backpressure on POST /v1/sync: a process at its limit answers 503 + Retry-After and does
nothing of the request; first syncs (cursor 0) need one of their own few places.

The gates' places are taken by the test itself (``Gate.active``), so "the server is at
its limit" is a state the test sets, not a race it hopes to win. The burst of 200
kiosks against a live process is in ``test_server_burst.py``.
"""

from __future__ import annotations

import asyncio

import pytest

from kiosk_app.domain.record_ids import uuid7
from kiosk_app.protocol.messages import ERR_SERVER_BUSY
from kiosk_server.admission import Gate
from kiosk_server.config import Settings
from tests.server.helpers import Api, dump, merchant_fields


@pytest.fixture
def settings(tmp_path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        sync_concurrency=2,
        sync_wait_s=0.05,
        first_sync_concurrency=1,
        first_sync_wait_s=0.05,
        busy_retry_after_s=3,
        first_sync_retry_after_s=7,
    )


def _admission(api: Api):
    return api.client.app.state.ctx.admission


def _body(cursor: int, mutations=()) -> dict:
    return {"protocol": 2, "cursor": cursor, "mutations": list(mutations)}


def test_a_full_process_answers_503_with_retry_after_and_applies_nothing(api: Api):
    kiosk = api.enroll()
    first = api.sync(kiosk)  # its first sync, admitted: the gates are free
    before = dump(api.engine)
    batch = [kiosk.mutation("merchant", uuid7(), **merchant_fields())]
    admission = _admission(api)
    admission.syncs.active = admission.syncs.limit  # every place taken

    busy = api.post_sync(kiosk, _body(first["cursor"], batch))

    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "3"
    assert busy.json()["detail"]["code"] == ERR_SERVER_BUSY
    assert "sibuk" in busy.json()["detail"]["message"]
    assert dump(api.engine) == before  # nothing of it was applied
    assert admission.syncs.refused == 1

    admission.syncs.active = 0  # the burst is over: the same request again
    again = api.post_sync(kiosk, _body(first["cursor"], batch))
    assert again.status_code == 200
    assert again.json()["accepted_count"] == 1
    assert admission.syncs.active == 0  # every place given back after the answer


def test_first_syncs_wait_for_their_own_gate_and_other_syncs_pass(api: Api):
    old, fresh = api.enroll(), api.enroll()
    cursor = api.sync(old)["cursor"]
    admission = _admission(api)
    admission.first_syncs.active = admission.first_syncs.limit  # a first sync running

    refused = api.post_sync(fresh, _body(0))
    passed = api.post_sync(old, _body(cursor))
    push_alone = api.post_sync(fresh, {**_body(0), "limit": 0})  # pulls nothing: not heavy

    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "7"
    assert passed.status_code == 200
    assert push_alone.status_code == 200
    assert admission.syncs.active == 0  # the refused first sync gave its place back
    admission.first_syncs.active = 0
    assert api.post_sync(fresh, _body(0)).status_code == 200
    assert admission.first_syncs.active == 0


def test_503_is_in_the_openapi_document_of_sync(api: Api):
    document = api.client.get("/openapi.json").json()
    assert "503" in document["paths"]["/v1/sync"]["post"]["responses"]


def test_gate_hands_places_over_in_order_and_bounds_waits():
    async def scenario() -> list[str]:
        gate = Gate(1, queue=1)
        events: list[str] = []
        assert await gate.enter(0)  # free: taken at once
        assert not await gate.enter(0)  # full, no wait allowed

        async def waiter(name: str, wait: float) -> None:
            events.append(f"{name}:{await gate.enter(wait)}")

        second = asyncio.create_task(waiter("second", 5.0))
        await asyncio.sleep(0)
        assert not await gate.enter(5.0)  # the queue (one waiter) is full: refused now
        gate.leave()  # handed to the waiter, never free in between
        await second
        assert gate.active == 1
        assert not await gate.enter(0.01)  # waited 10 ms, nobody left
        gate.leave()
        assert gate.active == 0
        cancelled = asyncio.create_task(waiter("cancelled", 5.0))
        gate.active = 1
        await asyncio.sleep(0)
        cancelled.cancel()
        await asyncio.gather(cancelled, return_exceptions=True)
        gate.leave()
        assert gate.active == 0  # a cancelled waiter holds nothing
        events.append(f"refused:{gate.refused}")
        return events

    assert asyncio.run(scenario()) == ["second:True", "refused:3"]
