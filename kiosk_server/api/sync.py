"""``POST /v1/sync``: push mutations and pull changes in one round trip (DESIGN §5)."""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from kiosk_app.sync.protocol import (
    COUNTED_ACCEPTS_VERSION,
    MAX_MUTATIONS_PER_REQUEST,
    MIN_PROTOCOL_VERSION,
    PROTOCOL_VERSION,
    ProtocolError,
    check_protocol_version,
)
from kiosk_server import blobstore, pull, sync_service
from kiosk_server.api.deps import Context, CurrentToken, DeviceToken
from kiosk_server.api.errors import decode_json, error, read_body, responses
from kiosk_server.api.openapi import json_body
from kiosk_server.db import read_only

router = APIRouter(prefix="/v1", tags=["sync"])
DEFAULT_LIMIT = 500  # changes, for a client that does not say (ours ask for a whole page)
MAX_CURSOR = 2**62


class MutationIn(BaseModel):
    """One write. Its values are checked per mutation, not by the schema: a bad mutation
    is answered in ``rejected`` and the rest of the batch applies (DESIGN §5)."""

    id: str = Field(description="UUID (lowercase): the idempotency key")
    entity: str = Field(description="merchant, product or photo")
    row_id: str = Field(description="UUID (lowercase) of the record")
    hlc: str = Field(description="Hybrid logical clock stamp: 13-digit wall ms-4 hex-node")
    op: str = Field(description="upsert, delete or stock")
    fields: dict[str, Any] = Field(
        default={}, description="Field values (upsert), {} (delete) or {'stock': delta} (stock)"
    )


class SyncRequest(BaseModel):
    protocol: int = Field(
        ge=MIN_PROTOCOL_VERSION,
        le=PROTOCOL_VERSION,
        description=f"Client protocol version (server speaks {PROTOCOL_VERSION}); others: 426",
    )
    cursor: int = Field(default=0, ge=0, le=MAX_CURSOR, description="Last seq the device holds")
    limit: int | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        description=f"Changes wanted (default {DEFAULT_LIMIT}; at most the server's page size)",
    )
    node: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[0-9A-Za-z._:-]+$",
        description="The kiosk's current clock node: rows it alone wrote are not echoed",
    )
    mutations: list[MutationIn] = Field(
        default=[],
        max_length=MAX_MUTATIONS_PER_REQUEST,
        description=f"At most {MAX_MUTATIONS_PER_REQUEST}, each answered: accepted or rejected",
    )
    blobs: list[Annotated[str, Field(max_length=64)]] = Field(
        default=[], max_length=10_000, description="sha256 of photos the kiosk holds"
    )


class _SyncRequestWire(SyncRequest):
    """What the handler validates: ``SyncRequest`` with each mutation left a plain value.

    Building 5,000 models only costs time (0.12 s for a 4,000-mutation push): the
    handler checks the document's types by hand (``_shape_error``), and
    ``sync_service`` checks every mutation's values, rejecting a bad one alone. The
    OpenAPI document still describes ``SyncRequest``."""

    mutations: list[Any] = Field(default=[], max_length=MAX_MUTATIONS_PER_REQUEST)


_MUTATION_TEXT = ("id", "entity", "row_id", "hlc", "op")


def _shape_error(mutations: list[Any]) -> str | None:
    """What ``MutationIn`` would refuse (the document's types), checked by hand: a plain
    loop over 5,000 dicts is about 2 ms."""
    for n, m in enumerate(mutations):
        if not isinstance(m, dict):
            return f"mutations.{n}: must be an object"
        for key in _MUTATION_TEXT:
            if not isinstance(m.get(key), str):
                return f"mutations.{n}.{key}: must be a string"
        if not isinstance(m.get("fields", {}), dict):
            return f"mutations.{n}.fields: must be an object"
    return None


class Rejected(BaseModel):
    id: str
    code: str
    message: str


class Change(BaseModel):
    seq: int
    entity: str
    row_id: str
    fields: dict[str, Any]
    hlc: dict[str, str]


class Conflict(BaseModel):
    entity: str
    row_id: str
    field: str
    lost_value: Any = None
    lost_hlc: str
    won_value: Any = None
    won_hlc: str


class SyncResponse(BaseModel):
    protocol: int = Field(description="The protocol this answer follows: the request's")
    accepted: list[str] | None = Field(
        default=None,
        description="Protocol 1 only: ids of the accepted mutations. From protocol 2 on, "
        "every mutation sent and not in rejected was accepted (absent then)",
    )
    accepted_count: int = Field(
        ge=0, description="How many mutations of the request were accepted (sent, not rejected)"
    )
    rejected: list[Rejected]
    conflicts: list[Conflict]
    changes: list[Change]
    cursor: int
    more: bool
    missing_blobs: list[str]
    latest_app_version: str | None = None


