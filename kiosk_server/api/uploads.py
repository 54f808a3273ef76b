"""Resumable photo uploads: tus 1.0.0 core + creation (with upload) + checksum + termination.

Stateless (issue 16): an upload's offset, length, hash, device and expiry are its row
in the database and the bytes received so far are stored there too
(``kiosk_server.upload_state``), so a PATCH may reach any server process. Bytes of a
PATCH, or of a creation POST that carries them (creation-with-upload: a small photo
then takes one request, not two), are stored in pieces as they arrive, and what arrived
before a cut is stored when the cut is noticed; ``HEAD`` reports it and the client
resumes there, sending only the rest. When the last byte arrives the server checks the
SHA-256 named in ``Upload-Metadata`` and only then puts the bytes in the blob storage (a
folder or a bucket). A PATCH to an upload that is already complete (the server had the
blob when it was created) is answered with the full length. Two requests at one offset
cannot both write: the second gets 409 with the offset now held.

A creation POST whose body is cut leaves its client without the upload's URL. A later
POST without a body whose ``Upload-Metadata`` carries the key ``resume`` gets that
unfinished upload back (same device, hash and length) with ``Upload-Offset`` saying how
much arrived, so only the rest is sent again. This is our addition to tus: a client that
does not ask gets a new upload, as tus says.

Limits (docs/security.md): a device may have ``max_open_uploads`` unfinished uploads
announcing ``max_open_upload_bytes`` in all; a creation past them removes that device's
oldest unfinished uploads (a kiosk killed mid-upload, or whose photo was deleted while it
was sent, leaves some behind: refusing would stop its photos until they expire, while
its own leftovers are all that is dropped); unfinished uploads expire
(``housekeeping``); a revoked device's uploads are removed at once, and one whose PATCH
was already running is not accepted when its last byte arrives. The bytes must be a
JPEG (``jpeg.check_jpeg``: markers and structure, no pixel decoded). An upload of a blob
the server holds completes at once only for a device that may read it; any other device
sends the bytes like for a new blob, so creating an upload tells nothing about other
devices' photos.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy import insert, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from kiosk_app.domain.i18n import one_line
from kiosk_app.domain.record_ids import is_uuid, uuid7
from kiosk_server import blobstore, upload_state
from kiosk_server.api.deps import Context, CurrentDevice, ServerContext
from kiosk_server.api.errors import error, responses
from kiosk_server.api.upload_bytes import Checksum, complete, fail, receive, store_tail
from kiosk_server.db import read_only, upload
from kiosk_server.devices import now_iso

router = APIRouter(prefix="/v1", tags=["uploads"])
TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-with-upload,checksum,termination"
CHECKSUMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "md5": hashlib.md5}
OFFSET_STREAM = "application/offset+octet-stream"


WHOLE = {"type": "string", "pattern": "^[0-9]{1,18}$"}
BASE64 = "(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"


def _h(
    name: str, description: str, schema: dict[str, Any], required: bool = True
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "schema": schema,
        "description": description,
    }


def _out(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"schema": schema or {"type": "string"}, "description": description}


TUS_HEADER = _h("Tus-Resumable", "The tus version: 1.0.0", {"type": "string", "enum": ["1.0.0"]})
TUS_OUT = {"Tus-Resumable": _out("1.0.0")}
OFFSET_OUT = {**TUS_OUT, "Upload-Offset": _out("Bytes the server holds", WHOLE)}
# 412: the client speaks another tus version (tus 1.0.0 core).
TUS_412: dict[int | str, dict[str, Any]] = {
    412: {
        **responses(412)[412],
        "headers": {"Tus-Version": _out("Versions spoken here"), **TUS_OUT},
    }
}


_tus_fail = fail


def _require_tus(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise error(
            412,
            "tus_version",
            "Tus-Resumable: 1.0.0 is the only version spoken here",
            headers={"Tus-Version": TUS_VERSION, "Tus-Resumable": TUS_VERSION},
        )


def _whole(request: Request, name: str) -> int:
    raw = request.headers.get(name, "")
    if not raw.isdigit() or len(raw) > 18:
        raise _tus_fail(400, "bad_header", f"{name} must be a whole number")
    return int(raw)


def parse_metadata(header: str) -> dict[str, str]:
    """``key base64value,key2 base64value2`` (tus creation extension)."""
    out: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in header.split(","))):
        key, _, value = item.partition(" ")
        try:
            out[key] = base64.b64decode(value.strip(), validate=True).decode() if value else ""
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise _tus_fail(400, "bad_metadata", f"Upload-Metadata value of {key!r}") from exc
    return out


def _load(ctx: ServerContext, upload_id: str, device: dict[str, Any]) -> dict[str, Any]:
    if not is_uuid(upload_id):
        raise _tus_fail(404, "not_found", "no such upload")
    with ctx.engine.connect() as conn:
        row = read_only(conn).execute(select(upload).where(upload.c.id == upload_id)).first()
    if row is None or row.device_id != device["id"]:
        raise _tus_fail(404, "not_found", "no such upload")
    return dict(row._mapping)


def _offset(row: dict[str, Any]) -> int:
    return int(row["length"]) if row["completed_at"] else int(row["received"])


@router.options(
    "/uploads/",
    status_code=204,
    response_class=Response,
    responses={
        204: {
            "description": "tus capabilities",
            "headers": {
                **TUS_OUT,
                "Tus-Version": _out("1.0.0"),
                "Tus-Extension": _out(TUS_EXTENSIONS),
                "Tus-Max-Size": _out("Largest upload in bytes", WHOLE),
                "Tus-Checksum-Algorithm": _out(",".join(CHECKSUMS)),
            },
        }
    },
)
def tus_options(ctx: Context) -> Response:
    """What this tus server supports (no token needed)."""
    return Response(
        status_code=204,
        headers={
            "Tus-Resumable": TUS_VERSION,
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(ctx.settings.tus_max_size),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUMS),
        },
    )


CREATE_DOC = {
    "parameters": [
        TUS_HEADER,
        _h("Upload-Length", "Size of the whole upload in bytes (at most Tus-Max-Size)", WHOLE),
        _h(
            "Upload-Metadata",
            "tus metadata, `key base64value` pairs separated by commas; must carry sha256 "
            "(64 lowercase hex characters) and may carry kind. The key `resume` (no value) on "
            "a POST without a body asks for this device's unfinished upload of the same "
            "sha256 and length, when a creation whose body was cut left one",
            {"type": "string"},
        ),
        _h(
            "Upload-Checksum",
            "Optional, with a body: '<algorithm> <base64 digest>' of the body",
            {"type": "string", "pattern": f"^(sha1|sha256|md5) {BASE64}$"},
            required=False,
        ),
    ],
    "requestBody": {
        "required": False,
        "description": "Optional (tus creation-with-upload): the upload's first bytes",
        "content": {OFFSET_STREAM: {"schema": {"type": "string", "format": "binary"}}},
    },
}


def _has_body(request: Request) -> bool:
    declared = request.headers.get("content-length", "")
    return "transfer-encoding" in request.headers or (declared.isdigit() and int(declared) > 0)


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip()


@router.post(
    "/uploads/",
    status_code=201,
    response_class=Response,
    openapi_extra=CREATE_DOC,
    responses={
        201: {
            "description": "Created (or, asked to resume, found); see Location",
            "headers": {**OFFSET_OUT, "Location": _out("The upload's URL")},
        },
        **responses(400, 401, 409, 413, 415, 460, 503),
        **TUS_412,
    },
)
async def tus_create(request: Request, ctx: Context, device: CurrentDevice) -> Response:
    """Create an upload (tus creation), storing the body's bytes when it carries some
    (creation-with-upload). When the server already holds the blob, the upload is complete
    at once (``Upload-Offset`` equals ``Upload-Length``)."""
    _require_tus(request)
    if "upload-defer-length" in request.headers:
        raise _tus_fail(400, "defer_length", "Upload-Defer-Length is not supported")
    length = _whole(request, "upload-length")
    if length > ctx.settings.tus_max_size:
        raise _tus_fail(
            413, "too_large", f"uploads are limited to {ctx.settings.tus_max_size} bytes"
        )
    meta = parse_metadata(request.headers.get("upload-metadata", ""))
    sha = meta.get("sha256", "")
    if not blobstore.is_sha256(sha):
        raise _tus_fail(400, "bad_sha256", "Upload-Metadata must carry sha256 (64 lowercase hex)")
    with_body = _content_type(request) == OFFSET_STREAM
    if not with_body and _has_body(request):
        raise _tus_fail(415, "content_type", f"a body must be sent as {OFFSET_STREAM}")
    checksum = _checksum(request) if with_body else None
    declared = request.headers.get("content-length", "")
    if with_body and declared.isdigit() and int(declared) > length:
        raise _tus_fail(413, "too_large", "body goes past Upload-Length")
    resume = "resume" in meta and not with_body
    kind = (meta.get("kind") or "")[:20] or None
    row = await run_in_threadpool(_create, ctx, device, sha, length, kind, resume)
    if not with_body:
        return _created(row["id"], _offset(row))
    if row["completed_at"]:
        await _drain(request)  # the server holds the blob: the body is not needed
        return _created(row["id"], length)
    try:
        received = await _take(request, ctx, row, 0, checksum, device)
    except HTTPException:
        # Refused before its client learnt the URL: nobody can resume it.
        await run_in_threadpool(_discard, ctx, row["id"])
        raise
    return _created(row["id"], received)


async def _take(
    request: Request,
    ctx: ServerContext,
    row: dict[str, Any],
    start: int,
    checksum: Checksum | None,
    device: dict[str, Any],
) -> int:
    """Receive a body from ``start``: complete the upload with its last byte, else store
    what arrived; returns the offset now held."""
    length = int(row["length"])
    held, tail = await receive(request, ctx, row, start, checksum)
    if held + len(tail) == length:
        await run_in_threadpool(complete, ctx, row, held, tail, device)
        return length
    if tail:
        held = await run_in_threadpool(store_tail, ctx, row, held, tail)
    return held


def _created(upload_id: str, offset: int) -> Response:
    return Response(
        status_code=201,
        headers={
            "Tus-Resumable": TUS_VERSION,
            "Location": f"/v1/uploads/{upload_id}",
            "Upload-Offset": str(offset),
        },
    )


def _create(
    ctx: ServerContext,
    device: dict[str, Any],
    sha: str,
    length: int,
    kind: str | None,
    resume: bool,
) -> dict[str, Any]:
    """The new upload's row; with ``resume``, this device's unfinished one of the same
    blob when there is one."""
    now = now_iso()
    with ctx.engine.begin() as conn:
        size = blobstore.size_if_readable(conn, sha, device)
        done = size is not None and size == length
        if resume and not done:
            found = conn.execute(
                select(upload)
                .where(
                    upload.c.device_id == device["id"],
                    upload.c.sha256 == sha,
                    upload.c.length == length,
                    upload.c.completed_at.is_(None),
                )
                .order_by(upload.c.created_at.desc())
                .limit(1)
            ).first()
            if found is not None:
                return dict(found._mapping)
        if not done:
            _make_room(ctx, conn, device, length)
        row = {
            "id": uuid7(),
            "device_id": device["id"],
            "sha256": sha,
            "length": length,
            "kind": kind,
            "created_at": now,
            "completed_at": now if done else None,
            "received": length if done else 0,
            "expires_at": upload_state.expiry(ctx.settings.upload_expiry_hours),
        }
        conn.execute(insert(upload).values(**row))
    return row


def _make_room(ctx: ServerContext, conn: Any, device: dict[str, Any], length: int) -> None:
    """Delete this device's oldest unfinished uploads, bytes and all, until one more of
    ``length`` bytes fits its limits."""
    settings = ctx.settings
    if length > settings.max_open_upload_bytes:
        raise error(
            413,
            "too_large",
            one_line(
                "An upload may announce at most {max_open_upload_bytes} bytes.",
                max_open_upload_bytes=settings.max_open_upload_bytes,
            ),
            headers={"Tus-Resumable": TUS_VERSION},
        )
    rows = conn.execute(
        select(upload.c.id, upload.c.length)
        .where(upload.c.device_id == device["id"], upload.c.completed_at.is_(None))
        .order_by(upload.c.created_at, upload.c.id)
    ).all()
    count, announced = len(rows), sum(int(r.length) for r in rows)
    dropped: list[str] = []
    for row in rows:
        if count + 1 <= settings.max_open_uploads and announced + length <= (
            settings.max_open_upload_bytes
        ):
            break
        dropped.append(row.id)
        count, announced = count - 1, announced - int(row.length)
    upload_state.forget(conn, dropped)


def _discard(ctx: ServerContext, upload_id: str) -> None:
    with ctx.engine.begin() as conn:
        upload_state.forget(conn, [upload_id])


@router.head(
    "/uploads/{upload_id}",
    response_class=Response,
    openapi_extra={"parameters": [TUS_HEADER]},
    responses={
        200: {
            "description": "Bytes held",
            "headers": {
                **OFFSET_OUT,
                "Upload-Length": _out("Size of the whole upload", WHOLE),
                "Cache-Control": _out("no-store"),
            },
        },
        **responses(401, 404),
        **TUS_412,
    },
)
def tus_head(upload_id: str, request: Request, ctx: Context, device: CurrentDevice) -> Response:
    """How many bytes of this upload the server holds (``Upload-Offset``)."""
    _require_tus(request)
    row = _load(ctx, upload_id, device)
    return Response(
        status_code=200,
        headers={
            "Tus-Resumable": TUS_VERSION,
            "Upload-Offset": str(_offset(row)),
            "Upload-Length": str(row["length"]),
            "Cache-Control": "no-store",
        },
    )


PATCH_DOC = {
    "parameters": [
        TUS_HEADER,
        _h("Upload-Offset", "Where these bytes start; must equal the server's offset", WHOLE),
        _h(
            "Upload-Checksum",
            "Optional: '<algorithm> <base64 digest>' of this body (sha1, sha256, md5)",
            {"type": "string", "pattern": f"^(sha1|sha256|md5) {BASE64}$"},
            required=False,
        ),
    ],
    "requestBody": {
        "required": True,
        "content": {OFFSET_STREAM: {"schema": {"type": "string", "format": "binary"}}},
    },
}


def _checksum(request: Request) -> Checksum | None:
    header = request.headers.get("upload-checksum")
    if header is None:
        return None
    name, _, digest = header.strip().partition(" ")
    if name not in CHECKSUMS:
        raise _tus_fail(400, "checksum_algorithm", f"checksum algorithm {name!r} not supported")
    try:
        return CHECKSUMS[name](), base64.b64decode(digest.strip(), validate=True)
    except binascii.Error as exc:
        raise _tus_fail(400, "bad_checksum", "Upload-Checksum digest must be base64") from exc


@router.patch(
    "/uploads/{upload_id}",
    status_code=204,
    response_class=Response,
    openapi_extra=PATCH_DOC,
    responses={
        204: {"description": "Bytes stored", "headers": OFFSET_OUT},
        **responses(400, 401, 404, 409, 413, 415, 460, 503),
        **TUS_412,
    },
)
async def tus_patch(
    upload_id: str, request: Request, ctx: Context, device: CurrentDevice
) -> Response:
    """Append bytes at ``Upload-Offset``; the last byte triggers the SHA-256 check."""
    _require_tus(request)
    if _content_type(request) != OFFSET_STREAM:
        raise _tus_fail(415, "content_type", f"Content-Type must be {OFFSET_STREAM}")
    claimed = _whole(request, "upload-offset")
    checksum = _checksum(request)
    row = await run_in_threadpool(_load, ctx, upload_id, device)
    length = int(row["length"])
    if row["completed_at"]:
        await _drain(request)  # the server holds the blob: the body is not needed
        return _patched(length)
    current = _offset(row)
    if claimed != current:
        raise _tus_fail(409, "offset_mismatch", f"server holds {current} bytes, not {claimed}")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and current + int(declared) > length:
        raise _tus_fail(413, "too_large", "body goes past Upload-Length")
    return _patched(await _take(request, ctx, row, current, checksum, device))


async def _drain(request: Request) -> None:
    with contextlib.suppress(ClientDisconnect):
        async for _chunk in request.stream():
            pass


def _patched(offset: int) -> Response:
    return Response(
        status_code=204, headers={"Tus-Resumable": TUS_VERSION, "Upload-Offset": str(offset)}
    )


@router.delete(
    "/uploads/{upload_id}",
    status_code=204,
    response_class=Response,
    openapi_extra={"parameters": [TUS_HEADER]},
    responses={
        204: {"description": "Abandoned", "headers": TUS_OUT},
        **responses(401, 404),
        **TUS_412,
    },
)
def tus_terminate(
    upload_id: str, request: Request, ctx: Context, device: CurrentDevice
) -> Response:
    """Abandon an unfinished upload (tus termination)."""
    _require_tus(request)
    row = _load(ctx, upload_id, device)
    _discard(ctx, row["id"])  # a PATCH still running finds it gone at its next piece
    return Response(status_code=204, headers={"Tus-Resumable": TUS_VERSION})
