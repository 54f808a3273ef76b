"""The small-body fast path of POST /v1/sync (``api/sync_asgi.py``) answers exactly as the
FastAPI route does: the same request sent small (fast path) and padded past
``UNCHECKED_BODY`` with JSON whitespace (the route) gets the same status, body and
content type, errors included."""

from __future__ import annotations

import gzip
import json

from kiosk_app.domain.record_ids import uuid7
from kiosk_app.protocol import compact
from kiosk_app.protocol.compact import COMPACT_MEDIA_TYPE
from kiosk_app.protocol.encoding import ACCEPT, IDENTITY, ZSTD, compress
from kiosk_server.api.sync import UNCHECKED_BODY
from tests.server.helpers import Api, merchant_fields


def _twice(api: Api, token: str | None, body: dict, *, encoding: str = "gzip"):
    """The request small, then padded to go through the route; both answers."""
    small = json.dumps(body).encode()
    padded = small[:-1] + b" " * (UNCHECKED_BODY + 10) + b"}"
    answers = []
    for raw in (small, padded):
        headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = gzip.compress(raw) if encoding == "gzip" else raw
        if encoding == "gzip" and raw is padded:
            # gzip shrinks the padding below the limit: send this one uncompressed.
            data, headers["Content-Encoding"] = raw, "identity"
        assert (len(data) <= UNCHECKED_BODY) == (raw is small)
        answers.append(api.client.post("/v1/sync", content=data, headers=headers))
    return answers


def _same(first, second) -> None:
    assert first.status_code == second.status_code
    assert first.headers["content-type"] == second.headers["content-type"]
    assert first.json() == second.json()


def test_pulls_with_and_without_changes_answer_the_same(api: Api):
    writer, reader = api.enroll(), api.enroll()
    start = api.sync(reader)["cursor"]
    batch = [writer.mutation("merchant", uuid7(), **merchant_fields()) for _ in range(3)]
    api.sync(writer, batch, cursor=start)

    for cursor in (start, api.sync(reader, cursor=start)["cursor"]):  # changes, then none
        body = {"protocol": 2, "cursor": cursor, "mutations": [], "node": reader.node}
        small, padded = _twice(api, reader.token, body)
        assert small.status_code == 200
        _same(small, padded)


def test_a_push_applies_once_whichever_path_carries_it(api: Api):
    kiosk = api.enroll()
    cursor = api.sync(kiosk)["cursor"]
    batch = [kiosk.mutation("merchant", uuid7(), **merchant_fields())]
    body = {"protocol": 2, "cursor": cursor, "mutations": batch, "node": kiosk.node}
    small, padded = _twice(api, kiosk.token, body)
    assert small.json()["accepted_count"] == padded.json()["accepted_count"] == 1
    assert small.json()["rejected"] == padded.json()["rejected"] == []


def test_errors_answer_the_same(api: Api):
    kiosk = api.enroll()
    idle = {"protocol": 2, "cursor": 0, "mutations": []}
    for answers in (
        _twice(api, None, idle),  # no token: 401
        _twice(api, "nope", idle),  # unknown token: 401
        _twice(api, kiosk.token, {"protocol": 0, "cursor": 0, "mutations": []}),  # 426
        _twice(api, kiosk.token, {"protocol": 2, "cursor": "x", "mutations": []}),  # 422
    ):
        _same(*answers)
        assert answers[0].status_code in (401, 422, 426)
    bad = api.client.post("/v1/sync", content=b"{}", headers={
        "Authorization": f"Bearer {kiosk.token}", "Content-Encoding": "compress"})  # fmt: skip
    assert bad.status_code == 415
    assert bad.json()["detail"]["code"] == "bad_encoding"
    assert bad.headers["accept-encoding"] == ACCEPT  # says what it reads (RFC 7694)


def test_protocol_3_answers_the_same_on_both_paths(api: Api):
    """A protocol-3 request in zstd (the kiosk's usual idle sync or small push) through
    the fast path, and the same request padded past it through the route: the same
    columns, compressed in the coding the kiosk accepts."""
    writer, reader = api.enroll(), api.enroll()
    start = api.sync(reader)["cursor"]
    batch = [writer.mutation("merchant", uuid7(), **merchant_fields()) for _ in range(3)]
    api.sync(writer, batch, cursor=start)
    body = {"protocol": 3, "cursor": start, "mutations": [], "node": reader.node}
    small = compact.encode_request(body)
    padded = small[:-1] + b" " * (UNCHECKED_BODY + 10) + b"}"
    answers = []
    for raw, coding in ((small, ZSTD), (padded, IDENTITY)):
        data = compress(raw, coding)
        assert (len(data) <= UNCHECKED_BODY) == (raw is small)
        headers = {"Authorization": f"Bearer {reader.token}", "Content-Encoding": coding,
                   "Accept-Encoding": "zstd"}  # fmt: skip
        answers.append(api.client.post("/v1/sync", content=data, headers=headers))
    fast, route = answers
    assert fast.status_code == route.status_code == 200
    for answer in answers:
        assert answer.headers["content-type"] == COMPACT_MEDIA_TYPE
        assert answer.headers["content-encoding"] == ZSTD
    assert fast.content == route.content  # httpx decoded both
    lines = [json.loads(line) for line in fast.content.splitlines()]
    assert lines[0]["protocol"] == 3 and "cursor" in lines[-1]
