"""POST /v1/sync on SQLite and PostgreSQL: idempotency, merge, stock, tombstones, scope,
cursors and pages, regions, echoes, conflicts, gzip, limits and protocol versions."""

from __future__ import annotations

import gzip
import json

from sqlalchemy import select

from kiosk_app.domain.hlc import Stamp
from kiosk_app.domain.record_ids import uuid7
from kiosk_app.protocol.messages import (
    COUNTED_ACCEPTS_VERSION,
    MAX_MUTATIONS_PER_REQUEST,
    PROTOCOL_VERSION,
    REJECT_INVALID,
    REJECT_OUT_OF_SCOPE,
    REJECT_UNKNOWN_PARENT,
)
from kiosk_server.db import conflict, counter, merchant, product
from tests.server.helpers import (
    NEAR_VILLAGE,
    OTHER_VILLAGE,
    Api,
    dump,
    merchant_fields,
    photo_fields,
    product_fields,
)
from tests.support import VILLAGE

SHA_A, SHA_B = "a" * 64, "b" * 64


def records(changes, entity):
    return {c["row_id"]: c for c in changes if c["entity"] == entity}


def test_one_request_sent_three_times_changes_nothing_after_the_first(api: Api):
    kiosk = api.enroll()
    m, p = uuid7(), uuid7()
    batch = [
        kiosk.mutation("merchant", m, **merchant_fields()),
        kiosk.mutation("product", p, **product_fields(m)),
        kiosk.mutation("product", p, op="stock", stock=7),
        kiosk.mutation("merchant", m, address="Dusun Krajan"),
    ]

    first = api.sync(kiosk, batch)
    state = dump(api.engine)
    second = api.sync(kiosk, batch)
    third = api.sync(kiosk, batch)

    assert first["accepted"] == [b["id"] for b in batch]
    assert second["accepted"] == third["accepted"] == first["accepted"]
    assert dump(api.engine) == state  # no row, stamp, seq, stock or conflict changed
    product = records(api.pull_all(api.enroll()), "product")[p]
    assert product["fields"]["stock"] == 7


def test_concurrent_edits_of_different_fields_both_survive(api: Api):
    a, b = api.enroll(), api.enroll()
    m = uuid7()
    api.sync(a, [a.mutation("merchant", m, **merchant_fields())])

    api.sync(b, [b.mutation("merchant", m, phone="+6281311112222")])
    api.sync(a, [a.mutation("merchant", m, address="Dusun Krajan")])

    row = records(api.pull_all(api.enroll()), "merchant")[m]["fields"]
    assert row["phone"] == "+6281311112222"
    assert row["address"] == "Dusun Krajan"


def test_concurrent_edits_of_one_field_keep_the_latest_and_report_the_loser(api: Api):
    a, b = api.enroll(), api.enroll()
    m = uuid7()
    api.sync(a, [a.mutation("merchant", m, **merchant_fields())])
    older = a.mutation("merchant", m, business_name="Kopi Sri Lama")
    newer = b.mutation("merchant", m, business_name="Kopi Sri Baru")

    api.sync(b, [newer])
    answer = api.sync(a, [older])  # arrives late, written earlier: it loses

    assert answer["accepted"] == [older["id"]]
    assert answer["conflicts"] == [
        {"entity": "merchant", "row_id": m, "field": "business_name",
         "lost_value": "Kopi Sri Lama", "lost_hlc": older["hlc"],
         "won_value": "Kopi Sri Baru", "won_hlc": newer["hlc"]}
    ]  # fmt: skip
    with api.engine.connect() as conn:
        kept = conn.execute(select(conflict.c.lost_value, conflict.c.won_hlc)).all()
    # Every replaced value is kept (the server cannot tell a concurrent edit from a
    # later one): the first name replaced by B's edit, and A's late edit.
    assert sorted((json.loads(v), h) for v, h in kept) == [
        ("Kopi Bu Sri", newer["hlc"]),
        ("Kopi Sri Lama", newer["hlc"]),
    ]
    # The loser's writer gets the winner back (the row was renumbered).
    mine = records(api.sync(a, cursor=0, node=a.node)["changes"], "merchant")
    assert mine[m]["fields"]["business_name"] == "Kopi Sri Baru"


