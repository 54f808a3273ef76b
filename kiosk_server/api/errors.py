"""Error bodies (``{"detail": {"code", "message"}}``) and bounded, compressed JSON bodies.

A body is read in two steps: ``read_body`` takes the bytes as sent, at most a limit
(on the event loop: it only waits for the network); ``decode_json`` decompresses them
(zstd, brotli, gzip), never past the limit, and parses them, refusing nesting deeper
than ``MAX_DEPTH`` with 400 (CPU work: a route runs it on a worker thread for large
bodies, after the caller is authenticated). ``read_json`` does both, for small bodies.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException, Request
from pydantic import BaseModel

from kiosk_app.protocol.encoding import (
    ACCEPT,
    GZIP,
    IDENTITY,
    SUPPORTED,
    EncodingError,
    decompress,
)


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
        429: "Too many requests: see Retry-After",
        460: "Checksum mismatch",
        503: "Unavailable",
    }
    return {s: {"model": ErrorBody, "description": text.get(s, "Error")} for s in statuses}


# No request of the API nests deeper than 4 (sync: body, mutations, a mutation, its
# fields); anything much deeper is an attack on the parser or what reads its output.
MAX_DEPTH = 32


def _encoding(request: Request) -> str:
    return check_encoding(request.headers.get("content-encoding", ""))


def check_encoding(header: str) -> str:
    """A request's ``Content-Encoding`` (lower case; "" is identity), or 415."""
    encoding = header.strip().lower() or IDENTITY
    if encoding not in (IDENTITY, *SUPPORTED):
        raise error(
            415,
            "bad_encoding",
            f"Content-Encoding must be {', '.join(SUPPORTED)} or absent",
            headers={"Accept-Encoding": ACCEPT},
        )
    return encoding


async def read_body(request: Request, limit: int) -> tuple[bytes, str]:
    """The body as sent (compressed or not) and its encoding; 413 past ``limit`` bytes."""
    encoding = _encoding(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise error(413, "too_large", f"request body over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise error(413, "too_large", f"request body over {limit} bytes")
    return bytes(body), encoding


def _expand(raw: bytes, encoding: str, limit: int) -> bytes:
    """Decompress, never more than one byte past ``limit``: a small bomb cannot fill
    memory."""
    try:
        return decompress(raw, encoding, limit)
    except EncodingError as exc:
        if exc.too_large:
            raise error(413, "too_large", f"request body over {limit} bytes expanded") from exc
        code = "bad_gzip" if encoding == GZIP else "bad_encoding"
        raise error(400, code, str(exc)) from exc


def _too_deep(value: Any, limit: int) -> bool:
    """Whether ``value`` nests containers deeper than ``limit`` (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, dict | list))
    return False


def decode_json(raw: bytes, encoding: str, limit: int) -> Any:
    """The JSON document in ``raw``: 400 when it is not JSON or nests deeper than
    ``MAX_DEPTH``, 413 when it expands past ``limit``."""
    body = _expand(raw, encoding, limit) if encoding != IDENTITY else raw
    try:
        value = json.loads(body)
    except RecursionError as exc:
        raise error(400, "too_deep", f"JSON nests deeper than {MAX_DEPTH}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise error(400, "bad_json", "body is not JSON") from exc
    if _too_deep(value, MAX_DEPTH):
        raise error(400, "too_deep", f"JSON nests deeper than {MAX_DEPTH}")
    return value


async def read_json(request: Request, limit: int) -> Any:
    """A small body as JSON (gunzipped if sent so, never past ``limit`` bytes expanded),
    read and decoded on the event loop."""
    raw, encoding = await read_body(request, limit)
    return decode_json(raw, encoding, limit)
