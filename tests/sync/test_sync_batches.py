"""Batches on the wire: protocol-2 answers acknowledged by count, and a batch size that
is learned from the link, kept across syncs, shrunk when requests drag or fail."""

from __future__ import annotations

import socket

from kiosk_app.protocol.messages import COUNTED_ACCEPTS_VERSION
from kiosk_app.store import outbox, replica
from kiosk_app.store.settings import Key
from kiosk_app.sync.device import load_device
from kiosk_app.sync.engine import (
    DEFAULT_BATCH,
    MIN_BATCH,
    SyncEngine,
    learned_batch_size,
)
from tests.support import VILLAGE
from tests.support.faultproxy import DELAY, DROP_REQUEST, FaultProxy

OUTSIDE_VILLAGE = "53.10.01.2001"  # Manggarai (NTT), outside the kiosks' 35.07


def merchant(n: int, village: str = VILLAGE) -> dict[str, object]:
    return {"business_name": f"Toko {n:03d}", "owner_name": "Ani", "phone": "081234567890",
            "village_code": village}  # fmt: skip


def make_merchants(kiosk, count: int) -> None:
    for n in range(count):
        kiosk.store.create("merchant", merchant(n))


def engine_for(kiosk, url: str | None = None, **options) -> SyncEngine:
    device = load_device(kiosk.store)
    if url is not None:
        device = type(device)(url, device.device_id, device.token, device.region)
    return SyncEngine(lambda fn, *a: fn(kiosk.store, *a), device.client(), kiosk.blobs, **options)


def test_the_server_counts_and_the_kiosk_acknowledges_the_sent_and_not_rejected(make_kiosk):
    # Given three merchants in scope, one outside, and one more made after the batch left
    a = make_kiosk("a")
    a.sync()
    a.store.db.execute(
        "INSERT INTO region (code, name, level, parent_code) VALUES (?, 'Satar', 'village', ?)",
        [OUTSIDE_VILLAGE, "53.10.01"],
    )
    make_merchants(a, 3)
    with a.before_enrollment():  # enrolled, the kiosk itself refuses it
        outside = a.store.create("merchant", merchant(9, OUTSIDE_VILLAGE))
    batch = replica.prepare_push(a.store, 100)
    later = a.store.create("merchant", merchant(10))
    engine = a.engine()
    payload = {"protocol": COUNTED_ACCEPTS_VERSION, "cursor": batch.cursor, "node": batch.node,
               "mutations": [m.to_wire() for m in batch.mutations]}  # fmt: skip

    # When the server answers in protocol 2 and the kiosk applies it
    answer = engine.client.sync(payload)
    report = replica.apply_response(a.store, batch, answer)

    # Then no ids came back, yet exactly the sent and not rejected ones are acknowledged
    assert "accepted" not in answer and answer["accepted_count"] == 3
    assert (report.accepted, report.rejected) == (3, 1)
    assert [e.row_id for e in outbox.pending(a.store.db, 100)] == [later]
    [(row_id,)] = a.store.db.execute("SELECT row_id FROM sync_rejection").fetchall()
    assert row_id == outside
    engine.client.close()


def test_a_typical_backlog_goes_in_one_request(make_kiosk):
    a = make_kiosk("a")
    a.sync()
    make_merchants(a, 1200)  # more than the old cap of 1,000 a request

    result = a.sync()

    assert result.ok, result.error
    assert result.sent == 1200 and result.requests == 1
    assert learned_batch_size(a.store) == DEFAULT_BATCH


def test_the_learned_batch_size_is_kept_and_grows_while_full_batches_are_quick(make_kiosk):
    # Given a kiosk whose link was last measured to carry 50 mutations a request
    a = make_kiosk("a")
    a.sync()
    a.store.set_setting(Key.BATCH_SIZE, "50")
    make_merchants(a, 170)

    # When it syncs with a new engine (as after a restart)
    result = engine_for(a).sync_once()

    # Then it starts at 50 and doubles after each quick full batch: 50 + 100 + 20
    assert result.ok and result.sent == 170
    assert result.requests == 3
    assert learned_batch_size(a.store) == 200
    fresh = engine_for(a)
    fresh.sync_once()
    assert fresh.batch_size == 200


def test_a_request_slower_than_the_target_shrinks_the_batch(make_kiosk, server):
    # Given a link where every request waits 0.6 s, a target of 0.4 s, batches of 100
    a = make_kiosk("a")
    a.sync()
    make_merchants(a, 200)
    port = int(server.url.rsplit(":", 1)[1])
    with FaultProxy(port, fault_rate=1.0, kinds=(DELAY,), delay_ms=(600, 600)) as proxy:
        engine = engine_for(a, proxy.url, batch_size=100, target_request_s=0.4)

        result = engine.sync_once()
        engine.client.close()

    # Then after the first slow request the rest go in batches scaled to the target
    assert result.ok, result.error
    assert result.sent == 200 and result.requests == 3  # 100, then 50 and 50
    assert learned_batch_size(a.store) == MIN_BATCH


def test_a_request_cut_on_the_way_halves_the_batch_and_it_is_remembered(make_kiosk, server):
    # Given 400 pending mutations, and a link that cuts every request on its way
    a = make_kiosk("a")
    a.sync()
    make_merchants(a, 400)
    port = int(server.url.rsplit(":", 1)[1])
    with FaultProxy(port, fault_rate=1.0, kinds=(DROP_REQUEST,)) as proxy:
        engine = engine_for(a, proxy.url)

        result = engine.sync_once()
        engine.client.close()

    # Then nothing was lost, and the next try sends half of what failed
    assert result.error is not None and result.error.startswith("OfflineError")
    assert outbox.count(a.store.db) == 400
    assert learned_batch_size(a.store) == 200
    assert a.sync().ok and outbox.count(a.store.db) == 0


def test_a_server_that_cannot_be_reached_leaves_the_batch_size_alone(make_kiosk):
    a = make_kiosk("a")
    a.sync()
    a.store.set_setting(Key.BATCH_SIZE, "800")
    make_merchants(a, 400)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"  # nothing listens there

    result = engine_for(a, closed).sync_once()

    assert result.error is not None and result.error.startswith("OfflineError")
    assert learned_batch_size(a.store) == 800
