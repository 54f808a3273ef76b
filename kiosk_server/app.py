"""The FastAPI application, built by ``create_app(settings)``: nothing happens at import."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio.to_thread
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from kiosk_app.protocol.messages import PROTOCOL_VERSION
from kiosk_server import __version__, housekeeping
from kiosk_server.admin import pages as admin_pages
from kiosk_server.admission import Admission, SyncAdmission
from kiosk_server.api import blobs, enroll, health, sync, uploads
from kiosk_server.api.deps import ServerContext
from kiosk_server.api.openapi import install as install_openapi
from kiosk_server.api.sync_asgi import SyncFastPath
from kiosk_server.catalog import feeds, seo
from kiosk_server.catalog import views as catalog
from kiosk_server.config import Settings
from kiosk_server.db import is_postgres_url, make_engine, make_read_engine, migrate
from kiosk_server.hosts import CanonicalHost
from kiosk_server.keys import keys_for, prepare_data_dir
from kiosk_server.logs import RequestLogMiddleware
from kiosk_server.loop_reads import LoopReads
from kiosk_server.ratelimit import EnrollLimits
from kiosk_server.rollout import Announcements
from kiosk_server.storage import open_storage

log = logging.getLogger(__name__)
# Swagger UI and ReDoc load their scripts from a CDN and run an inline script: their own
# policy allows that and nothing else (they are off unless KIOSK_SERVER_API_DOCS is set).
DOCS_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; connect-src 'self'; worker-src blob:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")


async def _housekeeping(ctx: ServerContext) -> None:
    """Collect expired uploads and unreferenced blobs once an interval, forever."""
    while True:
        await asyncio.sleep(ctx.settings.gc_interval_s)
        try:
            await run_in_threadpool(housekeeping.collect, ctx.engine, ctx.settings, ctx.blobs)
        except Exception:
            log.exception("housekeeping failed")


def create_app(settings: Settings, *, run_migrations: bool = True) -> FastAPI:
    """An app on ``settings``' database, migrated to the latest schema unless told not to
    (``serve`` with several workers migrates once, before they start)."""
    prepare_data_dir(settings)
    engine = make_engine(settings.db_url)
    if run_migrations:
        migrate(engine)
    admission = Admission.from_settings(settings)
    ctx = ServerContext(
        settings,
        engine,
        keys_for(settings),
        open_storage(settings),
        EnrollLimits.make(settings.enroll_per_address_per_minute, settings.enroll_per_minute),
        admission,
        make_read_engine(settings.db_url),
        Announcements(settings.latest_app_version, settings.announce_ttl_s),
        LoopReads(settings.db_url) if is_postgres_url(settings.db_url) else None,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Blocking work (the database) runs on anyio's worker threads: 40 by default,
        # which on a busy server only fight over the GIL (bench/bench_server_sync.py).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        task = asyncio.create_task(_housekeeping(ctx)) if settings.gc_interval_s > 0 else None
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if ctx.reads is not None:
            ctx.reads.dispose()
        if ctx.loop_reads is not None:
            await ctx.loop_reads.close()

    docs = settings.api_docs
    app = FastAPI(
        lifespan=lifespan,
        title="Etalase Desa central server",
        version=__version__,
        description=(
            f"Devices, sync (protocol {PROTOCOL_VERSION}), photo uploads (tus 1.0.0). "
            "Every /v1/ call but enroll takes `Authorization: Bearer TOKEN`."
        ),
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    app.state.ctx = ctx
    app.add_middleware(SyncFastPath, ctx=ctx)  # innermost: a small sync, past the router
    app.add_middleware(SyncAdmission, admission=admission)  # after the log's id
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    app.add_middleware(
        CanonicalHost,
        public_base_url=settings.public_base_url,
        trusted=settings.trusted_host_names,
    )
    app.add_middleware(RequestLogMiddleware, access_log=settings.access_log)

    if docs:

        @app.middleware("http")
        async def docs_policy(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            response = await call_next(request)
            if request.url.path in DOCS_PATHS:
                response.headers["Content-Security-Policy"] = DOCS_CSP
                response.headers["X-Content-Type-Options"] = "nosniff"
            return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            status_code=422,
            content={"detail": {"code": "invalid", "message": str(exc.errors())[:1000]}},
        )

    for module in (health, enroll, sync, uploads, blobs):
        app.include_router(module.router)
    install_openapi(app)
    admin_pages.install(app, settings)  # the console at /admin/, outside the OpenAPI document
    # Public pages at /, feeds and search engines' files: outside the OpenAPI document.
    for public in (feeds, seo, catalog):
        app.include_router(public.router)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` workers: settings from the environment, schema
    already migrated by the parent process."""
    from kiosk_server.logs import configure_logging

    configure_logging()
    return create_app(Settings(), run_migrations=False)
