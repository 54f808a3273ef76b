"""``POST /v1/sync``: push mutations and pull changes in one round trip (DESIGN §5)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from types import EllipsisType
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import Scope

from kiosk_app.protocol import compact
from kiosk_app.protocol.compact import COMPACT_MEDIA_TYPE, COMPACT_VERSION
from kiosk_app.protocol.encoding import ACCEPT, IDENTITY, StreamCompressor, choose
from kiosk_app.protocol.lines import answer_lines
from kiosk_app.protocol.messages import (
    ANSWER_ALWAYS,
    COUNTED_ACCEPTS_VERSION,
    DEFAULT_LIMIT,
    ERR_SERVER_BUSY,
    REJECT_INVALID,
    ProtocolError,
    SyncAnswer,
    SyncRequest,
    decode_request,
)
from kiosk_server import blobstore, devices, pull, push
from kiosk_server.admission import TICKET_KEY, busy_body
from kiosk_server.api import deps
from kiosk_server.api.deps import Context, CurrentToken, DeviceToken
from kiosk_server.api.errors import decode_json, error, read_body, responses
from kiosk_server.api.openapi import json_answer, json_body
from kiosk_server.db import is_postgres, read_only

router = APIRouter(prefix="/v1", tags=["sync"])
COMPACT_ANSWER = (
    "Protocol 3: the same answer as JSON lines (head; {changes: <columns>} per piece; the "
    "tail {cursor, more}), in the coding Accept-Encoding allows: kiosk_app/protocol/compact.py"
)
JSON = "application/json"


def _missing(ctx: Any, shas: list[str], device: dict[str, Any]) -> list[str]:
    if not shas:
        return []  # most syncs: no connection checkout, no round trip
    with ctx.engine.connect() as conn, read_only(conn).begin():  # see device_for_token
        return blobstore.missing(conn, shas, device)


Exchanged = tuple[
    SyncRequest, push.PushResult, pull.Pulled, list[str], str | None, dict[str, int] | None
]
# The device, its request, and what was done (None: a first sync waiting for its place).
Decoded = tuple[dict[str, Any], SyncRequest, Exchanged | None]
# A sync body this small is read with its request before the token is checked (and
# expanded no further than this before it, ``_checked_exchange``): the bytes came with
# the headers, and one hop to a worker thread then does everything (two hops cost an
# idle sync ~0.4 ms of CPU, bench_server_sync.py).
UNCHECKED_BODY = 4 * 1024


def _checked_exchange(
    ctx: Any,
    token: DeviceToken,
    raw: bytes,
    encoding: str,
    gate_first: bool,
    unchecked: SyncRequest | EllipsisType | None = ...,
) -> Decoded:
    """``_exchange`` after the token's check, on the same worker thread.

    On PostgreSQL an idle sync (nothing to push, not a first sync waiting for its place)
    has its token checked and its changes read in one statement (``pull.pull_for_token``).
    Its body must then be decoded first: only one that expands to at most
    ``UNCHECKED_BODY`` bytes, no more than an enroll body costs a caller without a token.
    Any other body, or one that does not decode, is left alone until the token has been
    checked, as before, so a bad token is still told so first. ``unchecked``: what
    ``_decoded_unchecked`` gave for this body already, on the event loop."""
    body = _decoded_unchecked(ctx, raw, encoding) if unchecked is ... else unchecked
    if body is not None and not body.mutations and not _waits_for_a_place(body, gate_first):
        hashed = devices.sha256_hex(token.token)
        found, pulled = pull.pull_for_token(
            ctx.read_engine, hashed, body.cursor, _limit(ctx, body), body.node
        )
        device = deps.checked_device(ctx, found, token.app_version)
        return device, body, _work(ctx, device, body, pulled)
    return _exchange(ctx, token.authenticate(ctx), raw, encoding, gate_first, body)


async def idle_on_the_loop(
    ctx: Any, token: DeviceToken, body: SyncRequest, gate_first: bool
) -> Exchanged | None:
    """PostgreSQL: an idle sync (nothing to push, no photos to ask about, not a first
    sync waiting for its place) done on the event loop: its one statement awaited there
    (``loop_reads``), no worker thread, unless a write is due (the device's sighting,
    its telemetry) or the announcements must be read again; then the rest of its work
    goes to a worker thread as any sync's. None: not such a sync (the caller does it)."""
    reads = ctx.loop_reads
    if reads is None or body.mutations or body.blobs or _waits_for_a_place(body, gate_first):
        return None
    hashed = devices.sha256_hex(token.token)
    found, pulled = await pull.pull_for_token_on_the_loop(
        reads, hashed, body.cursor, _limit(ctx, body), body.node
    )
    device = deps.valid_device(found)
    report = body.report()
    announced = ctx.announcements.cached_for_device(str(device["id"]), str(device["region"]))
    if (
        announced is None
        or devices.touch_due(device, token.app_version)
        or (report is not None and devices.telemetry_due(device, report, _now_ms()))
    ):
        return await run_in_threadpool(_noted_work, ctx, device, token, body, pulled)
    latest, settings = announced
    return body, push.PushResult(), pulled, [], latest, settings


