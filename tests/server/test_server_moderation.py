"""Moderation and UU PDP on the server: find, hide from the catalog, erase, access export.

Records are written through the real sync API (``Seller``), on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from kiosk_app.domain.record_ids import uuid7
from kiosk_server import moderation
from kiosk_server.db import RECORD_TABLES, blob, blob_grant, blob_holder, conflict
from tests.catalog.conftest import Seller
from tests.server.helpers import OTHER_VILLAGE, Api, product_fields

merchant_t, product_t, photo_t = (RECORD_TABLES[e] for e in ("merchant", "product", "photo"))


@pytest.fixture
def seller(api: Api) -> Seller:
    return Seller(api, api.enroll("35.07"))


def test_find_by_name_phone_or_nib_inside_the_scope_only(api: Api, seller: Seller):
    # Given merchants in Malang (35.07) and one in Manggarai (53.10)
    kopi = seller.merchant(business_name="Kopi Bu Sri", phone="+6281234567890",
                           nib="1234567890123")  # fmt: skip
    seller.merchant(business_name="Keripik Pak Budi", owner_name="Budi", phone="+6281399990000")
    far = Seller(api, api.enroll("53.10")).merchant(
        business_name="Kopi Flores", village_code=OTHER_VILLAGE, phone="+6281311112222"
    )
    with api.engine.connect() as conn:

        def ids(text: str, scope: str | None) -> set[str]:
            return {r["id"] for r in moderation.find_merchants(conn, text, scope)}

        # Then a name part, a phone however it is written, and an NIB all find it
        assert ids("kopi", None) == {kopi, far}
        assert ids("0812-3456-7890", None) == {kopi}
        assert ids("+62 812 3456 7890", None) == {kopi}
        assert ids("1234567890123", None) == {kopi}
        assert ids("budi", None) and ids("%", None) == set()
        # And a coordinator of 35.07 never sees Manggarai's merchant
        assert ids("kopi", "35.07") == {kopi}
        assert ids("kopi", "53") == {far}
        with pytest.raises(moderation.NotFound):
            moderation.get_merchant(conn, far, "35.07")


def test_hide_and_unhide_a_product_and_a_merchant(api: Api, seller: Seller):
    m = seller.merchant()
    p = seller.product(m, name="Kopi Robusta")
    q = seller.product(m, name="Kopi Arabika")
    assert api.client.get(f"/p/{p}").status_code == 200

    # When a coordinator hides the product with a reason
    moderation.hide(api.engine, "product", p, "Foto tidak pantas", "admin@example.id", "35.07")
    # Then the catalog no longer shows it, and the other product stays
    assert api.client.get(f"/p/{p}").status_code == 404
    assert "Kopi Robusta" not in api.client.get("/cari", params={"q": "kopi"}).text
    assert "Kopi Arabika" in api.client.get(f"/m/{m}").text
    with api.engine.connect() as conn:
        row = conn.execute(select(product_t).where(product_t.c.id == p)).one()
    assert (row.hidden_reason, row.hidden_by) == ("Foto tidak pantas", "admin@example.id")

    # And a kiosk's later edit does not show it again (hiding is the server's alone)
    seller.push("product", p, price=40000)
    assert api.client.get(f"/p/{p}").status_code == 404

    # When the whole merchant is hidden, none of its products shows
    moderation.hide(api.engine, "merchant", m, "Laporan penipuan", "admin@example.id", None)
    assert api.client.get(f"/m/{m}").status_code == 404
    assert api.client.get(f"/p/{q}").status_code == 404
    # And unhiding brings them back
    moderation.unhide(api.engine, "merchant", m, None)
    moderation.unhide(api.engine, "product", p, None)
    assert api.client.get(f"/p/{p}").status_code == 200
    assert api.client.get(f"/p/{q}").status_code == 200


def test_hide_needs_a_reason_and_stays_inside_the_scope(api: Api, seller: Seller):
    m = seller.merchant()
    with pytest.raises(moderation.BadReason):
        moderation.hide(api.engine, "merchant", m, "  ", "a@example.id", None)
    with pytest.raises(moderation.NotFound):
        moderation.hide(api.engine, "merchant", m, "alasan jelas", "a@example.id", "53.10")
    with pytest.raises(moderation.NotFound):
        moderation.hide(api.engine, "photo", m, "alasan jelas", "a@example.id", None)
    assert api.client.get(f"/m/{m}").status_code == 200


def test_erasure_deletes_personal_data_and_blobs_and_reaches_the_pull(api: Api, seller: Seller):
    # Given a merchant with a product, a photo whose blobs only it uses, and a conflict
    m = seller.merchant(nib="1234567890123", email="sri@example.id")
    p = seller.product(m)
    full, thumb = seller.photo(p, seed="hanya-ini")
    kept = seller.merchant(business_name="Warung Lain")
    other = seller.product(kept)
    shared_full, shared_thumb = seller.photo(other, seed="bersama")
    seller.photo(p, seed="bersama")  # the same image also under the erased merchant
    with api.engine.begin() as conn:
        conn.execute(conflict.insert().values(entity="merchant", row_id=m, field="phone",
                     lost_value='"+62811"', lost_hlc="x", won_value='"+62812"', won_hlc="y",
                     created_at="2026-11-20"))  # fmt: skip
    watcher = api.enroll("35.07.12", name="Kios lain")
    cursor = api.sync(watcher)["cursor"]

    # When the coordinator carries out the erasure request
    done = moderation.erase(api.engine, api.blobs, m, "35.07")

    # Then nothing personal is left on the server: the row is a bare tombstone
    assert (done.products, done.photos, done.blobs) == (1, 2, 2)
    with api.engine.connect() as conn:
        row = conn.execute(select(merchant_t).where(merchant_t.c.id == m)).one()
        assert row.erased_at and row.deleted == 1 and row.clocks == "{}"
        for field in ("business_name", "owner_name", "phone", "nib", "email", "address",
                      "consent_operator", "village_code"):  # fmt: skip
            assert getattr(row, field) is None
        assert conn.execute(select(func.count()).select_from(product_t)
                            .where(product_t.c.merchant_id == m)).scalar() == 0  # fmt: skip
        assert conn.execute(select(func.count()).select_from(conflict)).scalar() == 0
        left = {r[0] for r in conn.execute(select(blob.c.sha256))}
        assert full not in left and thumb not in left
        assert {shared_full, shared_thumb} <= left  # still shown by the other merchant
        for table in (blob_holder, blob_grant):
            assert full not in {r[0] for r in conn.execute(select(table.c.sha256))}
    assert api.blobs.size(full) is None
    assert api.blobs.size(shared_full) is not None
    assert api.client.get(f"/m/{m}").status_code == 404

    # And the next pull of a kiosk in the region carries the erasure, fields-free
    changes = api.sync(watcher, cursor=cursor)["changes"]
    assert [(c["entity"], c["row_id"], c.get("erased"), c["fields"]) for c in changes] == [
        ("merchant", m, True, {})
    ]
    # And a kiosk outside the region does not hear of it
    far = api.enroll("53.10")
    assert all(c["row_id"] != m for c in api.pull_all(far))

    # And pending edits from a kiosk that had not heard yet cannot bring anything back
    answer = api.sync(seller.device, [
        seller.device.mutation("merchant", m, business_name="Kopi Bu Sri lagi"),
        seller.device.mutation("product", p, **product_fields(m, name="Produk lama")),
        seller.device.mutation("product", uuid7(), **product_fields(m, name="Produk baru")),
    ])  # fmt: skip
    assert [r["code"] for r in answer["rejected"]] == ["erased"] * 3
    with api.engine.connect() as conn:
        assert conn.execute(select(merchant_t.c.business_name)
                            .where(merchant_t.c.id == m)).scalar() is None  # fmt: skip
        assert conn.execute(select(func.count()).select_from(product_t)
                            .where(product_t.c.merchant_id == m)).scalar() == 0  # fmt: skip
    # And an erasure cannot run twice, nor outside the coordinator's region
    with pytest.raises(moderation.NotFound):
        moderation.erase(api.engine, api.blobs, m, None)
    with pytest.raises(moderation.NotFound):
        moderation.erase(api.engine, api.blobs, kept, "53.10")


def test_access_export_holds_the_merchants_data_and_nothing_internal(api: Api, seller: Seller):
    m = seller.merchant(nib="1234567890123")
    p = seller.product(m, name="Kopi Robusta")
    seller.photo(p)
    with api.engine.connect() as conn:
        data = moderation.access_export(conn, m, "35")
        with pytest.raises(moderation.NotFound):
            moderation.access_export(conn, m, "53")
    text = json.dumps(data)
    assert data["merchant"]["owner_name"] == "Sri Wahyuni"
    assert data["merchant"]["nib"] == "1234567890123"
    assert data["merchant"]["consent_version"] == "persetujuan-v1"
    assert [p["name"] for p in data["products"]] == ["Kopi Robusta"]
    assert len(data["products"][0]["photos"]) == 1
    assert "clocks" not in text and "stock_nodes" not in text
