"""Writes commit with their outbox entries; validation refuses bad data and writes nothing."""

from __future__ import annotations

import json

import pytest

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.hlc import Stamp
from kiosk_app.store import outbox
from kiosk_app.store.store import NotFoundError, Store


def test_create_merchant_writes_row_and_one_upsert(store: Store, merchant_fields):
    merchant_id = store.create("merchant", merchant_fields)

    row = store.get("merchant", merchant_id)
    assert row is not None
    assert row["phone"] == "+6281234567890"
    [entry] = outbox.pending(store.db)
    assert (entry.entity, entry.row_id, entry.op) == ("merchant", merchant_id, "upsert")
    assert entry.fields["phone"] == "+6281234567890"
    assert entry.fields["business_name"] == "Kopi Bu Sri"
    clocks = json.loads(row["clocks"])
    assert set(clocks) == set(entry.fields)
    assert set(clocks.values()) == {entry.hlc}


def test_update_sends_only_changed_fields_with_a_newer_stamp(store: Store, merchant_fields):
    merchant_id = store.create("merchant", merchant_fields)

    assert store.update(
        "merchant", merchant_id, {"address": "Jl. Baru 1", "owner_name": "Sri Wahyuni"}
    )
    assert not store.update("merchant", merchant_id, {"address": "Jl. Baru 1"})

    first, second = outbox.pending(store.db)
    assert second.fields == {"address": "Jl. Baru 1"}
    assert Stamp.parse(second.hlc) > Stamp.parse(first.hlc)
    clocks = json.loads(store.get("merchant", merchant_id)["clocks"])
    assert clocks["address"] == second.hlc
    assert clocks["owner_name"] == first.hlc


def test_stock_travels_as_additive_deltas(store: Store, merchant_fields):
    merchant_id = store.create("merchant", merchant_fields)
    product_id = store.create(
        "product",
        {"merchant_id": merchant_id, "name": "Kopi Robusta", "price": "Rp35.000", "stock": 10},
    )

    store.update("product", product_id, {"stock": 7})
    assert store.move_stock(product_id, 5) == 12

    assert store.get("product", product_id)["stock"] == 12
    stock_moves = [e.fields["stock"] for e in outbox.pending(store.db) if e.op == "stock"]
    assert stock_moves == [10, -3, 5]
    assert "stock" not in outbox.pending(store.db)[1].fields  # the product upsert


def test_stock_cannot_go_negative(store: Store, merchant_fields):
    merchant_id = store.create("merchant", merchant_fields)
    product_id = store.create(
        "product", {"merchant_id": merchant_id, "name": "Gula Aren", "price": 20000}
    )
    before = outbox.count(store.db)

    with pytest.raises(ValidationError):
        store.move_stock(product_id, -1)

    assert outbox.count(store.db) == before
    assert store.get("product", product_id)["stock"] == 0


def test_invalid_fields_write_nothing(store: Store, merchant_fields):
    bad = {**merchant_fields, "phone": "12345", "village_code": "99.99.99.9999"}

    with pytest.raises(ValidationError) as info:
        store.create("merchant", bad)

    assert "phone" in {e.field for e in info.value.errors}
    assert store.db.execute("SELECT count(*) FROM merchant").fetchone()[0] == 0
    assert outbox.count(store.db) == 0


def test_unknown_village_is_refused_in_indonesian(store: Store, merchant_fields):
    with pytest.raises(ValidationError) as info:
        store.create("merchant", {**merchant_fields, "village_code": "35.07.12.2999"})

    [error] = info.value.errors
    assert error.field == "village_code"
    assert "tidak ada dalam daftar wilayah" in error.message_id


def test_product_needs_a_live_merchant(store: Store, merchant_fields):
    merchant_id = store.create("merchant", merchant_fields)
    store.delete("merchant", merchant_id)

    with pytest.raises(ValidationError) as info:
        store.create("product", {"merchant_id": merchant_id, "name": "Teh", "price": 5000})

    assert info.value.errors[0].field == "merchant_id"


def test_delete_is_a_tombstone_that_takes_children(store: Store, merchant_fields):
    merchant_id = store.create("merchant", merchant_fields)
    product_id = store.create("product", {"merchant_id": merchant_id, "name": "Teh", "price": 5000})
    photo_id = store.create(
        "photo",
        {"product_id": product_id, "position": 0, "sha256": "a" * 64, "thumb_sha256": "b" * 64},
    )

    store.delete("merchant", merchant_id)
    store.delete("merchant", merchant_id)  # twice: nothing more

    for entity, row_id in (("merchant", merchant_id), ("product", product_id), ("photo", photo_id)):
        row = store.get(entity, row_id)
        assert row is not None and row["deleted"] == 1
    deletes = [(e.entity, e.row_id) for e in outbox.pending(store.db) if e.op == "delete"]
    assert deletes == [("merchant", merchant_id), ("product", product_id), ("photo", photo_id)]
    with pytest.raises(NotFoundError):
        store.update("merchant", merchant_id, {"address": "x"})


def test_upsert_by_id_sets_only_named_fields(store: Store, merchant_fields):
    merchant_id = "01970a1e-0000-7000-8000-0000000000ff"
    assert store.upsert("merchant", merchant_id, merchant_fields)

    store.upsert("merchant", merchant_id, {"address": "Dusun Krajan"})

    row = store.get("merchant", merchant_id)
    assert row["address"] == "Dusun Krajan"
    assert row["business_name"] == "Kopi Bu Sri"


def test_clock_and_node_survive_reopen(tmp_path, merchant_fields):
    from kiosk_app.store.regions import import_regions_csv
    from tests.support import SAMPLE_REGIONS

    first = Store.open(tmp_path / "k.db")
    import_regions_csv(first.db, SAMPLE_REGIONS)
    first.create("merchant", merchant_fields)
    node, last = first.node_id, first.clock.last
    first.close()

    # The wall clock stepping back (a dead CMOS battery) must not reorder our writes.
    second = Store.open(tmp_path / "k.db")
    second.clock._wall = lambda: 0
    stamp = second.clock.now()

    assert second.node_id == node
    assert Stamp.parse(stamp) > Stamp.parse(last)
    second.close()


def test_preparing_a_push_counts_an_attempt_on_exactly_the_batch(store: Store, merchant_fields):
    from kiosk_app.store import replica

    for n in range(5):
        store.create("merchant", {**merchant_fields, "business_name": f"Toko {n}"})

    first = replica.prepare_push(store, 3)
    replica.prepare_push(store, 3)  # a retry of the same oldest entries
    rows = store.db.execute("SELECT id, attempts FROM outbox ORDER BY seq").fetchall()

    assert [e.id for e in first.mutations] == [r[0] for r in rows[:3]]
    assert [r[1] for r in rows] == [2, 2, 2, 0, 0]
    assert all(e.size == len(json.dumps(e.fields, ensure_ascii=False).encode())
               for e in first.mutations)  # fmt: skip
