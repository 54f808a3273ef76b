"""Resumable photo uploads over tus 1.0.0 (core + creation + termination) and blob reads.

Bytes of an upload are appended to a file in the data folder as they arrive, so a PATCH
cut mid-way keeps what was received and ``HEAD`` reports it: the client resumes from
there. When the last byte arrives the server checks the SHA-256 named in
``Upload-Metadata`` and only then moves the file into the content-addressed blob folder.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy import exists, insert, or_, select, update
from starlette.requests import ClientDisconnect

from kiosk_app.domain.ids import uuid7
from kiosk_server.context import Context, CurrentDevice
from kiosk_server.db import RECORD_TABLES, blob, upload
from kiosk_server.devices import now_iso

router = APIRouter(prefix="/v1", tags=["uploads"])
TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination"
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
ID_RE = re.compile(r"^[0-9a-f-]{36}$")


def _tus_headers(ctx: Any, **extra: str) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, **extra}


def _fail(status: int, code: str, message: str) -> HTTPException:
    return HTTPException(
        status, {"code": code, "message": message}, headers={"Tus-Resumable": TUS_VERSION}
    )


def _require_tus(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise HTTPException(
            412,
            {"code": "tus_version", "message": "Tus-Resumable: 1.0.0 only"},
            headers={"Tus-Version": TUS_VERSION},
        )


def parse_metadata(header: str) -> dict[str, str]:
    """``key base64value,key2 base64value2`` (tus creation extension)."""
    out: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in header.split(","))):
        key, _, value = item.partition(" ")
        try:
            out[key] = base64.b64decode(value, validate=True).decode() if value else ""
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise _fail(400, "bad_metadata", f"Upload-Metadata value for {key!r}") from exc
    return out


def blob_path(root: Path, sha: str) -> Path:
    return root / sha[:2] / sha


def _partial(ctx: Any, upload_id: str) -> Path:
    return Path(ctx.settings.upload_dir) / f"{upload_id}.part"


def _load(ctx: Any, upload_id: str, device: dict[str, Any]) -> dict[str, Any]:
    if not ID_RE.match(upload_id):
        raise _fail(404, "not_found", "no such upload")
    with ctx.engine.connect() as conn:
        row = conn.execute(select(upload).where(upload.c.id == upload_id)).first()
    if row is None or row.device_id != device["id"]:
        raise _fail(404, "not_found", "no such upload")
    return dict(row._mapping)


def _offset(ctx: Any, row: dict[str, Any]) -> int:
    if row["completed_at"]:
        return int(row["length"])
    part = _partial(ctx, row["id"])
    return part.stat().st_size if part.exists() else 0


@router.options("/uploads/", status_code=204, response_class=Response)
def tus_options(ctx: Context) -> Response:
    """What this tus server supports."""
    return Response(
        status_code=204,
        headers={
            "Tus-Resumable": TUS_VERSION,
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(ctx.settings.tus_max_size),
        },
    )


@router.post("/uploads/", status_code=201, response_class=Response)
def tus_create(request: Request, ctx: Context, device: CurrentDevice) -> Response:
    """Create an upload. Headers: ``Upload-Length``, ``Upload-Metadata`` with ``sha256``."""
    _require_tus(request)
    try:
        length = int(request.headers.get("upload-length", ""))
    except ValueError as exc:
        raise _fail(400, "bad_length", "Upload-Length must be a whole number") from exc
    if length < 0:
        raise _fail(400, "bad_length", "Upload-Length must not be negative")
    if length > ctx.settings.tus_max_size:
        raise _fail(413, "too_large", f"uploads are limited to {ctx.settings.tus_max_size} bytes")
    meta = parse_metadata(request.headers.get("upload-metadata", ""))
    sha = meta.get("sha256", "")
    if not SHA_RE.match(sha):
        raise _fail(400, "bad_sha256", "Upload-Metadata must carry sha256 (64 lowercase hex)")
    upload_id = uuid7()
    now = now_iso()
    with ctx.engine.begin() as conn:
        have = conn.execute(select(blob.c.size).where(blob.c.sha256 == sha)).first()
        conn.execute(
            insert(upload).values(
                id=upload_id,
                device_id=device["id"],
                sha256=sha,
                length=length,
                kind=meta.get("kind"),
                created_at=now,
                completed_at=now if have is not None and have.size == length else None,
            )
        )
    return Response(
        status_code=201,
        headers=_tus_headers(ctx, Location=f"/v1/uploads/{upload_id}", **{"Upload-Offset": "0"}),
    )


@router.head("/uploads/{upload_id}", response_class=Response)
def tus_head(upload_id: str, request: Request, ctx: Context, device: CurrentDevice) -> Response:
    """How many bytes of this upload the server holds (``Upload-Offset``)."""
    _require_tus(request)
    row = _load(ctx, upload_id, device)
    return Response(
        status_code=200,
        headers=_tus_headers(
            ctx,
            **{
                "Upload-Offset": str(_offset(ctx, row)),
                "Upload-Length": str(row["length"]),
                "Cache-Control": "no-store",
            },
        ),
    )


@router.patch(
    "/uploads/{upload_id}",
    status_code=204,
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/offset+octet-stream": {
                    "schema": {"type": "string", "format": "binary"}
                }
            }
        }
    },
)
async def tus_patch(
    upload_id: str, request: Request, ctx: Context, device: CurrentDevice
) -> Response:
    """Append bytes at ``Upload-Offset``; the last byte triggers the hash check."""
    _require_tus(request)
    if request.headers.get("content-type") != "application/offset+octet-stream":
        raise _fail(415, "content_type", "Content-Type must be application/offset+octet-stream")
    row = _load(ctx, upload_id, device)
    current = _offset(ctx, row)
    try:
        claimed = int(request.headers.get("upload-offset", ""))
    except ValueError as exc:
        raise _fail(400, "bad_offset", "Upload-Offset must be a whole number") from exc
    if claimed != current:
        raise _fail(409, "offset_mismatch", f"server holds {current} bytes, not {claimed}")
    if row["completed_at"]:
        return Response(
            status_code=204, headers=_tus_headers(ctx, **{"Upload-Offset": str(current)})
        )
    part = _partial(ctx, upload_id)
    part.parent.mkdir(parents=True, exist_ok=True)
    length = int(row["length"])
    received = current
    try:
        with part.open("ab") as out:
            try:
                async for chunk in request.stream():
                    if received + len(chunk) > length:
                        raise _fail(413, "too_large", "more bytes than Upload-Length")
                    out.write(chunk)
                    received += len(chunk)
            except ClientDisconnect:
                pass  # keep what arrived: HEAD reports it and the client resumes there
            out.flush()
            os.fsync(out.fileno())
    except HTTPException:
        raise
    if received < length:
        return Response(
            status_code=204, headers=_tus_headers(ctx, **{"Upload-Offset": str(received)})
        )
    _complete(ctx, row, part, device)
    return Response(status_code=204, headers=_tus_headers(ctx, **{"Upload-Offset": str(received)}))


def _complete(ctx: Any, row: dict[str, Any], part: Path, device: dict[str, Any]) -> None:
    digest = hashlib.sha256()
    with part.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != row["sha256"]:
        part.unlink(missing_ok=True)
        with ctx.engine.begin() as conn:
            conn.execute(upload.delete().where(upload.c.id == row["id"]))
        raise _fail(
            460,
            "checksum_mismatch",
            "Isi foto tidak cocok dengan sidik jarinya; kirim ulang. "
            "(Bytes do not match the sha256 in Upload-Metadata.)",
        )
    target = blob_path(Path(ctx.settings.blob_dir), row["sha256"])
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, target)
    now = now_iso()
    with ctx.engine.begin() as conn:
        conn.execute(update(upload).where(upload.c.id == row["id"]).values(completed_at=now))
        if (
            conn.execute(select(blob.c.sha256).where(blob.c.sha256 == row["sha256"])).first()
            is None
        ):
            conn.execute(
                insert(blob).values(
                    sha256=row["sha256"],
                    size=row["length"],
                    uploaded_by=device["id"],
                    created_at=now,
                )
            )


@router.delete("/uploads/{upload_id}", status_code=204, response_class=Response)
def tus_terminate(
    upload_id: str, request: Request, ctx: Context, device: CurrentDevice
) -> Response:
    """Abandon an unfinished upload (termination extension)."""
    _require_tus(request)
    row = _load(ctx, upload_id, device)
    _partial(ctx, row["id"]).unlink(missing_ok=True)
    with ctx.engine.begin() as conn:
        conn.execute(upload.delete().where(upload.c.id == row["id"]))
    return Response(status_code=204, headers=_tus_headers(ctx))


@router.get(
    "/blobs/{sha256}",
    response_class=FileResponse,
    tags=["blobs"],
    responses={200: {"content": {"image/jpeg": {}}}, 404: {}},
)
def get_blob(sha256: str, ctx: Context, device: CurrentDevice) -> FileResponse:
    """A photo's bytes, for the device that uploaded it or one whose region holds it."""
    if not SHA_RE.match(sha256):
        raise HTTPException(404, {"code": "not_found", "message": "no such blob"})
    photos = RECORD_TABLES["photo"]
    region = device["region"]
    with ctx.engine.connect() as conn:
        row = conn.execute(select(blob).where(blob.c.sha256 == sha256)).first()
        allowed = row is not None and (
            row.uploaded_by == device["id"]
            or conn.execute(
                select(
                    exists().where(
                        or_(photos.c.sha256 == sha256, photos.c.thumb_sha256 == sha256),
                        or_(photos.c.scope_code == region, photos.c.scope_code.like(region + ".%")),
                    )
                )
            ).scalar()
        )
    path = blob_path(Path(ctx.settings.blob_dir), sha256)
    if not allowed or not path.exists():
        raise HTTPException(404, {"code": "not_found", "message": "no such blob"})
    return FileResponse(
        path,
        media_type="image/jpeg",
        headers={"Cache-Control": "private, max-age=31536000, immutable"},
    )
