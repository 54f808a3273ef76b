"""Applying a server answer: a large pulled page merges by the replica's rules, and a
protocol-2 answer (a count, no accepted ids) acknowledges exactly what it accounts for."""

from __future__ import annotations

import json

import pytest

from kiosk_app.domain.hlc import HybridClock
from kiosk_app.domain.record_ids import uuid7
from kiosk_app.store import outbox, replica
from kiosk_app.store.search import search_products
from kiosk_app.store.store import Store

OTHER_NODE = "0123456789ab"


def product_change(row_id: str, merchant_id: str, stamp: str, **over: object) -> dict:
    fields = {"merchant_id": merchant_id, "name": f"Keripik {row_id[-6:]}",
              "description": "Produk desa", "price": 12000, "unit": "bungkus",
              "category": "makanan", "weight_g": None, "status": "published", "deleted": 0,
              "stock": 7}  # fmt: skip
    fields.update(over)
    stamps = {k: stamp for k in fields if k != "stock"}
    return {"seq": 1, "entity": "product", "row_id": row_id, "fields": fields, "hlc": stamps}


def pull(store: Store, changes: list[dict], conflicts: list[dict] = ()) -> replica.ApplyReport:
    batch = replica.PushBatch(replica.cursor(store), [], [])
    answer = {"changes": changes, "conflicts": list(conflicts), "cursor": 99, "more": False,
              "missing_blobs": [], "accepted_count": 0, "rejected": []}  # fmt: skip
    return replica.apply_response(store, batch, answer)


def other_ids(n: int) -> list[str]:
    return [uuid7() for _ in range(n)]


def test_a_fresh_kiosk_takes_a_page_of_over_a_thousand_changes(store: Store):
    # Given a page larger than one read chunk (500 ids), from another kiosk
    clock = HybridClock(OTHER_NODE)
    merchant = other_ids(1)[0]
    ids = other_ids(1200)
    changes = [product_change(i, merchant, clock.now()) for i in ids]

    # When it is applied
    report = pull(store, changes)

    # Then every row is there, searchable, with the server's stock and stamps, in order
    assert report.changes == 1200
    assert store.db.execute("SELECT count(*) FROM product").fetchone()[0] == 1200
    first = store.get("product", ids[0])
    assert first["stock"] == 7 and first["status"] == "published" and first["deleted"] == 0
    assert json.loads(first["clocks"])["name"] == changes[0]["hlc"]["name"]
    assert [r["id"] for r in store.db.query("SELECT id FROM product ORDER BY rowid")] == ids
    fts = "SELECT count(*) FROM product_fts WHERE product_fts MATCH 'keripik'"
    assert store.db.execute(fts).fetchone()[0] == 1200
    assert search_products(store.db, ids[-1][-6:])[0]["id"] == ids[-1]
    assert replica.cursor(store) == 99
    assert store.clock.last > changes[-1]["hlc"]["name"]  # our clock moved past theirs
    assert outbox.count(store.db) == 0


def test_local_unsent_edits_survive_a_large_pull_of_the_same_rows(store: Store, merchant_fields):
    # Given 600 products this kiosk made and the server acknowledged
    m = store.create("merchant", merchant_fields)
    ids = [store.create("product", {"merchant_id": m, "name": f"Teh {n}", "price": 5000,
                                    "stock": 10}) for n in range(600)]  # fmt: skip
    batch = replica.prepare_push(store, 5000)
    replica.apply_response(store, batch, {"accepted_count": len(batch.mutations), "cursor": 1})
    assert outbox.count(store.db) == 0
    # ... then, unsent, a new description and a sale of 3 on the first 50
    for row_id in ids[:50]:
        store.update("product", row_id, {"description": "Baru dari kios ini"})
        store.move_stock(row_id, -3)
    # ... while another kiosk renamed all 600 later and the server's stock total is 20
    clock = HybridClock(OTHER_NODE, wall=lambda: 9_999_999_999_000)
    changes = [
        product_change(i, m, clock.now(), name=f"Teh Celup {n}", description="Dari kios lain",
                       stock=20)
        for n, i in enumerate(ids)
    ]  # fmt: skip

    # When the pull of every row arrives
    pull(store, changes)

    # Then the unsent edits stand, the rest takes the newer values, stock adds our moves
    edited, untouched = store.get("product", ids[0]), store.get("product", ids[-1])
    assert edited["description"] == "Baru dari kios ini"
    assert edited["name"] == "Teh Celup 0"
    assert edited["stock"] == 20 - 3
    assert untouched["description"] == "Dari kios lain" and untouched["stock"] == 20
    assert outbox.count(store.db) == 100  # nothing unsent was dropped
    assert search_products(store.db, "celup 599")[0]["id"] == ids[-1]


