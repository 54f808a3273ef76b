"""``POST /v1/enroll``: a one-time code becomes a device id and a bearer token;
``PUT /v1/device/bundle-key``: a device registers the key its USB bundles are signed with.

Enrollment is the one call anyone can make, so it costs little to refuse: the client's
address and the whole process are rate-limited (token buckets, 429 with Retry-After)
before a byte of the body is read, the body is capped at 4 KiB, and every refused code
gets the same answer.
"""

from __future__ import annotations

import base64
import math

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from kiosk_app.domain.i18n import one_line
from kiosk_server import devices
from kiosk_server.api.deps import Context, CurrentDevice, ServerContext
from kiosk_server.api.errors import error, read_json, responses
from kiosk_server.api.openapi import json_body

router = APIRouter(prefix="/v1", tags=["devices"])
MAX_ENROLL_BODY = 4 * 1024
# No control characters (C0, DEL, C1): names end up in terminals and log lines. A
# pattern, unlike str.isprintable, is part of the published schema.
PRINTABLE = r"^[^\x00-\x1f\x7f-\x9f]+$"
BASE64_KEY = r"^[A-Za-z0-9+/]{43}=$"  # 32 bytes


class EnrollRequest(BaseModel):
    code: str = Field(min_length=1, max_length=64, description="One-time code, e.g. K7QX-M3PD-9T")
    device_name: str = Field(min_length=1, max_length=100, pattern=PRINTABLE)
    app_version: str | None = Field(default=None, max_length=40, pattern=PRINTABLE)
    node_id: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[0-9A-Za-z._:-]+$",
        description="The kiosk's clock node id (the node part of its HLC stamps)",
    )
    bundle_key: str | None = Field(
        default=None,
        pattern=BASE64_KEY,
        description="Base64 of the Ed25519 public key the device signs USB bundles with",
    )


class EnrollResponse(BaseModel):
    device_id: str
    token: str = Field(description="Bearer token; shown once, stored only hashed")
    region: str = Field(description="Region code the device is scoped to")
    server_bundle_key: str = Field(
        description="Base64 of the server's X25519 public key USB bundles are encrypted to"
    )


class BundleKeyRequest(BaseModel):
    bundle_key: str = Field(pattern=BASE64_KEY, description="Base64 Ed25519 public key")


class BundleKeyResponse(BaseModel):
    server_bundle_key: str = Field(description="Base64 of the server's X25519 public key")


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def server_bundle_key(ctx: ServerContext) -> str:
    return base64.b64encode(ctx.keys.bundle_public).decode()


@router.post(
    "/enroll",
    response_model=EnrollResponse,
    openapi_extra=json_body(EnrollRequest),
    responses=responses(400, 403, 413, 415, 422, 429),
)
async def enroll(request: Request, ctx: Context) -> EnrollResponse:
    """Redeem a one-time enrollment code (gzip body allowed). Rate-limited per client
    address and overall (429, ``Retry-After``); every unusable code answers 403
    ``code_invalid``."""
    wait = ctx.enroll_limits.wait(_client_address(request))
    if wait:
        raise error(
            429,
            "rate_limited",
            one_line("Too many enrollment attempts: wait, then try again."),
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    payload = await read_json(request, MAX_ENROLL_BODY)
    try:
        body = EnrollRequest.model_validate(payload)
        if body.bundle_key is not None:
            devices.parse_bundle_key(body.bundle_key)
    except (ValidationError, ValueError) as exc:
        raise error(422, "invalid", str(exc)[:1000]) from exc
    try:
        done = await run_in_threadpool(
            devices.enroll,
            ctx.engine,
            ctx.keys,
            body.code,
            body.device_name,
            body.app_version,
            body.node_id,
            body.bundle_key,
        )
    except devices.EnrollError as exc:
        raise error(403, exc.code, str(exc)) from exc
    return EnrollResponse(
        device_id=done.device_id,
        token=done.token,
        region=done.region,
        server_bundle_key=server_bundle_key(ctx),
    )


@router.put(
    "/device/bundle-key",
    response_model=BundleKeyResponse,
    openapi_extra=json_body(BundleKeyRequest),
    responses=responses(400, 401, 409, 413, 415, 422),
)
async def register_bundle_key(
    request: Request, ctx: Context, device: CurrentDevice
) -> BundleKeyResponse:
    """Register the public key this device signs its USB bundles with (a kiosk enrolled
    before bundles were signed so does it on its next sync). Once only: the same key
    again is fine, another one answers 409. The answer is the server's key bundles are
    encrypted to."""
    payload = await read_json(request, MAX_ENROLL_BODY)
    try:
        body = BundleKeyRequest.model_validate(payload)
        devices.parse_bundle_key(body.bundle_key)
    except (ValidationError, ValueError) as exc:
        raise error(422, "invalid", str(exc)[:1000]) from exc
    try:
        await run_in_threadpool(
            devices.register_bundle_key, ctx.engine, str(device["id"]), body.bundle_key
        )
    except devices.BundleKeyError as exc:
        raise error(
            409,
            "bundle_key_exists",
            one_line("{exc}: enroll the kiosk again.", exc=exc),
        ) from exc
    return BundleKeyResponse(server_bundle_key=server_bundle_key(ctx))
