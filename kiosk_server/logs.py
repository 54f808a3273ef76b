"""Structured logs: one JSON object per line, and a request id on every request.

The request id comes from the caller's ``X-Request-ID`` (a load balancer's, or the
kiosk's) or is made here; it is echoed in the answer and in every log line of the
request, so one failing sync can be followed through the logs.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
access = logging.getLogger("kiosk_server.access")
_CLEAN_ID = re.compile(r"[^0-9A-Za-z._:-]")


class JsonFormatter(logging.Formatter):
    """Easy to grep, easy to ship to a log store."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # The access log is ours (``RequestLogMiddleware``: one JSON line with the request's
    # id, or none when turned off). uvicorn logs a line of its own whenever its access
    # logger has a handler, which a propagating logger has: in ``serve --workers`` each
    # worker sets its logging up here after uvicorn did, so every request was logged twice.
    access_logger = logging.getLogger("uvicorn.access")
    access_logger.handlers[:] = []
    access_logger.propagate = False


class RequestLogMiddleware:
    """Pure ASGI (no body buffering, so uploads still stream): request id + access log."""

    def __init__(self, app: ASGIApp, access_log: bool = True) -> None:
        self.app = app
        # One JSON line per request costs ~0.1 ms of CPU (a tenth of an idle sync's time
        # in Python): a deployment behind a proxy that logs requests may turn it off.
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = _CLEAN_ID.sub("", given)[:64] or uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            access.exception("unhandled error", extra={"fields": {"path": scope["path"]}})
            raise
        finally:
            if self.access_log:
                _log_request(scope, status, started)
            request_id.reset(token)


def _log_request(scope: Scope, status: int, started: float) -> None:
    access.info(
        "request",
        extra={
            "fields": {
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
        },
    )