def test_ties_on_wall_time_break_by_device_node(api: Api):
    a, b = api.enroll(), api.enroll()
    m = uuid7()
    api.sync(a, [a.mutation("merchant", m, **merchant_fields())])
    from_a = a.mutation("merchant", m, address="Dari A")
    from_b = b.mutation("merchant", m, address="Dari B")
    later = Stamp.parse(a.clock.now()).wall_ms + 1000
    stamp = f"{later:013d}-0000-"
    from_a["hlc"], from_b["hlc"] = stamp + a.node, stamp + b.node  # same time, same counter

    api.sync(b, [from_b])
    api.sync(a, [from_a])

    winner = max((from_a, from_b), key=lambda x: x["hlc"])
    row = records(api.pull_all(api.enroll()), "merchant")[m]["fields"]
    assert row["address"] == winner["fields"]["address"]


def test_stock_moves_add_up_exactly_once(api: Api):
    a, b = api.enroll(), api.enroll()
    m, p = uuid7(), uuid7()
    api.sync(a, [a.mutation("merchant", m, **merchant_fields()),
                 a.mutation("product", p, **product_fields(m))])  # fmt: skip
    sold = a.mutation("product", p, op="stock", stock=-3)
    delivered = b.mutation("product", p, op="stock", stock=5)

    api.sync(a, [sold, sold])  # duplicated in one batch
    api.sync(b, [delivered])
    api.sync(a, [sold])  # and re-sent later

    assert records(api.pull_all(api.enroll()), "product")[p]["fields"]["stock"] == 2


def test_delete_is_a_tombstone_that_travels(api: Api):
    a = api.enroll()
    m = uuid7()
    api.sync(a, [a.mutation("merchant", m, **merchant_fields())])

    answer = api.sync(a, [a.mutation("merchant", m, op="delete")])

    assert answer["rejected"] == []
    row = records(api.pull_all(api.enroll()), "merchant")[m]
    assert row["fields"]["deleted"] == 1 and "deleted" in row["hlc"]


def test_a_write_outside_the_region_is_refused_while_the_rest_of_the_batch_applies(api: Api):
    kiosk = api.enroll("35.07.12")
    inside, outside, moved = uuid7(), uuid7(), uuid7()
    api.sync(kiosk, [kiosk.mutation("merchant", moved, **merchant_fields())])
    batch = [
        kiosk.mutation("merchant", outside, **merchant_fields(village_code=OTHER_VILLAGE)),
        kiosk.mutation("merchant", inside, **merchant_fields(village_code=NEAR_VILLAGE)),
        kiosk.mutation("merchant", moved, village_code=OTHER_VILLAGE),  # moving it out
    ]

    answer = api.sync(kiosk, batch)

    assert answer["accepted"] == [batch[1]["id"]]
    assert [(r["id"], r["code"]) for r in answer["rejected"]] == [
        (batch[0]["id"], REJECT_OUT_OF_SCOPE),
        (batch[2]["id"], REJECT_OUT_OF_SCOPE),
    ]
    assert "35.07.12" in answer["rejected"][0]["message"]
    wide = records(api.pull_all(api.enroll("35")), "merchant")
    assert set(wide) == {inside, moved}
    assert wide[moved]["fields"]["village_code"] == VILLAGE


def test_a_device_pulls_only_its_region(api: Api):
    malang, manggarai = api.enroll("35.07"), api.enroll("53")
    mine, theirs = uuid7(), uuid7()
    api.sync(malang, [malang.mutation("merchant", mine, **merchant_fields())])
    api.sync(manggarai, [manggarai.mutation(
        "merchant", theirs, **merchant_fields(village_code=OTHER_VILLAGE))])  # fmt: skip

    changes = api.pull_all(api.enroll("35.07.12.2001"))

    assert set(records(changes, "merchant")) == {mine}
    regions = set(records(changes, "region"))
    assert {"35", "35.07", "35.07.12", VILLAGE} <= regions
    assert NEAR_VILLAGE not in regions  # a sibling village, outside the scope
    assert not any(code.startswith("53") for code in regions)


