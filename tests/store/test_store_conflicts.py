"""Settling conflicts (keep mine / keep theirs) and what has not reached the server yet."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pytest

from kiosk_app.domain.hlc import HybridClock, Stamp
from kiosk_app.store import conflicts, delivery, outbox, photos, replica
from kiosk_app.store.conflicts import MINE, THEIRS
from kiosk_app.store.store import Store

OTHER_NODE = "0123456789ab"


@dataclass(frozen=True)
class Image:
    full: bytes
    thumb: bytes
    width: int = 1600
    height: int = 1200

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.full).hexdigest()

    @property
    def thumb_sha256(self) -> str:
        return hashlib.sha256(self.thumb).hexdigest()


class Blobs:
    def put(self, data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()


def push_and_answer(store: Store, conflict_for=None, missing=()) -> None:
    """Send everything pending; the server accepts it, reports ``conflict_for`` and
    says it lacks the blobs ``missing``."""
    batch = replica.prepare_push(store, 1000)
    response = {
        "accepted": [m.id for m in batch.mutations],
        "conflicts": conflict_for(batch) if conflict_for else [],
        "changes": [],
        "cursor": replica.cursor(store) + 1,
        "missing_blobs": list(missing),
    }
    replica.apply_response(store, batch, response)


def other_stamp(store: Store) -> str:
    """A stamp of another kiosk, taken now on the test's clock: later than every stamp
    this store has taken so far (never in the same millisecond)."""
    return HybridClock(OTHER_NODE, wall=store.wall).now()


@pytest.fixture
def merchant_id(store: Store, merchant_fields) -> str:
    m = store.create("merchant", merchant_fields)
    push_and_answer(store)
    return m


def my_edit_lost(store: Store, merchant_id: str) -> None:
    """I renamed the merchant; another kiosk's later rename won at the server."""
    store.update("merchant", merchant_id, {"business_name": "Kopi Bu Sri Asli"})
    mine = json.loads(store.get("merchant", merchant_id)["clocks"])["business_name"]

    def report(batch):
        return [{"entity": "merchant", "row_id": merchant_id, "field": "business_name",
                 "won_value": "Warung Kopi Sri", "won_hlc": other_stamp(store),
                 "lost_value": "Kopi Bu Sri Asli", "lost_hlc": mine}]  # fmt: skip

    push_and_answer(store, report)


def test_a_lost_edit_is_listed_with_both_values(store: Store, merchant_id: str):
    my_edit_lost(store, merchant_id)

    [c] = conflicts.open_conflicts(store)

    assert (c.entity, c.row_id, c.field) == ("merchant", merchant_id, "business_name")
    assert (c.mine, c.theirs, c.mine_won) == ("Kopi Bu Sri Asli", "Warung Kopi Sri", False)
    assert c.record == "Warung Kopi Sri"  # the record holds the winner now
    assert store.get("merchant", merchant_id)["business_name"] == "Warung Kopi Sri"


def test_keep_mine_writes_my_value_again_with_a_newer_stamp(store: Store, merchant_id: str):
    my_edit_lost(store, merchant_id)
    [c] = conflicts.open_conflicts(store)
    winner_stamp = json.loads(store.get("merchant", merchant_id)["clocks"])["business_name"]

    written = conflicts.resolve(store, c.id, MINE)

    assert written is True
    row = store.get("merchant", merchant_id)
    assert row["business_name"] == "Kopi Bu Sri Asli"
    [entry] = outbox.pending(store.db, limit=10)
    assert (entry.entity, entry.row_id, entry.fields) == (
        "merchant", merchant_id, {"business_name": "Kopi Bu Sri Asli"},
    )  # fmt: skip
    assert Stamp.parse(entry.hlc) > Stamp.parse(winner_stamp)
    assert conflicts.open_conflicts(store) == []
    resolved = store.db.execute("SELECT resolved_at, resolution FROM conflict").fetchone()
    assert resolved[0] is not None and resolved[1] == MINE


def test_keep_theirs_leaves_the_servers_value_and_sends_nothing(store: Store, merchant_id: str):
    my_edit_lost(store, merchant_id)
    [c] = conflicts.open_conflicts(store)

    written = conflicts.resolve(store, c.id, THEIRS)

    assert written is False
    assert store.get("merchant", merchant_id)["business_name"] == "Warung Kopi Sri"
    assert outbox.count(store.db) == 0
    assert conflicts.open_conflicts(store) == []
    with pytest.raises(conflicts.ConflictGoneError):
        conflicts.resolve(store, c.id, MINE)


def test_when_my_edit_won_keep_theirs_writes_their_value(store: Store, merchant_id: str):
    # My edit replaced a value another kiosk had written meanwhile (I never saw it).
    their_stamp = other_stamp(store)
    store.update("merchant", merchant_id, {"address": "Dusun Krajan"})

    def report(batch):
        mine = batch.mutations[0].hlc
        return [{"entity": "merchant", "row_id": merchant_id, "field": "address",
                 "won_value": "Dusun Krajan", "won_hlc": mine,
                 "lost_value": "Jl. Kawi 3", "lost_hlc": their_stamp}]  # fmt: skip

    push_and_answer(store, report)
    [c] = conflicts.open_conflicts(store)
    assert (c.mine, c.theirs, c.mine_won) == ("Dusun Krajan", "Jl. Kawi 3", True)

    assert conflicts.resolve(store, c.id, THEIRS) is True

    assert store.get("merchant", merchant_id)["address"] == "Jl. Kawi 3"
    [entry] = outbox.pending(store.db, limit=10)
    assert entry.fields == {"address": "Jl. Kawi 3"}


