"""``POST /v1/sync``: push mutations and pull changes in one round trip (DESIGN §5)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from kiosk_app.protocol.lines import answer_lines
from kiosk_app.protocol.messages import (
    ANSWER_ALWAYS,
    COUNTED_ACCEPTS_VERSION,
    DEFAULT_LIMIT,
    REJECT_INVALID,
    ProtocolError,
    SyncAnswer,
    SyncRequest,
    decode_request,
)
from kiosk_server import blobstore, devices, pull, push
from kiosk_server.api.deps import Context, CurrentToken, DeviceToken
from kiosk_server.api.errors import decode_json, error, read_body, responses
from kiosk_server.api.openapi import json_answer, json_body
from kiosk_server.db import read_only

router = APIRouter(prefix="/v1", tags=["sync"])


def _missing(ctx: Any, shas: list[str], device: dict[str, Any]) -> list[str]:
    if not shas:
        return []  # most syncs: no connection checkout, no round trip
    with ctx.engine.connect() as conn, read_only(conn).begin():  # see device_for_token
        return blobstore.missing(conn, shas, device)


Exchanged = tuple[
    SyncRequest, push.PushResult, pull.Pulled, list[str], str | None, dict[str, int] | None
]
# A sync body this small is read with its request before the token is checked (never
# decoded before): the bytes came with the headers, and one hop to a worker thread then
# does everything (two hops cost an idle sync ~0.4 ms of CPU, bench_server_sync.py).
UNCHECKED_BODY = 4 * 1024


def _checked_exchange(ctx: Any, token: DeviceToken, raw: bytes, encoding: str) -> Exchanged:
    """``_exchange`` after the token's check, on the same worker thread."""
    return _exchange(ctx, token.authenticate(ctx), raw, encoding)


def _exchange(ctx: Any, device: dict[str, Any], raw: bytes, encoding: str) -> Exchanged:
    """Everything of a sync that costs CPU or blocks, on one worker thread: decode the
    body (gunzip, parse), check it, then push, pull and the photos to upload."""
    payload = decode_json(raw, encoding, ctx.settings.max_sync_body)
    try:
        body = decode_request(payload)
    except ProtocolError as exc:
        raise error(422 if exc.code == REJECT_INVALID else 426, exc.code, str(exc)) from exc
    report = body.report()
    if report is not None:
        devices.record_telemetry(ctx.engine, device, report, time.time_ns() // 1_000_000)
    scope = push.DeviceScope(str(device["id"]), str(device["region"]))
    wanted = body.limit if body.limit is not None else DEFAULT_LIMIT
    limit = min(wanted, ctx.settings.page_size)
    pushed = push.push(ctx.engine, scope, body.mutations, time.time_ns() // 1_000_000)
    pulled = pull.pull(ctx.engine, scope.region, body.cursor, limit, body.node)
    missing = _missing(ctx, [*body.blobs, *pushed.photo_blobs], device)
    latest, settings = ctx.announcements.for_device(ctx.engine, scope.device_id, scope.region)
    return body, pushed, pulled, missing, latest, settings


@router.post(
    "/sync",
    openapi_extra=json_body(SyncRequest) | json_answer(SyncAnswer, ANSWER_ALWAYS),
    responses=responses(400, 401, 413, 415, 422, 426),
)
async def sync(request: Request, ctx: Context, token: CurrentToken) -> StreamingResponse:
    """Push mutations, then pull changes after ``cursor`` in the device's region.

    The body may be gzip-compressed (``Content-Encoding: gzip``); so is the answer when
    the client accepts it. A bad mutation is rejected alone, the rest of the batch applies.
    Protocol 2 answers ``accepted_count``; protocol 1 also lists the ``accepted`` ids.
    """
    # Nothing of a body is gunzipped or parsed before its token is checked. A small body
    # (an idle sync, a small push: it came with the headers) is taken as it is, like an
    # enroll body, and one worker thread checks the token first, then does the rest. A
    # larger one is not read at all until the token has been checked on a thread of its
    # own: a caller without a valid token costs a header and one indexed read.
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) <= UNCHECKED_BODY:
        raw, encoding = await read_body(request, UNCHECKED_BODY)
        answer = await run_in_threadpool(_checked_exchange, ctx, token, raw, encoding)
    else:
        device = await run_in_threadpool(token.authenticate, ctx)
        raw, encoding = await read_body(request, ctx.settings.max_sync_body)
        answer = await run_in_threadpool(_exchange, ctx, device, raw, encoding)
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
    )
    if settings:
        head["settings"] = settings
    tail = {"cursor": pulled.cursor, "more": pulled.more}
    return StreamingResponse(
        _on_the_loop(answer_lines(head, pulled.changes, tail)), media_type="application/json"
    )


async def _on_the_loop(pieces: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Encode the answer's pieces on the event loop, yielding to it between pieces:
    Starlette would take every piece of a plain iterator from a worker thread, a thread
    hop per piece (most of an idle sync's time on a busy server)."""
    for piece in pieces:
        yield piece
        await asyncio.sleep(0)
