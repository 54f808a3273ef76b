"""``GET /healthz``: liveness, database reachability, and a clock for kiosks;
``GET /readyz``: readiness for a load balancer (the database and the blob storage)."""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from kiosk_app.protocol.messages import PROTOCOL_VERSION
from kiosk_server import __version__
from kiosk_server.api.deps import Context, ServerContext
from kiosk_server.api.errors import error, responses
from kiosk_server.db import read_only
from kiosk_server.storage import StorageError

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


class Health(BaseModel):
    status: str
    version: str
    protocol: int
    time_ms: int


def _ping(ctx: ServerContext) -> None:
    with ctx.engine.connect() as conn:
        read_only(conn).execute(text("SELECT 1"))


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {**responses(503)[503], "description": "The database is unreachable"}},
)
async def healthz(ctx: Context) -> Health:
    """Up and able to reach its database; ``time_ms`` is the server's clock."""
    try:
        await run_in_threadpool(_ping, ctx)
    except SQLAlchemyError as exc:
        log.warning("health check: database unreachable: %s", exc)
        raise error(503, "database_unavailable", "database unreachable") from exc
    return Health(
        status="ok", version=__version__, protocol=PROTOCOL_VERSION, time_ms=time.time_ns() // 10**6
    )


class Ready(BaseModel):
    status: str
    database: str
    blobs: str


def _ready(ctx: ServerContext) -> tuple[bool, Ready]:
    database = blobs = "ok"
    try:
        _ping(ctx)
    except SQLAlchemyError as exc:
        log.warning("readiness: database unreachable: %s", exc)
        database = "unreachable"
    try:
        ctx.blobs.check()
    except StorageError as exc:
        log.warning("readiness: blob storage unreachable: %s", exc)
        blobs = "unreachable"
    ok = database == blobs == "ok"
    return ok, Ready(status="ok" if ok else "unavailable", database=database, blobs=blobs)


@router.get(
    "/readyz",
    response_model=Ready,
    responses={
        503: {
            "model": Ready,
            "description": "The database or the blob storage is unreachable",
        }
    },
)
async def readyz(ctx: Context) -> Response:
    """Ready for traffic: the database answers a query and the blob storage (folder or
    bucket) answers too. A load balancer sends requests only to ready processes."""
    ok, body = await run_in_threadpool(_ready, ctx)
    return JSONResponse(
        status_code=200 if ok else 503,
        content=body.model_dump(),
        headers={"Cache-Control": "no-store"},
    )