def _noted_work(
    ctx: Any, device: dict[str, Any], token: DeviceToken, body: SyncRequest, pulled: pull.Pulled
) -> Exchanged:
    devices.touch(ctx.engine, device, token.app_version)
    return _work(ctx, device, body, pulled)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _decoded_unchecked(ctx: Any, raw: bytes, encoding: str) -> SyncRequest | None:
    """The request in a small body, on PostgreSQL, if it decodes within
    ``UNCHECKED_BODY`` bytes; else None (and nothing said: it is decoded again, with
    its errors, after the token's check)."""
    if not is_postgres(ctx.read_engine) or len(raw) > UNCHECKED_BODY:
        return None
    try:
        return _decoded(raw, encoding, UNCHECKED_BODY)
    except HTTPException:
        return None


def _waits_for_a_place(body: SyncRequest, gate_first: bool) -> bool:
    """A first sync (cursor 0, pulling) takes a first-sync place before its work."""
    return gate_first and body.cursor == 0 and body.limit != 0  # limit 0: a push alone


def _decoded(raw: bytes, encoding: str, limit: int) -> SyncRequest:
    """The request in a body: decompressed (never past ``limit``), parsed and checked."""
    payload = decode_json(raw, encoding, limit)
    try:
        return decode_request(compact.expand_request(payload))
    except ProtocolError as exc:
        raise error(422 if exc.code == REJECT_INVALID else 426, exc.code, str(exc)) from exc
    except ValueError as exc:  # a column layout that is not one
        raise error(422, REJECT_INVALID, str(exc)[:1000]) from exc


def _exchange(
    ctx: Any,
    device: dict[str, Any],
    raw: bytes,
    encoding: str,
    gate_first: bool,
    body: SyncRequest | None = None,
) -> Decoded:
    """Everything of a sync that costs CPU or blocks, on one worker thread: decode the
    body (gunzip, parse; unless ``body`` is it already), check it, then push, pull and the
    photos to upload. With ``gate_first``, a first sync (cursor 0, pulling) stops after
    the decoding: it must take a first-sync place (``admission``) on the event loop
    before its work."""
    if body is None:
        body = _decoded(raw, encoding, ctx.settings.max_sync_body)
    if _waits_for_a_place(body, gate_first):
        return device, body, None
    return device, body, _work(ctx, device, body)


def _limit(ctx: Any, body: SyncRequest) -> int:
    wanted = body.limit if body.limit is not None else DEFAULT_LIMIT
    return min(wanted, int(ctx.settings.page_size))


def _work(
    ctx: Any, device: dict[str, Any], body: SyncRequest, pulled: pull.Pulled | None = None
) -> Exchanged:
    """Push, pull (unless ``pulled`` already) and the photos to upload (blocking: on a
    worker thread)."""
    report = body.report()  # the kiosk's telemetry (console fleet page)
    if report is not None:
        devices.record_telemetry(ctx.engine, device, report, _now_ms())
    scope = push.DeviceScope(str(device["id"]), str(device["region"]))
    limit = _limit(ctx, body)
    # PostgreSQL: the pull goes with the push's write and commit, one round trip for both
    then = () if pulled is not None or not is_postgres(ctx.engine) else pull.after_a_write(
        scope.region, body.cursor, limit)  # fmt: skip
    pushed = push.push(ctx.engine, scope, body.mutations, _now_ms(), then)
    if pulled is None and pushed.then_rows is not None:
        pulled = pull.page_after_a_write(pushed.then_rows, body.cursor, limit, body.node)
    elif pulled is None:
        pulled = pull.pull(ctx.read_engine, scope.region, body.cursor, limit, body.node)
    missing = _missing(ctx, [*body.blobs, *pushed.photo_blobs], device)
    latest, settings = ctx.announcements.for_device(ctx.engine, scope.device_id, scope.region)
    return body, pushed, pulled, missing, latest, settings


async def first_sync_place(scope: Scope, ctx: Any) -> None:
    """A first-sync place for this request, or 503 with ``Retry-After``."""
    ticket = scope.get(TICKET_KEY)
    retry_after = await ctx.admission.admit_first_sync(ticket)
    if retry_after is not None:
        detail = busy_body()["detail"]
        headers = {"Retry-After": str(retry_after)}
        raise error(503, ERR_SERVER_BUSY, detail["message"], headers=headers)


