"""What route handlers need: settings, the engine, and the calling device (bearer token)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from kiosk_app.domain.i18n import one_line
from kiosk_app.protocol.messages import ERR_TOKEN_INVALID, ERR_TOKEN_REVOKED
from kiosk_server import devices
from kiosk_server.admission import Admission
from kiosk_server.config import Settings
from kiosk_server.keys import ServerKeys
from kiosk_server.loop_reads import LoopReads
from kiosk_server.ratelimit import EnrollLimits
from kiosk_server.rollout import Announcements
from kiosk_server.storage import BlobStorage

APP_AGENT = "etalase-desa-kiosk/"
# Declares the scheme in /openapi.json; a missing or non-bearer header reaches
# ``_authenticate`` as None, which answers 401 with our own message.
BEARER = HTTPBearer(
    scheme_name="DeviceToken",
    description="The token POST /v1/enroll gave this device",
    auto_error=False,
)


@dataclass(frozen=True)
class ServerContext:
    settings: Settings
    engine: Engine
    keys: ServerKeys
    blobs: BlobStorage
    enroll_limits: EnrollLimits = field(
        default_factory=lambda: EnrollLimits.make(10.0, 60.0), compare=False
    )
    # Backpressure on syncs (``kiosk_server.admission``); None: every sync is admitted.
    admission: Admission | None = field(default=None, compare=False)
    # PostgreSQL: the pool for the reads every sync makes (``db.make_read_engine``).
    reads: Engine | None = field(default=None, compare=False)
    # Rollouts and region settings for the sync answers (``rollout``), cached.
    announcements: Announcements = field(default_factory=lambda: Announcements(None), compare=False)
    # PostgreSQL: an idle sync's one read, awaited on the event loop (``loop_reads``).
    loop_reads: LoopReads | None = field(default=None, compare=False)

    @property
    def read_engine(self) -> Engine:
        """Where a sync's token check and pull read (the one engine on SQLite)."""
        return self.reads if self.reads is not None else self.engine


async def get_context(request: Request) -> ServerContext:
    # async: a plain def dependency would cost every request a hop to a worker thread.
    ctx: ServerContext = request.app.state.ctx
    return ctx


Context = Annotated[ServerContext, Depends(get_context)]


def _unauthorized(code: str, message: str) -> HTTPException:
    return HTTPException(
        status_code=401,
        detail={"code": code, "message": message},
        headers={"WWW-Authenticate": "Bearer"},
    )


def app_version_of(headers: Mapping[str, str]) -> str | None:
    """The kiosk's app version, from ``X-App-Version`` or its User-Agent."""
    version = headers.get("x-app-version")
    agent = headers.get("user-agent", "")
    if not version and agent.startswith(APP_AGENT):
        version = agent.removeprefix(APP_AGENT)
    if not version:
        return None
    return version.strip()[:40] or None


def authenticate_missing() -> None:
    raise _unauthorized(
        ERR_TOKEN_INVALID,
        one_line("Authorization: Bearer TOKEN required."),
    )


def _authenticate(ctx: ServerContext, token: str, version: str | None) -> dict[str, Any]:
    if not token:
        authenticate_missing()
    return checked_device(ctx, devices.device_for_token(ctx.read_engine, token), version)


def checked_device(
    ctx: ServerContext, found: dict[str, Any] | None, version: str | None
) -> dict[str, Any]:
    """The device a token lookup found, or 401 (unknown, revoked); its sighting noted."""
    device = valid_device(found)
    devices.touch(ctx.engine, device, version)
    return device


def valid_device(device: dict[str, Any] | None) -> dict[str, Any]:
    """The device a token lookup found, or 401 (unknown, revoked)."""
    if device is None:
        raise _unauthorized(
            ERR_TOKEN_INVALID,
            one_line("Unknown device token."),
        )
    if device["revoked_at"] is not None:
        raise _unauthorized(
            ERR_TOKEN_REVOKED,
            one_line(
                "This kiosk's access to the server was revoked. Ask a technician to enroll the "
                "kiosk again with a new enrollment code from the central admin."
            ),
        )
    return device


@dataclass(frozen=True)
class DeviceToken:
    """A request's bearer token, not yet checked against the database."""

    token: str
    app_version: str | None

    def authenticate(self, ctx: ServerContext) -> dict[str, Any]:
        """The device it belongs to, or 401 (blocking: call it on a worker thread)."""
        return _authenticate(ctx, self.token, self.app_version)


async def get_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
) -> DeviceToken:
    token = credentials.credentials.strip() if credentials is not None else ""
    if not token:
        authenticate_missing()
    return DeviceToken(token, app_version_of(request.headers))


async def get_device(
    ctx: Context, token: Annotated[DeviceToken, Depends(get_token)]
) -> dict[str, Any]:
    return await run_in_threadpool(token.authenticate, ctx)


CurrentDevice = Annotated[dict[str, Any], Depends(get_device)]
# For a route that checks the token itself, on the same worker thread as its other
# database work (POST /v1/sync: one hop per request instead of two).
CurrentToken = Annotated[DeviceToken, Depends(get_token)]
