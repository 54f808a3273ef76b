"""What the server refused, per record: shown with its reason, sent again once fixed, or
deleted (on this kiosk only when the server never held it). The server's answers here
are the wire shape the real server sends (its message is "Indonesian (English)")."""

from __future__ import annotations

import json

import pytest

from kiosk_app.domain.errors import ValidationError
from kiosk_app.protocol import messages as protocol
from kiosk_app.store import delivery, outbox, refusals, replica
from kiosk_app.store.search import search_villages
from kiosk_app.store.settings import Key
from kiosk_app.store.store import Store
from tests.support import VILLAGE

OUTSIDE = "53.10.01.2001"  # Manggarai (NTT): in the sample list, outside the 35.07 scope
SERVER_SAYS = (
    "Data ini di luar wilayah kios (35.07); tidak diterima server. "
    "(Outside this device's region 35.07.)"
)


def sync_answer(store: Store, refuse: dict[str, tuple[str, str]]) -> replica.ApplyReport:
    """Send every pending mutation; the "server" refuses those of the rows in ``refuse``
    (row id -> code, message) and accepts the rest."""
    batch = replica.prepare_push(store, 1000)
    rejected = [
        {"id": m.id, "code": refuse[m.row_id][0], "message": refuse[m.row_id][1]}
        for m in batch.mutations
        if m.row_id in refuse
    ]
    answer = {"protocol": 2, "accepted_count": len(batch.mutations) - len(rejected),
              "rejected": rejected, "conflicts": [], "changes": [], "cursor": 1,
              "more": False, "missing_blobs": []}  # fmt: skip
    return replica.apply_response(store, batch, answer)


@pytest.fixture
def refused(store: Store, merchant_fields):
    """A merchant saved before enrollment in a village outside the later scope, with a
    product; enrolled for 35.07, the server refuses both (the product for its parent)."""
    merchant = store.create("merchant", {**merchant_fields, "village_code": OUTSIDE})
    product = store.create("product", {"merchant_id": merchant, "name": "Songke", "price": 1})
    store.move_stock(product, 4)
    store.set_setting(Key.REGION, "35.07")
    missing = f"Data induk (merchant {merchant}) belum ada di server; kirim itu dulu. (...)"
    report = sync_answer(
        store,
        {merchant: (protocol.REJECT_OUT_OF_SCOPE, SERVER_SAYS),
         product: (protocol.REJECT_UNKNOWN_PARENT, missing)},
    )  # fmt: skip
    assert report.rejected == 3 and outbox.count(store.db) == 0
    return merchant, product


def test_the_store_uses_the_protocols_refusal_codes():
    assert refusals.REJECT_INVALID == protocol.REJECT_INVALID
    assert refusals.REJECT_OUT_OF_SCOPE == protocol.REJECT_OUT_OF_SCOPE
    assert refusals.REJECT_UNKNOWN_PARENT == protocol.REJECT_UNKNOWN_PARENT


@pytest.mark.parametrize(
    ("message", "halves"),
    [
        (SERVER_SAYS, ("Data ini di luar wilayah kios (35.07); tidak diterima server.",
                       "Outside this device's region 35.07.")),
        ("Harga wajib diisi. (Price is required.)", ("Harga wajib diisi.", "Price is required.")),
        ("merchant needs a village_code", ("merchant needs a village_code",) * 2),
        ("(only brackets)", ("(only brackets)",) * 2),
    ],
)  # fmt: skip
def test_the_servers_message_splits_into_its_two_languages(message, halves):
    assert refusals.split_message(message) == halves


def test_a_refused_record_is_shown_refused_with_the_servers_reason(store, refused):
    merchant, product = refused

    found = refusals.open_refusals(store)

    assert [(r.entity, r.row_id) for r in found] == [("merchant", merchant), ("product", product)]
    first = found[0]
    assert first.label == "Kopi Bu Sri" and first.code == "out_of_scope"
    assert first.message_id == "Data ini di luar wilayah kios (35.07); tidak diterima server."
    assert first.never_on_server and "village_code" in first.fields
    assert "Ganti desanya" in first.advice[0]
    assert found[1].merchant_id == merchant and found[1].merchant_name == "Kopi Bu Sri"
    assert found[1].message_id == "Penjualnya belum ada di server (ditolak atau belum terkirim)."
    [state] = delivery.merchant_delivery(store)
    assert state.refused == 2 and not state.delivered
    assert replica.pending_summary(store)["rejected"] == 2
    assert [r.row_id for r in refusals.refusals_of(store, "product", product)] == [product]


