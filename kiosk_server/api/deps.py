"""What route handlers need: settings, the engine, and the calling device (bearer token)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from kiosk_app.sync.protocol import ERR_TOKEN_INVALID, ERR_TOKEN_REVOKED
from kiosk_server import devices
from kiosk_server.config import Settings

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


def get_context(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


Context = Annotated[ServerContext, Depends(get_context)]


def _unauthorized(code: str, message: str) -> HTTPException:
    return HTTPException(
        status_code=401,
        detail={"code": code, "message": message},
        headers={"WWW-Authenticate": "Bearer"},
    )


def _app_version(request: Request) -> str | None:
    version = request.headers.get("x-app-version")
    agent = request.headers.get("user-agent", "")
    if not version and agent.startswith(APP_AGENT):
        version = agent.removeprefix(APP_AGENT)
    if not version:
        return None
    return version.strip()[:40] or None


def _authenticate(ctx: ServerContext, token: str, version: str | None) -> dict[str, Any]:
    if not token:
        raise _unauthorized(
            ERR_TOKEN_INVALID,
            "Permintaan ini butuh token perangkat. (Authorization: Bearer TOKEN required.)",
        )
    device = devices.device_for_token(ctx.engine, token)
    if device is None:
        raise _unauthorized(
            ERR_TOKEN_INVALID,
            "Token perangkat tidak dikenal; daftarkan kios lagi. (Unknown device token.)",
        )
    if device["revoked_at"] is not None:
        raise _unauthorized(
            ERR_TOKEN_REVOKED,
            "Perangkat ini sudah dicabut; daftarkan ulang dengan kode baru. "
            "(This device was revoked; enroll it again with a new code.)",
        )
    devices.touch(ctx.engine, device, version)
    return device


async def get_device(
    request: Request,
    ctx: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
) -> dict[str, Any]:
    token = credentials.credentials.strip() if credentials is not None else ""
    return await run_in_threadpool(_authenticate, ctx, token, _app_version(request))


CurrentDevice = Annotated[dict[str, Any], Depends(get_device)]