def test_first_pulls_bring_the_regions_of_the_scope_in_pages(api: Api):
    kiosk = api.enroll("35.07")

    first = api.sync(kiosk, limit=50)
    rest = api.pull_all(kiosk)

    assert len(first["changes"]) == 50 and first["more"] is True
    regions = records(rest, "region")
    assert regions["35.07.12"]["fields"] == {"name": "Sumberpucung", "level": "district"}
    assert regions["35"]["fields"]["level"] == "province"  # ancestors come too
    assert all(code.startswith("35") for code in regions)
    seqs = [c["seq"] for c in rest]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_the_cursor_walks_forward_and_more_says_when_to_continue(api: Api):
    a = api.enroll(VILLAGE)
    start = api.pull_all(a)
    cursor = max(c["seq"] for c in start)
    ids = [uuid7() for _ in range(5)]
    api.sync(a, [a.mutation("merchant", i, **merchant_fields()) for i in ids])

    page1 = api.sync(a, cursor=cursor, limit=3)
    page2 = api.sync(a, cursor=page1["cursor"], limit=3)
    idle = api.sync(a, cursor=page2["cursor"])

    assert page1["more"] is True and page2["more"] is False
    got = [c["row_id"] for c in page1["changes"] + page2["changes"]]
    assert sorted(got) == sorted(ids)
    assert idle["changes"] == [] and idle["cursor"] == page2["cursor"]


def test_a_push_only_request_pulls_nothing_and_keeps_the_cursor(api: Api):
    a = api.enroll(VILLAGE)
    mine = uuid7()

    pushed = api.sync(a, [a.mutation("merchant", mine, **merchant_fields())], limit=0)

    assert len(pushed["accepted"]) == 1 and pushed["changes"] == []
    assert pushed["cursor"] == 0 and pushed["more"] is True  # the regions still wait


def test_a_quiet_region_s_cursor_moves_past_other_regions_changes(api: Api):
    # Given a kiosk that has pulled everything, and another region busy writing
    here = api.enroll(VILLAGE)
    there = api.enroll("53")
    cursor = api.pull_all(here)[-1]["seq"]
    api.sync(there, [there.mutation("merchant", uuid7(),
                                    **merchant_fields(village_code=OTHER_VILLAGE))
                     for _ in range(3)])  # fmt: skip
    with api.engine.connect() as conn:
        high = conn.execute(select(counter.c.value)).scalar_one()
    # When the quiet kiosk syncs
    answer = api.sync(here, cursor=cursor)
    # Then it gets nothing, yet its cursor moves to the end of the sequence, so its next
    # sync does not walk those rows again; and a sync with nothing new stays put
    assert answer["changes"] == [] and answer["more"] is False
    assert answer["cursor"] == high > cursor
    assert api.sync(here, cursor=high)["cursor"] == high


def test_rows_a_device_alone_wrote_are_not_echoed_to_it(api: Api):
    a, b = api.enroll(), api.enroll()
    mine, shared = uuid7(), uuid7()
    api.sync(a, [a.mutation("merchant", mine, **merchant_fields()),
                 a.mutation("merchant", shared, **merchant_fields())])  # fmt: skip
    api.sync(b, [b.mutation("merchant", shared, address="Diubah B")])

    echoed = records(api.pull_all(a, node=a.node), "merchant")
    without_node = records(api.pull_all(a), "merchant")

    assert set(echoed) == {shared}
    assert set(without_node) == {mine, shared}  # a client that does not say its node


def test_a_product_needs_its_merchant_and_may_follow_it_later(api: Api):
    kiosk = api.enroll()
    m, p = uuid7(), uuid7()
    early = kiosk.mutation("product", p, **product_fields(m))
    stock = kiosk.mutation("product", p, op="stock", stock=4)

    refused = api.sync(kiosk, [early, stock])
    later = api.sync(kiosk, [kiosk.mutation("merchant", m, **merchant_fields()), early, stock])

    assert {r["code"] for r in refused["rejected"]} == {REJECT_UNKNOWN_PARENT}
    assert later["rejected"] == [] and len(later["accepted"]) == 3


