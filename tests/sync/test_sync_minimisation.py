"""Data minimisation over real sync: which personal fields reach another kiosk of the region.

Two kiosks of one region and the real server on loopback. The kiosk that registers a
merchant keeps every field it wrote; the server keeps them all; the region's other kiosk
gets what it needs to serve the merchant (names, phone, village, address, status,
consent) and, for the permits and email, only the fact that a value is on the server.
The public catalog shows none of the private fields.
"""

from __future__ import annotations

import json

import requests

from kiosk_app.domain.records import MERCHANT, WITHHELD_FIELDS, held_on_server
from tests.support import VILLAGE

PRIVATE = {
    "nib": "9120001234567",
    "npwp": "0123456789012345",
    "pirt": "206350301051225",
    "halal_cert": "ID35110000123450822",
    "email": "sri.rahasia@example.com",
}
SHARED = {
    "business_name": "Kopi Bu Sri",
    "owner_name": "Sri Wahyuni",
    "phone": "0812-3456-7890",
    "village_code": VILLAGE,
    "address": "Dusun Krajan RT 02",
    "consent_version": "persetujuan-v2",
    "consent_at": "2026-01-05T10:00:00+07:00",
    "consent_operator": "Wulan",
}


def registered(make_kiosk):
    """Kiosk A registers a merchant with every private field; B syncs after it."""
    a, b = make_kiosk("a"), make_kiosk("b")
    a.sync()
    b.sync()
    m = a.store.create("merchant", {**SHARED, **PRIVATE})
    p = a.store.create("product", {"merchant_id": m, "name": "Kopi Robusta", "price": 35000,
                                   "status": "published"})  # fmt: skip
    assert a.sync().ok
    assert b.sync().ok
    return a, b, m, p


def test_the_withheld_fields_are_the_permits_and_email():
    assert {"merchant": frozenset(PRIVATE)} == WITHHELD_FIELDS
    shared = set(MERCHANT.fields) - set(PRIVATE)
    assert {"business_name", "owner_name", "phone", "village_code", "address", "status",
            "consent_version", "consent_at", "consent_operator", "deleted"} == shared  # fmt: skip


def test_another_kiosk_gets_what_it_needs_and_not_the_private_fields(make_kiosk, server):
    a, b, m, _ = registered(make_kiosk)

    on_b = b.store.get("merchant", m)
    on_a = a.store.get("merchant", m)
    on_server = server.rows()["merchant"][m]

    # the other kiosk of the region: names, phone, village, address, status, consent
    assert on_b["business_name"] == "Kopi Bu Sri" and on_b["owner_name"] == "Sri Wahyuni"
    assert on_b["phone"] == "+6281234567890" and on_b["village_code"] == VILLAGE
    assert on_b["address"] == "Dusun Krajan RT 02" and on_b["status"] == "active"
    assert on_b["consent_version"] == "persetujuan-v2" and on_b["consent_operator"] == "Wulan"
    # ... and no permit or email, only the mark that the server holds them
    assert {k: on_b[k] for k in PRIVATE} == dict.fromkeys(PRIVATE)
    assert held_on_server("merchant", on_b["clocks"]) == set(PRIVATE)
    assert not any(v in json.dumps(on_b) for v in PRIVATE.values())
    # the registering kiosk and the server keep them all
    assert on_a["npwp"] == "0123456789012345" and on_a["email"] == "sri.rahasia@example.com"
    assert held_on_server("merchant", on_a["clocks"]) == frozenset()
    assert on_server["npwp"] == "0123456789012345" and on_server["nib"] == "9120001234567"


def test_an_edit_from_a_kiosk_without_them_leaves_them_intact(make_kiosk, server):
    a, b, m, _ = registered(make_kiosk)

    # B edits the merchant (a new phone, a new address) and syncs; so does A afterwards
    b.store.update("merchant", m, {"phone": "0813 1111 2222", "address": "Dusun Sumber"})
    assert b.sync().ok and b.sync().sent == 0
    assert a.sync().ok

    on_server = server.rows()["merchant"][m]
    assert {k: on_server[k] for k in PRIVATE} == {
        "nib": "9120001234567", "npwp": "0123456789012345", "pirt": "206350301051225",
        "halal_cert": "ID35110000123450822", "email": "sri.rahasia@example.com",
    }  # fmt: skip
    on_a = a.store.get("merchant", m)
    assert on_a["phone"] == "+6281311112222" and on_a["npwp"] == "0123456789012345"
    assert b.store.get("merchant", m)["npwp"] is None


def test_a_value_typed_at_the_other_kiosk_replaces_it_and_the_old_copy_is_dropped(
    make_kiosk, server
):
    a, b, m, _ = registered(make_kiosk)

    # the owner gives a new email at kiosk B
    b.store.update("merchant", m, {"email": "sri.baru@example.com"})
    assert held_on_server("merchant", b.store.get("merchant", m)["clocks"]) == set(PRIVATE) - {
        "email"
    }
    assert b.sync().ok
    assert a.sync().ok

    assert server.rows()["merchant"][m]["email"] == "sri.baru@example.com"
    on_a = a.store.get("merchant", m)
    # A's older copy is not kept; A knows a newer one is on the server
    assert on_a["email"] is None and "email" in held_on_server("merchant", on_a["clocks"])
    assert on_a["npwp"] == "0123456789012345"  # A's own, untouched
    assert b.store.get("merchant", m)["email"] == "sri.baru@example.com"


def test_an_empty_private_field_travels_as_empty(make_kiosk):
    a, b = make_kiosk("a"), make_kiosk("b")
    a.sync()
    m = a.store.create("merchant", {**SHARED, "npwp": "0123456789012345"})
    a.sync()
    b.sync()

    on_b = b.store.get("merchant", m)
    assert held_on_server("merchant", on_b["clocks"]) == {"npwp"}  # email was never given


def test_the_catalog_never_shows_the_private_fields(make_kiosk, server):
    _, _, m, p = registered(make_kiosk)

    pages = [requests.get(f"{server.url}{path}", timeout=10) for path in (f"/m/{m}", f"/p/{p}")]

    assert [r.status_code for r in pages] == [200, 200]
    assert all("Kopi Bu Sri" in r.text for r in pages)
    for r in pages:
        for value in (*PRIVATE.values(), "Sri Wahyuni", "Dusun Krajan"):
            assert value not in r.text
