"""Error bodies (``{"detail": {"code", "message"}}``) and bounded, gzip-aware JSON bodies."""

from __future__ import annotations

import json
import zlib
from typing import Any

from fastapi import HTTPException, Request
from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    detail: ErrorDetail


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Any:
    return HTTPException(status, {"code": code, "message": message}, headers=headers)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers a route can give."""
    text = {
        400: "Malformed request",
        401: "Missing, unknown or revoked device token",
        403: "Refused",
        404: "Not found",
        409: "Conflict",
        412: "Unsupported Tus-Resumable version",
        413: "Body or upload too large",
        415: "Wrong content type",
        423: "Another PATCH of this upload is running",
        422: "Invalid request",
        426: "Client protocol too old: update the kiosk app",
        460: "Checksum mismatch",
        503: "Unavailable",
    }
    return {s: {"model": ErrorBody, "description": text.get(s, "Error")} for s in statuses}


async def read_json(request: Request, limit: int) -> Any:
    """The body as JSON, gunzipped if sent so, never more than ``limit`` bytes expanded.

    Inflating is incremental and capped, so a small gzip bomb cannot fill memory.
    """
    encoding = request.headers.get("content-encoding", "identity").lower()
    if encoding not in ("identity", "gzip"):
        raise error(415, "bad_encoding", "Content-Encoding must be gzip or absent")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
    body = bytearray()
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise error(413, "too_large", f"request body over {limit} bytes")
            if inflater is None:
                body += chunk
                continue
            while chunk:
                # Never ask for more than one byte past the limit (0 would mean "all").
                body += inflater.decompress(chunk, limit + 1 - len(body))
                if len(body) > limit:
                    raise error(413, "too_large", f"request body over {limit} bytes expanded")
                chunk = inflater.unconsumed_tail
        if inflater is not None:
            body += inflater.flush()
            if not inflater.eof:
                raise error(400, "bad_gzip", "gzip body is truncated")
    except zlib.error as exc:
        raise error(400, "bad_gzip", "body is not valid gzip") from exc
    if len(body) > limit:
        raise error(413, "too_large", f"request body over {limit} bytes expanded")
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise error(400, "bad_json", "body is not JSON") from exc
