"""A stored blob as an HTTP answer: a local file through the file response (ranges,
sendfile), a bucket's object streamed piece by piece (never read whole into memory)."""

from __future__ import annotations

from fastapi import Response
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from kiosk_server.storage import Opened


def blob_response(opened: Opened, headers: dict[str, str]) -> Response:
    if opened.path is not None:
        return FileResponse(opened.path, media_type="image/jpeg", headers=headers)
    assert opened.pieces is not None
    return StreamingResponse(
        opened.pieces,
        media_type="image/jpeg",
        headers={**headers, "Content-Length": str(opened.size)},
        background=BackgroundTask(opened.close),
    )
