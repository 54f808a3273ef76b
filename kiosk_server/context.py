"""What every request handler needs: settings, the engine, and the calling device."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from sqlalchemy import Engine

from kiosk_app.sync.protocol import ERR_TOKEN_INVALID, ERR_TOKEN_REVOKED
from kiosk_server import devices
from kiosk_server.config import Settings


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


def get_device(request: Request, ctx: Context) -> dict[str, Any]:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized(ERR_TOKEN_INVALID, "Authorization: Bearer TOKEN required")
    device = devices.device_for_token(ctx.engine, token.strip())
    if device is None:
        raise _unauthorized(ERR_TOKEN_INVALID, "Token tidak dikenal. (Unknown device token.)")
    if device["revoked_at"] is not None:
        raise _unauthorized(
            ERR_TOKEN_REVOKED,
            "Perangkat ini sudah dicabut; daftarkan ulang dengan kode baru. "
            "(This device was revoked; enroll it again with a new code.)",
        )
    agent = request.headers.get("user-agent", "")
    version = agent.split("/", 1)[1][:40] if agent.startswith("etalase-desa-kiosk/") else None
    devices.touch(ctx.engine, device["id"], version or device["app_version"])
    return device


CurrentDevice = Annotated[dict[str, Any], Depends(get_device)]
