"""Photo bytes for devices: ``GET``/``HEAD /v1/blobs/{sha256}`` and which are missing."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from kiosk_server import blobstore
from kiosk_server.api.blob_response import blob_response
from kiosk_server.api.deps import Context, CurrentDevice, ServerContext
from kiosk_server.api.errors import error, read_json, responses
from kiosk_server.api.openapi import json_body
from kiosk_server.db import read_only
from kiosk_server.storage import Opened, StorageError

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["blobs"])
# The pattern is documented, not enforced: any other name answers 404 like an unknown blob.
Sha256 = Annotated[
    str,
    Path(
        description="Lowercase hex SHA-256 of the bytes",
        json_schema_extra={"pattern": "^[0-9a-f]{64}$"},
    ),
]
IMMUTABLE = "private, max-age=31536000, immutable"
# Bytes served as an image: never a document, never sniffed as anything else.
BLOB_HEADERS = {
    "Cache-Control": IMMUTABLE,
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}
MAX_MISSING_BODY = 1024 * 1024


class MissingRequest(BaseModel):
    sha256: list[Annotated[str, Field(max_length=64)]] = Field(max_length=10_000)


class MissingResponse(BaseModel):
    missing: list[str] = Field(description="Those of the well-formed hashes the server lacks")


def _permitted(ctx: ServerContext, sha: str, device: dict[str, Any]) -> int:
    """The blob's size by its row, when ``device`` may read it; else 404."""
    if not blobstore.is_sha256(sha):
        raise error(404, "not_found", "no such blob")
    with ctx.engine.connect() as conn:
        size = blobstore.size_if_readable(read_only(conn), sha, device)
    if size is None:
        raise error(404, "not_found", "no such blob")
    return size


def _unavailable(exc: StorageError) -> Any:
    log.warning("blob storage: %s", exc)
    return error(503, "storage_unavailable", "photo storage unreachable")


def _readable(ctx: ServerContext, sha: str, device: dict[str, Any]) -> int:
    _permitted(ctx, sha, device)
    try:
        size = ctx.blobs.size(sha)
    except StorageError as exc:
        raise _unavailable(exc) from exc
    if size is None:
        raise error(404, "not_found", "no such blob")
    return size


def _open(ctx: ServerContext, sha: str, device: dict[str, Any]) -> Opened:
    _permitted(ctx, sha, device)
    try:
        opened = ctx.blobs.open(sha)
    except StorageError as exc:
        raise _unavailable(exc) from exc
    if opened is None:
        raise error(404, "not_found", "no such blob")
    return opened


@router.get(
    "/blobs/{sha256}",
    response_class=Response,
    responses={
        200: {
            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The bytes",
            "headers": {
                "Cache-Control": {"schema": {"type": "string"}, "description": IMMUTABLE},
                "Content-Length": {"schema": {"type": "string"}},
                "ETag": {"schema": {"type": "string"}},
            },
        },
        **responses(401, 404, 503),
    },
)
async def get_blob(sha256: Sha256, ctx: Context, device: CurrentDevice) -> Response:
    """A photo's bytes, for the device that uploaded it or one whose region holds a
    photo referencing it (anything else answers 404, as if it did not exist)."""
    opened = await run_in_threadpool(_open, ctx, sha256, device)
    return blob_response(opened, BLOB_HEADERS)


@router.head(
    "/blobs/{sha256}",
    response_class=Response,
    responses={
        200: {
            "description": "The device may read this blob",
            "headers": {"Content-Length": {"schema": {"type": "string"}, "description": "Size"}},
        },
        **responses(401, 404),
    },
)
async def head_blob(sha256: Sha256, ctx: Context, device: CurrentDevice) -> Response:
    """Whether the server holds a blob this device may read, and its size."""
    size = await run_in_threadpool(_readable, ctx, sha256, device)
    return Response(status_code=200, headers={"Content-Length": str(size)})


def _missing(ctx: ServerContext, shas: list[str], device: dict[str, Any]) -> list[str]:
    with ctx.engine.connect() as conn:
        return blobstore.missing(read_only(conn), shas, device)


@router.post(
    "/blobs/missing",
    response_model=MissingResponse,
    openapi_extra=json_body(MissingRequest),
    responses=responses(400, 401, 413, 415, 422),
)
async def missing_blobs(request: Request, ctx: Context, device: CurrentDevice) -> MissingResponse:
    """Of these hashes, which should this device upload? Those the server lacks, and
    those it holds but this device may not read (before uploading photos; gzip body
    allowed)."""
    payload = await read_json(request, MAX_MISSING_BODY)
    try:
        body = MissingRequest.model_validate(payload)
    except ValidationError as exc:
        raise error(422, "invalid", str(exc)[:1000]) from exc
    return MissingResponse(missing=await run_in_threadpool(_missing, ctx, body.sha256, device))
