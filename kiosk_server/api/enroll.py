"""``POST /v1/enroll``: a one-time code becomes a device id and a bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from kiosk_server import devices
from kiosk_server.api.deps import Context
from kiosk_server.api.errors import error, read_json, responses
from kiosk_server.api.openapi import json_body

router = APIRouter(prefix="/v1", tags=["devices"])
MAX_ENROLL_BODY = 16 * 1024
# No control characters (C0, DEL, C1): names end up in terminals and log lines. A
# pattern, unlike str.isprintable, is part of the published schema.
PRINTABLE = r"^[^\x00-\x1f\x7f-\x9f]+$"


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


class EnrollResponse(BaseModel):
    device_id: str
    token: str = Field(description="Bearer token; shown once, stored only hashed")
    region: str = Field(description="Region code the device is scoped to")


@router.post(
    "/enroll",
    response_model=EnrollResponse,
    openapi_extra=json_body(EnrollRequest),
    responses=responses(400, 403, 413, 415, 422),
)
async def enroll(request: Request, ctx: Context) -> EnrollResponse:
    """Redeem a one-time enrollment code (gzip body allowed)."""
    payload = await read_json(request, MAX_ENROLL_BODY)
    try:
        body = EnrollRequest.model_validate(payload)
    except ValidationError as exc:
        raise error(422, "invalid", str(exc)[:1000]) from exc
    try:
        done = await run_in_threadpool(
            devices.enroll,
            ctx.engine,
            body.code,
            body.device_name,
            body.app_version,
            body.node_id,
        )
    except devices.EnrollError as exc:
        raise error(403, exc.code, str(exc)) from exc
    return EnrollResponse(device_id=done.device_id, token=done.token, region=done.region)
