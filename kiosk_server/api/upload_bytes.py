"""An upload request's bytes: received in pieces, stored in the database, and on the last
byte checked (SHA-256, JPEG) and put in the blob storage (``api/uploads.py`` has the
routes; ``upload_state`` the rows and the offset check)."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from kiosk_app.domain.i18n import one_line
from kiosk_app.protocol.messages import ERR_TOKEN_REVOKED
from kiosk_server import blobstore, upload_state
from kiosk_server.api.deps import ServerContext
from kiosk_server.api.errors import error
from kiosk_server.db import device as device_table
from kiosk_server.db import read_only, upload
from kiosk_server.devices import now_iso
from kiosk_server.jpeg import NotJpeg, check_jpeg
from kiosk_server.storage import StorageError

TUS_VERSION = "1.0.0"
Checksum = tuple[Any, bytes]  # (running hash object, the digest the client announced)


def fail(status: int, code: str, message: str) -> Any:
    return error(status, code, message, headers={"Tus-Resumable": TUS_VERSION})


def gone() -> Any:
    return fail(
        401,
        ERR_TOKEN_REVOKED,
        one_line("This upload was ended: its device was revoked or it expired."),
    )


def _moved(exc: upload_state.OffsetMoved) -> Any:
    return error(
        409,
        "offset_mismatch",
        f"another request moved this upload to {exc.offset} bytes",
        headers={"Tus-Resumable": TUS_VERSION, "Upload-Offset": str(exc.offset)},
    )


def _store(ctx: ServerContext, row: dict[str, Any], start: int, data: bytes) -> int:
    expires = upload_state.expiry(ctx.settings.upload_expiry_hours)
    try:
        return upload_state.append(ctx.engine, row["id"], start, data, expires)
    except upload_state.UploadGone as exc:
        raise gone() from exc
    except upload_state.OffsetMoved as exc:
        raise _moved(exc) from exc


async def receive(
    request: Request,
    ctx: ServerContext,
    row: dict[str, Any],
    start: int,
    checksum: Checksum | None,
) -> tuple[int, bytes]:
    """Read the body from ``start``, storing a piece every ``PIECE_BYTES`` while more is
    to come; returns (offset stored, the bytes after it not stored yet).

    With ``Upload-Checksum`` nothing is stored before the whole body is verified (tus
    checksum extension: a body that cannot be verified is not kept); it is at most
    ``Upload-Length`` bytes. A cut keeps what arrived, without a checksum."""
    length = int(row["length"])
    held, tail = start, bytearray()
    cut = False
    try:
        async for chunk in request.stream():
            if held + len(tail) + len(chunk) > length:
                raise fail(413, "too_large", "body goes past Upload-Length")
            tail += chunk
            if checksum is not None:
                checksum[0].update(chunk)
            elif len(tail) >= upload_state.PIECE_BYTES and held + len(tail) < length:
                held = await run_in_threadpool(_store, ctx, row, held, bytes(tail))
                tail.clear()
    except ClientDisconnect:
        cut = True  # keep what arrived: HEAD reports it and the client resumes there
    if checksum is not None and (cut or checksum[0].digest() != checksum[1]):
        if not cut:
            raise fail(460, "checksum_mismatch", "Upload-Checksum does not match")
        return held, b""
    return held, bytes(tail)


def store_tail(ctx: ServerContext, row: dict[str, Any], start: int, tail: bytes) -> int:
    """Store the bytes a request ended with (not the last of the upload)."""
    return _store(ctx, row, start, tail)


def complete(
    ctx: ServerContext, row: dict[str, Any], start: int, tail: bytes, device: dict[str, Any]
) -> None:
    """The last byte arrived: accept the blob if the bytes match their hash and are a
    JPEG, the upload still exists and its device is not revoked; else discard it."""
    if not _still_wanted(ctx, row):
        raise gone()
    with ctx.engine.connect() as conn:
        data = upload_state.held_bytes(read_only(conn), row["id"]) + tail  # <= Tus-Max-Size
    if len(data) != int(row["length"]):  # pieces moved meanwhile by another request
        raise _moved(upload_state.OffsetMoved(len(data) - len(tail)))
    problem: str | None = None
    if hashlib.sha256(data).hexdigest() != row["sha256"]:
        problem = one_line(
            "The bytes do not match the sha256 in Upload-Metadata; upload discarded."
        )
        code = "hash_mismatch"
    else:
        try:
            check_jpeg(data)
        except NotJpeg as exc:
            problem = one_line("Not a JPEG: {exc}; upload discarded.", exc=exc)
            code = "not_jpeg"
    if problem is not None:
        with ctx.engine.begin() as conn:
            upload_state.forget(conn, [row["id"]])
        raise fail(460 if code == "hash_mismatch" else 415, code, problem)
    # The bytes first, then their row: a crash between leaves a stray object the
    # collector removes, never a row without its bytes.
    try:
        ctx.blobs.put(row["sha256"], data)
    except StorageError as exc:
        raise fail(503, "storage_unavailable", "photo storage unreachable; try again") from exc
    now = now_iso()
    with ctx.engine.begin() as conn:
        try:
            upload_state.claim_completion(conn, row["id"], start, int(row["length"]), now)
        except upload_state.UploadGone as exc:
            raise gone() from exc
        except upload_state.OffsetMoved as exc:
            raise _moved(exc) from exc
        revoked = conn.execute(
            select(device_table.c.revoked_at).where(device_table.c.id == device["id"])
        ).scalar()
        if revoked is not None:
            raise gone()
        blobstore.record(conn, row["sha256"], int(row["length"]), str(device["id"]), now)
        blobstore.hold(conn, row["sha256"], device)


def _still_wanted(ctx: ServerContext, row: dict[str, Any]) -> bool:
    """The upload's row is there and its device not revoked (read again: a revocation
    may have come while the bytes were arriving)."""
    with ctx.engine.connect() as conn:
        found = (
            read_only(conn)
            .execute(
                select(upload.c.id, device_table.c.revoked_at)
                .select_from(upload.join(device_table, device_table.c.id == upload.c.device_id))
                .where(upload.c.id == row["id"])
            )
            .first()
        )
    return found is not None and found.revoked_at is None
