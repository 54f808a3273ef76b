"""The FastAPI application, built by ``create_app(settings)``: nothing happens at import."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse

from kiosk_app.sync.protocol import PROTOCOL_VERSION
from kiosk_server import __version__
from kiosk_server.api import blobs, enroll, health, sync, uploads
from kiosk_server.api.deps import ServerContext
from kiosk_server.api.openapi import install as install_openapi
from kiosk_server.catalog import views as catalog
from kiosk_server.config import Settings
from kiosk_server.db import make_engine, migrate
from kiosk_server.logs import RequestLogMiddleware

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, run_migrations: bool = True) -> FastAPI:
    """An app on ``settings``' database, migrated to the latest schema unless told not to
    (``serve`` with several workers migrates once, before they start)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    if run_migrations:
        migrate(engine)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Blocking work (the database) runs on anyio's worker threads: 40 by default,
        # which on a busy server only fight over the GIL (bench/bench_server_sync.py).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Etalase Desa central server",
        version=__version__,
        description=(
            f"Devices, sync (protocol {PROTOCOL_VERSION}), photo uploads (tus 1.0.0). "
            "Every /v1/ call but enroll takes `Authorization: Bearer TOKEN`."
        ),
    )
    app.state.ctx = ServerContext(settings, engine)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(RequestLogMiddleware)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            status_code=422,
            content={"detail": {"code": "invalid", "message": str(exc.errors())[:1000]}},
        )

    for module in (health, enroll, sync, uploads, blobs):
        app.include_router(module.router)
    install_openapi(app)
    app.include_router(catalog.router)  # public pages at /, outside the OpenAPI document
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` workers: settings from the environment, schema
    already migrated by the parent process."""
    from kiosk_server.logs import configure_logging

    configure_logging()
    return create_app(Settings(), run_migrations=False)
