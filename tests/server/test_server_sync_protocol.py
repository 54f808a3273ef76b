"""Protocol versions of ``/v1/sync``: protocol 2 counts accepted mutations instead of
echoing their ids; a protocol-1 client still gets the list; a full request fits."""

from __future__ import annotations

from kiosk_app.domain.record_ids import uuid7
from kiosk_app.protocol.messages import (
    COUNTED_ACCEPTS_VERSION,
    MAX_MUTATIONS_PER_REQUEST,
    MIN_PROTOCOL_VERSION,
    REJECT_OUT_OF_SCOPE,
)
from tests.server.helpers import OTHER_VILLAGE, Api, merchant_fields


def three_and_one_outside(api: Api):
    kiosk = api.enroll()
    batch = [kiosk.mutation("merchant", uuid7(), **merchant_fields()) for _ in range(3)]
    outside = kiosk.mutation("merchant", uuid7(), **merchant_fields(village_code=OTHER_VILLAGE))
    return kiosk, [*batch[:2], outside, batch[2]], outside


def test_a_protocol_2_answer_counts_the_accepted_and_lists_only_the_rejected(api: Api):
    kiosk, batch, outside = three_and_one_outside(api)

    answer = api.sync(kiosk, batch, protocol=COUNTED_ACCEPTS_VERSION)

    assert COUNTED_ACCEPTS_VERSION == 2
    assert answer["protocol"] == 2
    assert "accepted" not in answer
    assert answer["accepted_count"] == 3
    assert [(r["id"], r["code"]) for r in answer["rejected"]] == [
        (outside["id"], REJECT_OUT_OF_SCOPE)
    ]


def test_a_protocol_1_client_still_gets_the_accepted_ids(api: Api):
    kiosk, batch, outside = three_and_one_outside(api)

    answer = api.sync(kiosk, batch, protocol=MIN_PROTOCOL_VERSION)

    assert MIN_PROTOCOL_VERSION == 1
    assert answer["protocol"] == 1
    assert answer["accepted"] == [m["id"] for m in batch if m is not outside]
    assert [r["id"] for r in answer["rejected"]] == [outside["id"]]


def test_a_resent_batch_is_counted_the_same_under_protocol_2(api: Api):
    kiosk, batch, _ = three_and_one_outside(api)

    first = api.sync(kiosk, batch, protocol=2)
    again = api.sync(kiosk, batch, protocol=2)

    assert first["accepted_count"] == again["accepted_count"] == 3
    assert again["rejected"] == first["rejected"]


def test_a_request_of_the_most_mutations_allowed_is_taken_whole(api: Api):
    # Given the largest batch a request may carry: merchants and their stock-moved products
    kiosk = api.enroll()
    m = uuid7()
    batch = [kiosk.mutation("merchant", m, **merchant_fields())]
    products = [uuid7() for _ in range((MAX_MUTATIONS_PER_REQUEST - 1) // 2)]
    for p in products:
        batch.append(kiosk.mutation("product", p, merchant_id=m, name="Teh", price=5000,
                                    description="Teh hitam dari kebun warga. " * 20))  # fmt: skip
        batch.append(kiosk.mutation("product", p, op="stock", stock=3))
    while len(batch) < MAX_MUTATIONS_PER_REQUEST:
        batch.append(kiosk.mutation("product", products[0], op="stock", stock=1))
    assert len(batch) == MAX_MUTATIONS_PER_REQUEST

    # When it is sent in one request
    answer = api.sync(kiosk, batch, protocol=2)

    # Then every mutation is accepted and a fresh kiosk pulls them in one answer
    assert answer["rejected"] == [] and answer["accepted_count"] == len(batch)
    pulled = api.sync(api.enroll(), protocol=2, limit=MAX_MUTATIONS_PER_REQUEST)
    assert not pulled["more"]
    assert sum(c["entity"] == "product" for c in pulled["changes"]) == len(products)