def test_keep_mine_restores_a_record_another_kiosk_deleted(store: Store, merchant_id: str):
    product = store.create("product", {"merchant_id": merchant_id, "name": "Gula Aren",
                                       "price": 20000})  # fmt: skip
    push_and_answer(store)
    store.update("product", product, {"price": 25000})
    mine = None

    def report(batch):
        nonlocal mine
        mine = batch.mutations[0].hlc
        return [{"entity": "product", "row_id": product, "field": "deleted",
                 "won_value": 1, "won_hlc": other_stamp(store),
                 "lost_value": 0, "lost_hlc": mine}]  # fmt: skip

    push_and_answer(store, report)
    assert store.get("product", product)["deleted"] == 1
    [c] = conflicts.open_conflicts(store)
    assert (c.record, c.merchant) == ("Gula Aren", "Kopi Bu Sri")

    conflicts.resolve(store, c.id, MINE)

    assert store.get("product", product)["deleted"] == 0
    [entry] = outbox.pending(store.db, limit=10)
    assert entry.fields == {"deleted": 0}


def test_a_failed_write_leaves_the_conflict_open(store: Store, merchant_id: str):
    store.update("merchant", merchant_id, {"phone": "0813 1111 2222"})

    def report(batch):
        return [{"entity": "merchant", "row_id": merchant_id, "field": "phone",
                 "won_value": "+6281399998888", "won_hlc": other_stamp(store),
                 "lost_value": "not a phone", "lost_hlc": batch.mutations[0].hlc}]  # fmt: skip

    push_and_answer(store, report)
    [c] = conflicts.open_conflicts(store)

    with pytest.raises(Exception, match=r"(?i)phone|telepon|nomor"):
        conflicts.resolve(store, c.id, MINE)

    assert [x.id for x in conflicts.open_conflicts(store)] == [c.id]
    assert outbox.count(store.db) == 0


def test_replacing_our_own_older_value_is_no_conflict(store: Store, merchant_id: str):
    # The server reports every overwritten value; this one was our own earlier one.
    created = json.loads(store.get("merchant", merchant_id)["clocks"])["address"]
    store.update("merchant", merchant_id, {"address": "Dusun Krajan"})

    def report(batch):
        return [{"entity": "merchant", "row_id": merchant_id, "field": "address",
                 "won_value": "Dusun Krajan", "won_hlc": batch.mutations[0].hlc,
                 "lost_value": "Jl. Raya Ternyang No. 5", "lost_hlc": created}]  # fmt: skip

    push_and_answer(store, report)

    assert conflicts.open_conflicts(store) == []


def test_merchant_delivery_counts_changes_and_photos_until_confirmed(
    store: Store, merchant_id: str, merchant_fields
):
    other = store.create("merchant", {**merchant_fields, "business_name": "Warung Bu Tini"})
    product = store.create("product", {"merchant_id": merchant_id, "name": "Kopi Robusta",
                                       "price": 15000, "stock": 3})  # fmt: skip
    photos.add_photo(store, product, Image(b"full-1", b"thumb-1"), Blobs())

    listed = {d.business_name: d for d in delivery.merchant_delivery(store)}

    # merchant upsert (other); product upsert + stock move + photo (Kopi Bu Sri)
    assert listed["Warung Bu Tini"].pending_changes == 1
    assert listed["Kopi Bu Sri"].pending_changes == 3
    assert listed["Kopi Bu Sri"].pending_photos == 1
    assert not listed["Kopi Bu Sri"].delivered
    queue = delivery.upload_queue(store)
    assert [(q.kind, q.product_name, q.sent) for q in queue] == [
        ("thumb", "Kopi Robusta", 0), ("full", "Kopi Robusta", 0),
    ]  # fmt: skip
    assert other

    # The records arrive; the server lacks both images, then confirms the thumbnail.
    push_and_answer(store, missing=[q.sha256 for q in queue])
    assert {d.business_name: d for d in delivery.merchant_delivery(store)}[
        "Kopi Bu Sri"
    ].pending_photos == 1
    replica.confirm_blobs(store, [queue[0].sha256])

    listed = {d.business_name: d for d in delivery.merchant_delivery(store)}
    assert listed["Kopi Bu Sri"].pending_changes == 0
    assert listed["Kopi Bu Sri"].pending_photos == 1
    assert [q.kind for q in delivery.upload_queue(store)] == ["full"]
    replica.confirm_blobs(store, [queue[1].sha256])
    assert all(d.delivered for d in delivery.merchant_delivery(store))
    assert delivery.upload_queue(store) == []