def test_fixed_and_sent_again_the_whole_record_goes_back_to_the_outbox(store, refused):
    merchant, _product = refused
    before = json.loads(store.get("merchant", merchant)["clocks"])["business_name"]
    store.update("merchant", merchant, {"village_code": VILLAGE})

    queued = refusals.resend(store, "merchant", merchant)

    # The merchant whole (its creation was refused), the product, its stock move, then
    # the fix itself (an edit the server could not take before the merchant's creation)
    assert queued == 3
    entries = outbox.pending(store.db, 100)
    assert [(e.entity, e.op) for e in entries] == [
        ("merchant", "upsert"), ("product", "upsert"), ("product", "stock"),
        ("merchant", "upsert")]  # fmt: skip
    sent = entries[0].fields
    assert sent["village_code"] == VILLAGE and sent["business_name"] == "Kopi Bu Sri"
    assert {"owner_name", "phone", "status"} <= set(sent)
    assert entries[2].fields == {"stock": 4}
    assert json.loads(store.get("merchant", merchant)["clocks"])["business_name"] > before
    assert refusals.open_refusals(store) == []
    # Accepted this time: nothing refused, nothing waiting
    sync_answer(store, {})
    assert replica.pending_summary(store)["rejected"] == 0
    assert delivery.merchant_delivery(store)[0].delivered


def test_edits_made_after_the_refusal_go_after_the_creation_sent_again(store, refused):
    merchant, _product = refused
    store.update("merchant", merchant, {"address": "Dusun Wae Rebo"})  # waits in the outbox
    store.update("merchant", merchant, {"village_code": VILLAGE})

    refusals.resend(store, "merchant", merchant)

    entries = outbox.pending(store.db, 100)
    first = entries[0]
    assert first.entity == "merchant" and {"business_name", "address"} <= set(first.fields)
    assert [e.fields for e in entries[-2:] if e.entity == "merchant"] == [
        {"address": "Dusun Wae Rebo"},
        {"village_code": VILLAGE},
    ]


def test_refused_again_it_shows_refused_again(store, refused):
    merchant, _product = refused
    refusals.resend(store, "merchant", merchant)
    sync_answer(store, {merchant: (protocol.REJECT_OUT_OF_SCOPE, SERVER_SAYS)})
    assert [r.row_id for r in refusals.open_refusals(store)] == [merchant]


def test_deleting_a_record_the_server_never_held_sends_nothing(store, refused):
    merchant, product = refused
    photo_less = store.create("product", {"merchant_id": merchant, "name": "Ikat", "price": 2})

    refusals.delete_record(store, "merchant", merchant)

    assert store.get("merchant", merchant)["deleted"] == 1
    assert store.get("product", product)["deleted"] == 1
    assert store.get("product", photo_less)["deleted"] == 1
    assert outbox.count(store.db) == 0  # not even the new product's creation leaves
    assert refusals.open_refusals(store) == []
    assert delivery.merchant_delivery(store) == []


def test_deleting_a_record_the_server_holds_sends_its_tombstone(store, merchant_fields):
    merchant = store.create("merchant", merchant_fields)
    sync_answer(store, {})
    store.update("merchant", merchant, {"phone": "0812-9999-0000"})
    sync_answer(store, {merchant: (protocol.REJECT_INVALID, "Nomor HP salah. (Bad phone.)")})
    [refusal] = refusals.open_refusals(store)
    assert not refusal.never_on_server and refusal.message_id == "Nomor HP salah."

    refusals.delete_record(store, "merchant", merchant)

    [entry] = outbox.pending(store.db, 10)
    assert (entry.op, entry.row_id) == ("delete", merchant)
    assert refusals.open_refusals(store) == []


def test_an_unsent_record_is_deleted_here_only_a_sent_one_everywhere(store, merchant_fields):
    unsent = store.create("merchant", merchant_fields)
    refusals.delete_record(store, "merchant", unsent)
    assert outbox.count(store.db) == 0

    # Sent once (no answer yet): the server may hold it, so the tombstone follows it
    sent = store.create("merchant", merchant_fields)
    replica.prepare_push(store, 10)
    refusals.delete_record(store, "merchant", sent)
    assert [e.op for e in outbox.pending(store.db, 10)] == ["upsert", "delete"]


def test_a_merchant_outside_the_scope_is_refused_when_saved(store, merchant_fields):
    store.set_setting(Key.REGION, "35.07")
    with pytest.raises(ValidationError) as caught:
        store.create("merchant", {**merchant_fields, "village_code": OUTSIDE})
    [error] = caught.value.errors
    assert error.field == "village_code" and error.code == "village_code.out_of_scope"
    assert "di luar wilayah kios" in error.message_id and "Kabupaten Malang" in error.message_id
    inside = store.create("merchant", merchant_fields)
    with pytest.raises(ValidationError):
        store.update("merchant", inside, {"village_code": OUTSIDE})
    assert store.get("merchant", inside)["village_code"] == VILLAGE


def test_the_village_search_keeps_to_the_scope_even_with_the_whole_list(store):
    # "Satar" villages are in Manggarai (53.10) only
    assert search_villages(store.db, "Satar")
    assert search_villages(store.db, "Satar", scope="35.07") == []
    assert [v["code"] for v in search_villages(store.db, "Ternyang", scope="35.07")] == [VILLAGE]
    assert search_villages(store.db, "Ternyang", scope="35.07.12.2001")[0]["code"] == VILLAGE