@router.post(
    "/sync",
    openapi_extra=json_body(SyncRequest)
    | json_answer(SyncAnswer, ANSWER_ALWAYS, also={COMPACT_MEDIA_TYPE: COMPACT_ANSWER}),
    responses=responses(400, 401, 413, 415, 422, 426, 503),
)
async def sync(request: Request, ctx: Context, token: CurrentToken) -> StreamingResponse:
    """Push mutations, then pull changes after ``cursor`` in the device's region.

    The body may be compressed (``Content-Encoding``: zstd, br or gzip); so is the answer,
    in the best coding ``Accept-Encoding`` allows. A bad mutation is rejected alone, the
    rest of the batch applies. Protocol 3 lays mutations and changes out by column
    (``kiosk_app/protocol/compact.py``); protocol 2 answers one JSON object with
    ``accepted_count``; protocol 1 also lists the ``accepted`` ids.
    A server at its limit answers 503 with ``Retry-After`` (seconds) and does nothing of
    the request: send the same request again after that long, plus some jitter.
    """
    # A small body (an idle sync, a small push: it came with the headers) is taken as it
    # is, like an enroll body, and one worker thread checks the token and does the rest;
    # before the check it is expanded no further than an enroll body (4 KiB: on
    # PostgreSQL, so an idle sync checks its token and pulls in one statement,
    # ``_checked_exchange``). A larger one is not read at all until the token has been
    # checked on a thread of its own: a caller without a valid token costs a header and
    # one indexed read.
    # A first sync (cursor 0) waits for one of the few first-sync places in between
    # (``kiosk_server.admission``), or is answered 503 + Retry-After with nothing done.
    gate_first = ctx.admission is not None and TICKET_KEY in request.scope
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) <= UNCHECKED_BODY:
        raw, encoding = await read_body(request, UNCHECKED_BODY)
        decoded = await run_in_threadpool(_checked_exchange, ctx, token, raw, encoding, gate_first)
    else:
        device = await run_in_threadpool(token.authenticate, ctx)
        raw, encoding = await read_body(request, ctx.settings.max_sync_body)
        decoded = await run_in_threadpool(_exchange, ctx, device, raw, encoding, gate_first)
    answer = await finish_exchange(request.scope, ctx, decoded)
    pieces, media_type, headers = answer_pieces(
        ctx, answer, request.headers.get("accept-encoding", "")
    )
    return StreamingResponse(_on_the_loop(pieces), media_type=media_type, headers=headers)


async def finish_exchange(scope: Scope, ctx: Any, decoded: Decoded) -> Exchanged:
    """The work of a sync whose body is decoded: a first sync takes its place first."""
    device, request_body, answer = decoded
    if answer is None:
        await first_sync_place(scope, ctx)
        answer = await run_in_threadpool(_work, ctx, device, request_body)
    return answer


def answer_pieces(
    ctx: Any, answer: Exchanged, accept_encoding: str
) -> tuple[Iterator[bytes], str, dict[str, str]]:
    """The answer's bytes in pieces, its media type and headers: protocol 2, one change
    per line (``lines.answer_lines``, gzip left to the middleware); protocol 3, columns
    (``compact.answer_lines``) compressed in the coding ``accept_encoding`` allows best."""
    body, pushed, pulled, missing, latest, settings = answer
    head: dict[str, Any] = {"protocol": body.protocol}
    if body.protocol < COUNTED_ACCEPTS_VERSION:
        head["accepted"] = pushed.accepted
    head.update(
        accepted_count=len(pushed.accepted),
        rejected=pushed.rejected,
        conflicts=pushed.conflicts,
        missing_blobs=missing,
        latest_app_version=latest,
        controller=ctx.settings.controller,
        controller_contact=ctx.settings.controller_contact,
    )
    if settings:
        head["settings"] = settings
    tail = {"cursor": pulled.cursor, "more": pulled.more}
    if body.protocol < COMPACT_VERSION:
        return answer_lines(head, pulled.changes, tail), JSON, {"Accept-Encoding": ACCEPT}
    # Protocol 3: columns, compressed here in the best coding the kiosk reads, each
    # piece flushed so the kiosk applies it while the next travels.
    coding = choose(accept_encoding)
    headers = {"Accept-Encoding": ACCEPT, "Vary": "Accept-Encoding"}
    if coding != IDENTITY:
        headers["Content-Encoding"] = coding
    pieces = compact.answer_lines(head, pulled.changes, tail)
    return _compressed(pieces, StreamCompressor(coding)), COMPACT_MEDIA_TYPE, headers


def _compressed(pieces: Iterator[bytes], compressor: StreamCompressor) -> Iterator[bytes]:
    """Each piece compressed and flushed, then the stream's end."""
    for piece in pieces:
        yield compressor.piece(piece)
    yield compressor.end()


async def _on_the_loop(pieces: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Encode (and compress) the answer's pieces on the event loop, yielding to it
    between pieces: Starlette would take every piece of a plain iterator from a worker
    thread, a thread hop per piece (most of an idle sync's time on a busy server)."""
    for piece in pieces:
        yield piece
        await asyncio.sleep(0)
