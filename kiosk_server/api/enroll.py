"""``POST /v1/enroll``: a one-time code becomes a device id and a bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool

from kiosk_server import devices
from kiosk_server.api.deps import Context
from kiosk_server.api.errors import error, read_json, responses

router = APIRouter(prefix="/v1", tags=["devices"])
MAX_ENROLL_BODY = 16 * 1024


class EnrollRequest(BaseModel):
    code: str = Field(min_length=1, max_length=64, description="One-time code, e.g. K7QX-M3PD-9T")
    device_name: str = Field(min_length=1, max_length=100)
    app_version: str | None = Field(default=None, max_length=40)
    node_id: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[0-9A-Za-z._:-]+$",
        description="The kiosk's clock node id (the node part of its HLC stamps)",
    )

    @field_validator("device_name", "app_version")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and not value.isprintable():
            raise ValueError("must be printable text")
        return value


class EnrollResponse(BaseModel):
    device_id: str
    token: str = Field(description="Bearer token; shown once, stored only hashed")
    region: str = Field(description="Region code the device is scoped to")


DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": EnrollRequest.model_json_schema(
                    ref_template="#/components/schemas/{model}"
                )
            }
        },
    }
}


@router.post(
    "/enroll",
    response_model=EnrollResponse,
    openapi_extra=DOC,
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
