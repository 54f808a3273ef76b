"""What an unauthenticated or malformed request can cost the server (issue 14, High 1).

The review's attack: a 38 KB gzip body (16 MB of JSON) sent to ``/v1/sync`` with
``Bearer invalid`` was gunzipped and parsed on the event loop before its 401, and three
of them held ``/healthz`` for seconds. Now the token is checked before a byte of the
body is read, and the body is decoded on a worker thread (on PostgreSQL a small one is
decoded on the event loop, never past 4 KiB). No test here measures time: the first
shows the 401 comes without the body ever being sent (a server that read it first would
wait for it forever). A body of at most 4 KiB (an idle sync) is taken with its request,
like an enroll body. On SQLite it is never decoded before the token is checked; on
PostgreSQL it may be, never past 4 KiB of expanded JSON (what an enroll body costs), so
that an idle sync checks its token and reads its changes in one statement.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import secrets
import socket

import pytest

from kiosk_server.api import errors
from kiosk_server.db import is_postgres
from tests.server.conftest import LiveApp
from tests.server.helpers import Api

# 16 MB of JSON that gzips to ~16 KB: the shape of the review's body.
BOMB_JSON = b'{"protocol": 2, "mutations": [' + b'{"id": "x"},' * 1_400_000 + b"{}]}"
BOMB = gzip.compress(BOMB_JSON, 9)


def _sync_headers_only(port: int, token: str, length: int) -> socket.socket:
    """A POST /v1/sync whose headers promise ``length`` bytes of gzip body, and only the
    first 1 KiB of it sent: the rest never comes."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    head = (
        f"POST /v1/sync HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Encoding: gzip\r\nContent-Length: {length}\r\n\r\n"
    ).encode()
    sock.sendall(head + BOMB[:1024])
    return sock


def _status(sock: socket.socket) -> int:
    """The status of the answer (the socket's timeout bounds a server that never answers:
    one that waits for the body it was promised)."""
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


def test_a_bad_token_is_refused_before_the_body_is_read(live: LiveApp, api: Api):
    # Given three callers with an invalid token whose bodies would expand to 16 MB
    socks = [_sync_headers_only(live.port, "invalid", len(BOMB)) for _ in range(3)]
    try:
        # When nothing more of the bodies is sent, then each is answered 401 anyway
        statuses = [_status(sock) for sock in socks]
        # and the server answers others meanwhile
        health = api.client.get("/healthz")
    finally:
        for sock in socks:
            sock.close()

    assert statuses == [401, 401, 401]
    assert health.status_code == 200


def _where() -> str:
    try:
        asyncio.get_running_loop()
        return "event loop"
    except RuntimeError:
        return "worker thread"


@pytest.mark.parametrize("sent", ["small", "large"])
def test_a_sync_body_is_decoded_on_the_event_loop_only_when_small_and_capped(
    api: Api, monkeypatch: pytest.MonkeyPatch, sent: str
):
    # Given an idle sync whose body, as sent, is 4 KiB or less (as every idle sync's),
    # or more (random padding: it does not compress)
    kiosk = api.enroll()
    pad = secrets.token_urlsafe(6000) if sent == "large" else ""
    body = gzip.compress(json.dumps({"protocol": 2, "mutations": [], "pad": pad}).encode())
    assert (len(body) <= 4096) == (sent == "small")
    expanded: list[tuple[str, int]] = []  # where each expansion ran, and its limit
    real = errors._expand
    monkeypatch.setattr(errors, "_expand", lambda raw, coding, limit: expanded.append(
        (_where(), limit)) or real(raw, coding, limit))  # fmt: skip

    # When it is sent
    answer = api.client.post(
        "/v1/sync",
        content=body,
        headers={**kiosk.headers, "Content-Encoding": "gzip", "Content-Type": "application/json"},
    )

    # Then it is answered, and was expanded once: a large body on a worker thread (after
    # its token's check) up to the sync limit; a small one, on PostgreSQL, on the event
    # loop, never past 4 KiB (what an enroll body costs there; the idle sync then needs
    # no worker thread), on SQLite on a worker thread
    assert answer.status_code == 200, answer.text
    limit = api.settings.max_sync_body
    if sent == "large" or not is_postgres(api.engine):
        assert expanded == [("worker thread", limit)]
    else:
        assert expanded == [("event loop", 4096)]


@pytest.mark.parametrize("pad", [0, 5000])
def test_a_small_body_with_a_bad_token_is_never_expanded_past_4_kib(
    api: Api, monkeypatch: pytest.MonkeyPatch, pad: int
):
    # A body small enough to be taken with its request (an idle sync is ~100 bytes), as
    # it is and padded to expand past 4 KiB (it still gzips to well under 4 KiB)
    decoded: list[int] = []
    real_loads, real_expand = json.loads, errors._expand
    monkeypatch.setattr(errors.json, "loads", lambda text, *a, **k: decoded.append(len(text))
                        or real_loads(text))  # fmt: skip
    monkeypatch.setattr(errors, "_expand", lambda raw, coding, limit: decoded.append(limit)
                        or real_expand(raw, coding, limit))  # fmt: skip
    document = {"protocol": 2, "mutations": [], "pad": "x" * pad}
    body = gzip.compress(json.dumps(document).encode())
    assert len(body) < 4096

    answer = api.client.post(
        "/v1/sync",
        content=body,
        headers={"Authorization": "Bearer invalid", "Content-Encoding": "gzip",
                 "Content-Type": "application/json"},
    )  # fmt: skip
    seen = list(decoded)  # (reading the answer's JSON below calls json.loads too)

    assert answer.status_code == 401
    assert answer.json()["detail"]["code"] == "token_invalid"
    if not is_postgres(api.engine):
        assert seen == []  # never decoded
    elif pad:
        assert seen == [4096]  # its expansion stopped at 4 KiB, nothing parsed
    else:
        assert seen == [4096, len(json.dumps(document))]  # expanded within 4 KiB, parsed


@pytest.mark.parametrize("path", ["/v1/enroll", "/v1/sync", "/v1/blobs/missing"])
@pytest.mark.parametrize("gzipped", [False, True])
def test_deeply_nested_json_is_answered_400_not_500(api: Api, path: str, gzipped: bool):
    # The review's input: thousands of opening brackets (4,000: within the enroll
    # body's 4 KiB); and a document 40 levels deep that
    # Python's parser takes but nothing of ours should walk
    kiosk = api.enroll()
    headers = {**kiosk.headers, "Content-Type": "application/json"}
    deep = b'{"a":' * 40 + b"1" + b"}" * 40
    answers = []
    for body in (b"[" * 4000, deep):
        content = gzip.compress(body) if gzipped else body
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        answers.append(api.client.post(path, content=content, headers=headers))

    for answer in answers:
        assert answer.status_code == 400, answer.text
        assert answer.json()["detail"]["code"] == "too_deep"


def test_the_unauthenticated_enroll_body_is_capped_at_4_kib(api: Api):
    padded = {"code": api.code(), "device_name": "Kios", "app_version": "0.1.0",
              "pad": "x" * 5000}  # fmt: skip

    answer = api.client.post("/v1/enroll", json=padded)

    assert answer.status_code == 413
    assert answer.json()["detail"]["code"] == "too_large"


def test_a_gzip_body_cannot_expand_past_the_limit(api: Api):
    kiosk = api.enroll()
    api.settings.max_sync_body = 1024 * 1024

    answer = api.client.post(
        "/v1/sync",
        content=BOMB,
        headers={**kiosk.headers, "Content-Encoding": "gzip", "Content-Type": "application/json"},
    )

    assert answer.status_code == 413
