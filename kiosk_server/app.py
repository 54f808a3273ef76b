"""The FastAPI application: built by ``create_app(settings)``, nothing at import time."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy import text

from kiosk_app import __version__
from kiosk_app.sync.protocol import PROTOCOL_VERSION
from kiosk_server import api_sync, api_uploads
from kiosk_server.config import Settings
from kiosk_server.context import ServerContext
from kiosk_server.db import make_engine, migrate

log = logging.getLogger("kiosk_server.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: easy to grep, easy to ship to a log store."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def create_app(settings: Settings, *, run_migrations: bool = True) -> FastAPI:
    engine = make_engine(settings.db_url)
    if run_migrations:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        migrate(engine)
    app = FastAPI(
        title="Etalase Desa central server",
        version=__version__,
        description=f"Devices, sync (protocol {PROTOCOL_VERSION}), photo uploads (tus 1.0.0).",
    )
    app.state.ctx = ServerContext(settings, engine)
    app.add_middleware(GZipMiddleware, minimum_size=512)

    @app.middleware("http")
    async def request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        rid = request.headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Request-ID"] = rid
        log.info(
            "request",
            extra={
                "fields": {
                    "request_id": rid,
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                }
            },
        )
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            status_code=422,
            content={"detail": {"code": "invalid", "message": str(exc.errors())[:1000]}},
        )

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, Any]:
        """Liveness and database reachability; also the kiosks' clock reference."""
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {
            "status": "ok",
            "version": __version__,
            "protocol": PROTOCOL_VERSION,
            "time_ms": time.time_ns() // 1_000_000,
        }

    app.include_router(api_sync.router)
    app.include_router(api_uploads.router)
    return app