def test_invalid_values_are_refused_with_a_message_in_both_languages(api: Api):
    kiosk = api.enroll()
    m = uuid7()
    bad = kiosk.mutation("merchant", m, **merchant_fields(phone="12"))
    unknown = kiosk.mutation("merchant", m, colour="red")
    future = kiosk.mutation("merchant", m, **merchant_fields())
    future["hlc"] = "9999999999999-0000-" + kiosk.node
    malformed = {"id": "not-a-uuid", "entity": "merchant", "row_id": m, "hlc": "x", "op": "upsert"}

    answer = api.sync(kiosk, [bad, unknown, future, malformed])

    assert answer["accepted"] == []
    assert {r["code"] for r in answer["rejected"]} == {REJECT_INVALID}
    phone = answer["rejected"][0]["message"]
    assert "(" in phone and "phone" in phone.lower()  # Indonesian, then English


def test_a_product_moving_to_another_merchant_moves_region_with_its_photos(api: Api):
    wide = api.enroll("35.07")
    here, there, p, ph = uuid7(), uuid7(), uuid7(), uuid7()
    api.sync(wide, [
        wide.mutation("merchant", here, **merchant_fields()),
        wide.mutation("merchant", there, **merchant_fields(village_code=NEAR_VILLAGE)),
        wide.mutation("product", p, **product_fields(here)),
        wide.mutation("photo", ph, **photo_fields(p, SHA_A, SHA_B)),
    ])  # fmt: skip
    village_kiosk = api.enroll(NEAR_VILLAGE)
    assert "photo" not in {c["entity"] for c in api.pull_all(village_kiosk)}

    api.sync(wide, [wide.mutation("product", p, merchant_id=there)])

    got = {c["entity"] for c in api.pull_all(village_kiosk)}
    assert {"merchant", "product", "photo"} <= got


def test_a_merchant_moving_village_within_one_batch_takes_rows_made_in_it_along(api: Api):
    # The push works on a copy of the rows it touches and writes them at the end; a move
    # must still reach children created earlier in the same request, and a later edit
    # in that request must not put the old region back.
    wide = api.enroll("35.07")
    m, p, ph = uuid7(), uuid7(), uuid7()
    answer = api.sync(wide, [
        wide.mutation("merchant", m, **merchant_fields()),
        wide.mutation("product", p, **product_fields(m)),
        wide.mutation("photo", ph, **photo_fields(p, SHA_A, SHA_B)),
        wide.mutation("product", p, op="stock", stock=5),
        wide.mutation("merchant", m, village_code=NEAR_VILLAGE),
        wide.mutation("product", p, price=7500),
        wide.mutation("product", p, op="stock", stock=2),
    ])  # fmt: skip
    assert answer["rejected"] == []

    village_kiosk = api.enroll(NEAR_VILLAGE)
    rows = {(c["entity"], c["row_id"]): c["fields"] for c in api.pull_all(village_kiosk)}
    assert {("merchant", m), ("product", p), ("photo", ph)} <= set(rows)
    assert rows[("product", p)]["price"] == 7500
    assert rows[("product", p)]["stock"] == 7
    assert rows[("merchant", m)]["village_code"] == NEAR_VILLAGE
    home_kiosk = api.enroll(VILLAGE)
    assert not {c["entity"] for c in api.pull_all(home_kiosk)} & {"merchant", "product", "photo"}


def test_missing_blobs_names_what_the_server_lacks(api: Api):
    kiosk = api.enroll()
    m, p, ph = uuid7(), uuid7(), uuid7()
    answer = api.sync(kiosk, [
        kiosk.mutation("merchant", m, **merchant_fields()),
        kiosk.mutation("product", p, **product_fields(m)),
        kiosk.mutation("photo", ph, **photo_fields(p, SHA_A, SHA_B)),
    ], blobs=["c" * 64, "not-a-hash"])  # fmt: skip

    assert answer["missing_blobs"] == sorted([SHA_A, SHA_B, "c" * 64])