def _missing(ctx: Any, shas: list[str], device: dict[str, Any]) -> list[str]:
    if not shas:
        return []  # most syncs: no connection checkout, no round trip
    with ctx.engine.connect() as conn, read_only(conn).begin():  # see device_for_token
        return blobstore.missing(conn, shas, device)


Exchanged = tuple[_SyncRequestWire, sync_service.PushResult, pull.Pulled, list[str]]
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
    if not isinstance(payload, dict):
        raise error(422, "invalid", "body must be a JSON object")
    try:
        check_protocol_version(payload.get("protocol"))
    except ProtocolError as exc:
        raise error(426, exc.code, str(exc)) from exc
    try:
        body = _SyncRequestWire.model_validate(payload)
    except ValidationError as exc:
        raise error(422, "invalid", str(exc)[:1000]) from exc
    if (problem := _shape_error(body.mutations)) is not None:
        raise error(422, "invalid", problem)
    scope = sync_service.DeviceScope(str(device["id"]), str(device["region"]))
    wanted = body.limit if body.limit is not None else DEFAULT_LIMIT
    limit = min(wanted, ctx.settings.page_size)
    pushed = sync_service.push(ctx.engine, scope, body.mutations, time.time_ns() // 1_000_000)
    pulled = pull.pull(ctx.engine, scope.region, body.cursor, limit, body.node)
    return body, pushed, pulled, _missing(ctx, [*body.blobs, *pushed.photo_blobs], device)


@router.post(
    "/sync",
    response_model=SyncResponse,
    openapi_extra=json_body(SyncRequest),
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
    body, pushed, pulled, missing = answer
    head: dict[str, Any] = {"protocol": body.protocol}
    if body.protocol < COUNTED_ACCEPTS_VERSION:
        head["accepted"] = pushed.accepted
    head.update(
        accepted_count=len(pushed.accepted),
        rejected=pushed.rejected,
        conflicts=pushed.conflicts,
        missing_blobs=missing,
        latest_app_version=ctx.settings.latest_app_version,
    )
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


ANSWER_CHUNK = 256  # changes encoded per piece handed to the network, at most
FIRST_PIECE = 32  # the first piece (with the head): bytes on the link while more encode
LAST_PIECES = (128, 64, 32)  # the end: what the kiosk applies after the last byte is small


def _pieces(changes: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """``changes`` in pieces growing from 32 to 256 and shrinking to 32 at the end: at
    least one piece, empty if there are no changes.

    The link is idle until the first compressed bytes leave; the kiosk applies a piece
    while the next, half its size, is on the link, so what it applies after the last
    byte arrives is only the last few changes."""
    held = sum(LAST_PIECES)  # held back: they may be the end
    size, piece = FIRST_PIECE, []
    for change in changes:
        piece.append(change)
        if len(piece) == size + held:
            yield piece[:size]
            piece, size = piece[size:], min(2 * size, ANSWER_CHUNK)
    ends = []
    for n in reversed(LAST_PIECES):
        if len(piece) > n:
            ends.append(piece[-n:])
            piece = piece[:-n]
    if piece or not ends:
        yield piece
    yield from reversed(ends)


def answer_lines(
    head: dict[str, Any], changes: Iterable[dict[str, Any]], tail: dict[str, Any]
) -> Iterator[bytes]:
    """The answer as one JSON object laid out in lines (``LINE_LAYOUT`` in the protocol):
    the head and ``"changes":[`` on the first line, one change per line, then the tail
    (``],"cursor":…,"more":…}``, ended by a newline so the kiosk need not wait for the
    end of the stream to read it). Any JSON client reads it whole; the kiosk applies
    changes as their lines arrive, and the server encodes while the first bytes travel.

    Encoded here rather than through the response model: thousands of changes would each
    be built into a model and validated again (~50 ms per 2,000-row page). The shapes are
    SyncResponse's (tests/server/test_server_openapi.py checks them). ``changes`` may be
    lazy (``pull.Changes``): each piece is built as it is encoded. The head goes with the
    first piece and the tail with the last, so neither is a lone packet on the link."""
    dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
    text = dumps(head)[:-1] + ',"changes":[\n'
    pieces = _pieces(changes)
    piece = next(pieces)
    for later in pieces:
        yield (text + "".join(dumps(c) + ",\n" for c in piece)).encode()
        text, piece = "", later
    lines = [dumps(c) for c in piece]
    yield (
        text + ",\n".join(lines) + ("\n" if lines else "") + "]," + dumps(tail)[1:] + "\n"
    ).encode()
