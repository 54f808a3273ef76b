"""``GET /healthz``: liveness, database reachability, and a clock for kiosks."""

from __future__ import annotations

import time

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from kiosk_app.sync.protocol import PROTOCOL_VERSION
from kiosk_server import __version__
from kiosk_server.api.deps import Context, ServerContext
from kiosk_server.db import read_only

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    version: str
    protocol: int
    time_ms: int


def _ping(ctx: ServerContext) -> None:
    with ctx.engine.connect() as conn:
        read_only(conn).execute(text("SELECT 1"))


@router.get("/healthz", response_model=Health)
async def healthz(ctx: Context) -> Health:
    """Up and able to reach its database; ``time_ms`` is the server's clock."""
    await run_in_threadpool(_ping, ctx)
    return Health(
        status="ok", version=__version__, protocol=PROTOCOL_VERSION, time_ms=time.time_ns() // 10**6
    )