def test_bodies_are_gzip_both_ways(api: Api):
    # A protocol-2 client (JSON, gzip) against this server
    kiosk = api.enroll()
    body = {"protocol": COUNTED_ACCEPTS_VERSION, "cursor": 0}

    response = api.post_sync(kiosk, body, compress=True)
    plain = api.post_sync(kiosk, body, compress=False)

    assert response.status_code == plain.status_code == 200
    assert response.headers["content-encoding"] == "gzip"  # regions make it large
    assert response.json()["changes"] == plain.json()["changes"]


def test_a_gzip_bomb_and_an_oversized_body_are_refused(api: Api):
    kiosk = api.enroll()
    limit = api.settings.max_sync_body
    bomb = gzip.compress(b'{"protocol": 1, "pad": "' + b" " * (limit + 10) + b'"}')
    assert len(bomb) < limit // 100
    headers = {**kiosk.headers, "Content-Encoding": "gzip"}

    exploded = api.client.post("/v1/sync", content=bomb, headers=headers)
    big = api.client.post("/v1/sync", content=b" " * (limit + 1), headers=kiosk.headers)
    broken = api.client.post("/v1/sync", content=b"\x1f\x8bnot gzip", headers=headers)

    assert exploded.status_code == big.status_code == 413
    assert exploded.json()["detail"]["code"] == "too_large"
    assert broken.status_code == 400


def test_zstd_and_brotli_bombs_are_refused_and_an_unknown_coding_says_what_is_read(api: Api):
    from kiosk_app.protocol import encoding

    kiosk = api.enroll()
    limit = api.settings.max_sync_body
    raw = b'{"protocol": 3, "pad": "' + b" " * (limit + 10) + b'"}'
    for coding in (encoding.ZSTD, encoding.BROTLI):
        bomb = encoding.compress(raw, coding)
        assert len(bomb) < limit // 100
        headers = {**kiosk.headers, "Content-Encoding": coding}
        exploded = api.client.post("/v1/sync", content=bomb, headers=headers)
        broken = api.client.post("/v1/sync", content=b"not " + coding.encode(), headers=headers)
        assert exploded.status_code == 413, coding
        assert exploded.json()["detail"]["code"] == "too_large"
        assert broken.status_code == 400
    odd = api.client.post("/v1/sync", content=b"{}", headers={**kiosk.headers,
                          "Content-Encoding": "compress"})  # fmt: skip
    assert odd.status_code == 415 and odd.headers["accept-encoding"] == "zstd, br, gzip"


def test_too_many_mutations_in_one_request_is_refused(api: Api):
    kiosk = api.enroll()
    body = {"protocol": PROTOCOL_VERSION, "mutations": [{}] * (MAX_MUTATIONS_PER_REQUEST + 1)}

    assert api.post_sync(kiosk, body).status_code == 422


def test_an_old_or_unknown_protocol_gets_a_clear_error(api: Api):
    kiosk = api.enroll()

    old = api.post_sync(kiosk, {"protocol": 0})
    new = api.post_sync(kiosk, {"protocol": PROTOCOL_VERSION + 1})
    none = api.post_sync(kiosk, {"cursor": 0})

    for response in (old, new, none):
        assert response.status_code == 426
        assert response.json()["detail"]["code"] == "protocol_too_old"
    assert "perbarui" in old.json()["detail"]["message"].lower()
    assert "update" in new.json()["detail"]["message"].lower()


def test_every_response_carries_a_request_id(api: Api):
    kiosk = api.enroll()

    given = api.client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    made = api.post_sync(kiosk, {"protocol": PROTOCOL_VERSION})

    assert given.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32