def test_an_older_pulled_value_and_a_tombstone_merge_field_by_field(store: Store, merchant_fields):
    old = HybridClock(OTHER_NODE, wall=lambda: 1_000_000_000_000).now()
    m = store.create("merchant", merchant_fields)
    p = store.create("product", {"merchant_id": m, "name": "Gula Aren", "price": 9000})
    batch = replica.prepare_push(store, 100)
    replica.apply_response(store, batch, {"accepted_count": len(batch.mutations), "cursor": 1})
    newer = HybridClock(OTHER_NODE, wall=lambda: 9_999_999_999_000).now()
    stale = product_change(p, m, old, name="Nama lama")
    gone = {"seq": 2, "entity": "merchant", "row_id": m, "fields": {"deleted": 1},
            "hlc": {"deleted": newer}}  # fmt: skip

    pull(store, [stale, gone])

    assert store.get("product", p)["name"] == "Gula Aren"  # our newer value stays
    assert store.get("merchant", m)["deleted"] == 1


def test_a_change_and_a_reported_winner_of_one_row_apply_in_turn(store: Store):
    clock = HybridClock(OTHER_NODE)
    merchant, row = other_ids(2)
    first, later = clock.now(), clock.now()
    winner = {"entity": "product", "row_id": row, "field": "name", "won_value": "Pemenang",
              "won_hlc": later, "lost_value": "x", "lost_hlc": first}  # fmt: skip

    pull(store, [product_change(row, merchant, first)], [winner])

    assert store.get("product", row)["name"] == "Pemenang"
    assert json.loads(store.get("product", row)["clocks"])["name"] == later


# -- protocol 2: acknowledging without an echo of the accepted ids ---------------------


@pytest.fixture
def sent(store: Store, merchant_fields) -> replica.PushBatch:
    m = store.create("merchant", merchant_fields)
    for n in range(3):
        store.create("product", {"merchant_id": m, "name": f"Madu {n}", "price": 30000})
    return replica.prepare_push(store, 1000)


def test_protocol_2_acknowledges_what_was_sent_and_not_rejected(
    store: Store, sent, merchant_fields
):
    # Given four sent mutations, and one made after the batch left (unsent)
    refused = sent.mutations[2]
    store.create("merchant", {**merchant_fields, "business_name": "Belum terkirim"})
    answer = {"protocol": 2, "accepted_count": 3, "cursor": 5, "changes": [],
              "rejected": [{"id": refused.id, "code": "invalid", "message": "harga"}]}  # fmt: skip

    # When the answer is applied
    report = replica.apply_response(store, sent, answer)

    # Then the three others are acknowledged, the refused one recorded, the later one kept
    assert (report.accepted, report.rejected) == (3, 1)
    left = [e.id for e in outbox.pending(store.db, 100)]
    assert len(left) == 1 and left[0] not in {e.id for e in sent.mutations}
    assert store.db.execute("SELECT id FROM sync_rejection").fetchall() == [(refused.id,)]
    assert replica.cursor(store) == 5


@pytest.mark.parametrize(
    "answer",
    [
        {"accepted_count": 3, "rejected": []},  # one too few
        {"accepted_count": 5, "rejected": []},  # one too many
        {"accepted_count": 4, "rejected": [{"id": "not-ours", "code": "invalid", "message": ""}]},
        {"rejected": []},  # neither the ids nor the count
    ],
)
def test_a_count_that_does_not_match_acknowledges_nothing(store: Store, sent, answer):
    before = [e.id for e in outbox.pending(store.db, 100)]
    change = product_change(other_ids(1)[0], other_ids(1)[0], HybridClock(OTHER_NODE).now())

    with pytest.raises(replica.ResponseMismatchError):
        replica.apply_response(store, sent, {**answer, "cursor": 7, "changes": [change]})

    assert [e.id for e in outbox.pending(store.db, 100)] == before
    assert replica.cursor(store) == 0
    assert store.get("product", change["row_id"]) is None
    assert store.db.execute("SELECT count(*) FROM sync_rejection").fetchone()[0] == 0


def test_a_protocol_1_answer_acknowledges_the_listed_ids_only(store: Store, sent):
    listed = [e.id for e in sent.mutations[:2]]

    report = replica.apply_response(store, sent, {"accepted": listed, "rejected": [], "cursor": 3})

    assert report.accepted == 2
    assert [e.id for e in outbox.pending(store.db, 100)] == [e.id for e in sent.mutations[2:]]
