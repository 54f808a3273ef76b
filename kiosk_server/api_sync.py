"""``POST /v1/enroll`` and ``POST /v1/sync``: gzip JSON in, gzip JSON out."""

from __future__ import annotations

import json
import time
import zlib
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from kiosk_app.sync.protocol import (
    MAX_MUTATIONS_PER_REQUEST,
    PROTOCOL_VERSION,
    ProtocolError,
    check_protocol_version,
)
from kiosk_server import devices, sync_service
from kiosk_server.context import Context, CurrentDevice

router = APIRouter(prefix="/v1")


class EnrollRequest(BaseModel):
    code: str = Field(max_length=64)
    device_name: str = Field(max_length=100)
    app_version: str | None = Field(default=None, max_length=40)
    node_id: str | None = Field(default=None, max_length=64, pattern=r"^[0-9A-Za-z._:-]+$")


class EnrollResponse(BaseModel):
    device_id: str
    token: str
    region: str


class MutationIn(BaseModel):
    id: str
    entity: str
    row_id: str
    hlc: str
    op: str
    fields: dict[str, Any] = {}


class SyncRequest(BaseModel):
    protocol: int
    cursor: int = Field(default=0, ge=0)
    limit: int | None = Field(default=None, ge=0)
    mutations: list[MutationIn] = Field(default=[], max_length=MAX_MUTATIONS_PER_REQUEST)
    blobs: list[str] = Field(default=[], max_length=10_000)


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
    protocol: int
    accepted: list[str]
    rejected: list[Rejected]
    conflicts: list[Conflict]
    changes: list[Change]
    cursor: int
    more: bool
    missing_blobs: list[str]
    latest_app_version: str | None = None


def _error(status: int, code: str, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail={"code": code, "message": message})


async def read_json(request: Request, limit: int) -> Any:
    """The body as JSON, gunzipped if needed, never more than ``limit`` bytes expanded."""
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise _error(413, "too_large", f"request body over {limit} bytes")
    if request.headers.get("content-encoding", "").lower() == "gzip":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = inflater.decompress(bytes(raw), limit + 1)
        except zlib.error as exc:
            raise _error(400, "bad_gzip", "body is not valid gzip") from exc
        if len(data) > limit or inflater.unconsumed_tail:
            raise _error(413, "too_large", f"request body over {limit} bytes expanded")
        raw = bytearray(data)
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _error(400, "bad_json", "body is not JSON") from exc


@router.post("/enroll", response_model=EnrollResponse, tags=["devices"])
async def enroll(request: Request, ctx: Context) -> EnrollResponse:
    """Redeem a one-time enrollment code for a device token (shown once)."""
    try:
        body = EnrollRequest.model_validate(await read_json(request, 64 * 1024))
    except ValueError as exc:
        raise _error(422, "invalid", str(exc)[:500]) from exc
    try:
        result = devices.enroll(
            ctx.engine, body.code, body.device_name, body.app_version, body.node_id
        )
    except devices.EnrollError as exc:
        raise _error(403 if exc.code != "code_invalid" else 404, exc.code, str(exc)) from exc
    return EnrollResponse(device_id=result.device_id, token=result.token, region=result.region)


SYNC_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": SyncRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            }
        },
    }
}


@router.post("/sync", response_model=SyncResponse, tags=["sync"], openapi_extra=SYNC_DOC)
async def sync(request: Request, ctx: Context, device: CurrentDevice) -> SyncResponse:
    """Push mutations and pull changes since ``cursor`` in one round trip.

    The body may be gzip-compressed (``Content-Encoding: gzip``).
    """
    payload = await read_json(request, ctx.settings.max_sync_body)
    if not isinstance(payload, dict):
        raise _error(422, "invalid", "body must be a JSON object")
    try:
        check_protocol_version(payload.get("protocol"))
    except ProtocolError as exc:
        raise _error(426, exc.code, str(exc)) from exc
    try:
        body = SyncRequest.model_validate(payload)
    except ValueError as exc:
        raise _error(422, "invalid", str(exc)[:1000]) from exc
    scope = sync_service.DeviceScope(device["id"], device["region"], device["node_id"])
    raw = [m.model_dump() for m in body.mutations]
    server_ms = time.time_ns() // 1_000_000
    pushed = await _in_thread(sync_service.push, ctx.engine, scope, raw, server_ms)
    limit = min(body.limit if body.limit is not None else 500, ctx.settings.page_size)
    changes, cursor, more = await _in_thread(
        sync_service.pull, ctx.engine, scope, body.cursor, limit
    )
    missing = await _in_thread(
        sync_service.missing_blobs, ctx.engine, [*body.blobs, *pushed.photo_blobs]
    )
    return SyncResponse(
        protocol=PROTOCOL_VERSION,
        accepted=pushed.accepted,
        rejected=[Rejected(**r) for r in pushed.rejected],
        conflicts=[Conflict(**c) for c in pushed.conflicts],
        changes=[Change(**c) for c in changes],
        cursor=cursor,
        more=more,
        missing_blobs=missing,
        latest_app_version=ctx.settings.latest_app_version,
    )


async def _in_thread(fn: Any, *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args)