def test_a_nul_character_is_refused_but_the_typed_text_backslash_u0000_is_not(api: Api):
    kiosk = api.enroll()
    m, p, q = uuid7(), uuid7(), uuid7()
    answer = api.sync(kiosk, [
        kiosk.mutation("merchant", m, **merchant_fields()),
        kiosk.mutation("product", p, **product_fields(m, name="Kopi \x00 Robusta")),
        kiosk.mutation("product", q, **product_fields(m, name="Kopi \\u0000 Robusta")),
    ])  # fmt: skip

    assert [r["code"] for r in answer["rejected"]] == [REJECT_INVALID]
    assert answer["rejected"][0]["id"] != q
    names = [c["fields"]["name"] for c in api.pull_all(api.enroll()) if c["row_id"] == q]
    assert names == ["Kopi \\u0000 Robusta"]


def test_a_lone_surrogate_is_refused_with_a_message_and_the_rest_applies(api: Api):
    # JSON's "\ud800" escape decodes to a code point UTF-8 cannot encode: no database
    # takes it, and it once failed the whole request with a 500.
    kiosk = api.enroll()
    m, p, q = uuid7(), uuid7(), uuid7()
    bad_id = kiosk.mutation("product", q, **product_fields(m))
    bad_id["id"] = "\ud800"
    body = {"protocol": COUNTED_ACCEPTS_VERSION, "cursor": 0, "mutations": [
        kiosk.mutation("merchant", m, **merchant_fields()),
        kiosk.mutation("product", p, **product_fields(m, name="Kopi \ud800 Robusta")),
        bad_id,
    ]}  # fmt: skip
    raw = json.dumps(body).encode()  # ASCII: the escape travels as six characters
    assert b"\\ud800" in raw

    response = api.client.post("/v1/sync", content=raw, headers=kiosk.headers)

    assert response.status_code == 200
    answer = response.json()
    assert answer["accepted_count"] == 1
    assert [r["code"] for r in answer["rejected"]] == [REJECT_INVALID, REJECT_INVALID]
    assert "Unicode" in answer["rejected"][0]["message"]
    assert answer["rejected"][1]["id"] == "?"
    pulled = api.pull_all(api.enroll())
    assert [c["row_id"] for c in pulled if c["entity"] in ("merchant", "product")] == [m]


def test_a_push_numbers_each_row_it_touched_once_with_the_counter_s_next_numbers(api: Api):
    # PostgreSQL writes a push in one statement (rows, numbers, outcomes); SQLite in
    # several. Either way: one number per row touched, all above what was there before.
    kiosk = api.enroll()
    m, old = uuid7(), uuid7()
    api.sync(kiosk, [kiosk.mutation("merchant", m, **merchant_fields()),
                     kiosk.mutation("product", old, **product_fields(m))])  # fmt: skip
    with api.engine.connect() as conn:
        before = conn.execute(select(counter.c.value)).scalar_one()
    new = [uuid7() for _ in range(3)]
    answer = api.sync(kiosk, [
        *(kiosk.mutation("product", p, **product_fields(m, name=f"Kopi {n}"))
          for n, p in enumerate(new)),
        kiosk.mutation("product", old, price=40000),
        kiosk.mutation("product", old, op="stock", stock=4),
        kiosk.mutation("merchant", m, address="Dusun Krajan"),
    ])  # fmt: skip
    assert answer["rejected"] == [] and len(answer["accepted"]) == 6

    with api.engine.connect() as conn:
        after = conn.execute(select(counter.c.value)).scalar_one()
        seqs = dict(conn.execute(select(product.c.id, product.c.seq)).all())
        seqs[m] = conn.execute(select(merchant.c.seq).where(merchant.c.id == m)).scalar_one()
    assert after - before == 5  # three new products, one edited twice, the merchant
    assert sorted(seqs[i] for i in [*new, old, m]) == list(range(before + 1, after + 1))
    pulled = records(api.pull_all(api.enroll()), "product")
    assert pulled[old]["fields"]["price"] == 40000 and pulled[old]["fields"]["stock"] == 4
    assert {pulled[p]["fields"]["name"] for p in new} == {"Kopi 0", "Kopi 1", "Kopi 2"}
