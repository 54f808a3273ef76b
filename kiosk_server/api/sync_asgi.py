"""The common ``POST /v1/sync`` (a small body: every idle sync, most pushes) served from
ASGI directly, past FastAPI's router, dependency solving and streaming machinery.

Those layers cost more of the server's CPU than an idle sync's own work (profiled with
py-spy: routing, dependencies, the response's task group and its disconnect listener;
bench/bench_server_sync.py --cost). The work is the route's own (``api.sync``: the same
functions on the same worker thread, the same answer lines, the same error bodies); the
route still serves every other request (a larger or chunked body), and still documents
the endpoint in ``/openapi.json``. The middleware around it (request id and log, host
check, gzip, admission) applies as before: this sits innermost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from kiosk_server.admission import TICKET_KEY
from kiosk_server.api import deps
from kiosk_server.api.errors import check_encoding, error
from kiosk_server.api.sync import (
    UNCHECKED_BODY,
    _checked_exchange,
    _decoded_unchecked,
    answer_pieces,
    finish_exchange,
    idle_on_the_loop,
)

PATH = "/v1/sync"


class SyncFastPath:
    """Pure ASGI: a ``POST /v1/sync`` whose declared body fits ``UNCHECKED_BODY``."""

    def __init__(self, app: ASGIApp, ctx: Any) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        declared = headers.get("content-length", "")
        if not (declared.isdigit() and int(declared) <= UNCHECKED_BODY):
            await self.app(scope, receive, send)  # the route: token first, then the body
            return
        try:
            answer = await self._exchange(scope, receive, headers)
        except HTTPException as exc:  # what FastAPI's handler answers for it
            response = JSONResponse({"detail": exc.detail}, exc.status_code, exc.headers)
            await response(scope, receive, send)
            return
        if answer is not None:
            accept = headers.get("accept-encoding", "")
            await _stream(send, *answer_pieces(self.ctx, answer, accept))

    async def _exchange(self, scope: Scope, receive: Receive, headers: dict[str, str]) -> Any:
        """The route's steps in its order: token (401), encoding (415), body (413), then
        one worker thread for the token's check, the decoding and the work; on
        PostgreSQL, an idle sync's on the event loop (``idle_on_the_loop``)."""
        ctx = self.ctx
        token = deps.DeviceToken(_bearer(headers), deps.app_version_of(headers))
        if not token.token:
            deps.authenticate_missing()
        encoding = check_encoding(headers.get("content-encoding", ""))
        raw = await _read(receive, UNCHECKED_BODY)
        if raw is None:
            return None  # the client went away: nothing to answer
        gate_first = ctx.admission is not None and TICKET_KEY in scope
        unchecked: Any = ...  # not decoded yet
        if ctx.loop_reads is not None:
            # PostgreSQL: the small body decoded here, no further than 4 KiB (what the
            # worker thread would do first, ``_checked_exchange``); an idle sync then
            # needs no worker thread at all.
            unchecked = _decoded_unchecked(ctx, raw, encoding)
            if unchecked is not None:
                done = await idle_on_the_loop(ctx, token, unchecked, gate_first)
                if done is not None:
                    return done
        decoded = await run_in_threadpool(
            _checked_exchange, ctx, token, raw, encoding, gate_first, unchecked
        )
        return await finish_exchange(scope, ctx, decoded)


def _headers(scope: Scope) -> dict[str, str]:
    """Header names (lower case) to their first value, as Starlette's ``Headers.get``."""
    out: dict[str, str] = {}
    for name, value in scope["headers"]:
        out.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return out


def _bearer(headers: dict[str, str]) -> str:
    """The token of ``Authorization: Bearer TOKEN`` (as ``HTTPBearer`` reads it), or ""."""
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return credentials.strip()


async def _read(receive: Receive, limit: int) -> bytes | None:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if len(body) > limit:
            raise error(413, "too_large", f"request body over {limit} bytes")
        if not message.get("more_body", False):
            return bytes(body)


# An answer that fits this many bytes goes whole, with its length: an idle sync's (under
# 1 KiB: gzip skips it) or a push's with a few dozen changes (compressed in one go).
# Larger ones (a first sync's thousands of rows) stream, piece by piece, as encoded.
WHOLE_ANSWER = 16 * 1024


async def _stream(
    send: Send, pieces: Iterator[bytes], media_type: str, extra: dict[str, str]
) -> None:
    """The answer: whole when small, else as ``StreamingResponse`` sends it, yielding to
    the loop between pieces."""
    more = [(name.lower().encode(), value.encode()) for name, value in extra.items()]
    held: list[bytes] = []
    size = 0
    for piece in pieces:
        held.append(piece)
        size += len(piece)
        if size > WHOLE_ANSWER:
            break
    else:
        body = b"".join(held)
        length = str(len(body)).encode()
        headers = [(b"content-type", media_type.encode()), (b"content-length", length), *more]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})
        return
    start = {"type": "http.response.start", "status": 200,
             "headers": [(b"content-type", media_type.encode()), *more]}  # fmt: skip
    await send(start)
    await send({"type": "http.response.body", "body": b"".join(held), "more_body": True})
    for piece in pieces:
        await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": piece, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})
