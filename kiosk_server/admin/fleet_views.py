"""``/admin/devices``: the fleet (filters, sort, key-based paging) and revoking a kiosk."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.regions import validate_region_code
from kiosk_server.admin import fleet, sessions
from kiosk_server.admin.web import (
    Admin,
    CheckedForm,
    Forbidden,
    Reader,
    Writer,
    client_ip,
    context,
    redirect,
    render,
)
from kiosk_server.db import read_only
from kiosk_server.devices import revoke
from kiosk_server.housekeeping import discard_files

router = APIRouter(prefix="/admin", include_in_schema=False)
SILENT_CHOICES = (1, 3, 7, 30)


def _query(params: Any) -> tuple[fleet.FleetQuery, str | None]:
    """The page's query from its URL; odd values fall back to defaults. Returns the
    query and a message about a region code that is not one."""
    problem = None
    code = (params.get("wilayah") or "").strip()
    if code:
        try:
            code = validate_region_code(code, field="region")
        except ValidationError:
            problem = code
            code = ""
    silent = params.get("senyap", "")
    size = params.get("n", "")
    return (
        fleet.FleetQuery(
            region=code or None,
            silent_days=int(silent) if silent.isdigit() and int(silent) in SILENT_CHOICES else None,
            outdated=params.get("usang") == "1",
            errors=params.get("galat") == "1",
            revoked=params.get("dicabut") == "1",
            sort=params.get("urut") if params.get("urut") in fleet.SORTS else "last_seen",
            descending=params.get("arah") == "turun",
            size=int(size) if size.isdigit() and int(size) in fleet.PAGE_SIZES else 50,
            after=params.get("setelah"),
            before=params.get("sebelum"),
        ),
        problem,
    )


def _url(params: dict[str, str], **change: str | None) -> str:
    merged = {k: v for k, v in {**params, **change}.items() if v}
    return "/admin/devices" + ("?" + urlencode(merged) if merged else "")


@router.get("/devices")
async def devices_page(request: Request, admin: Reader) -> Response:
    q, bad_code = _query(request.query_params)
    ctx = context(request)

    def load() -> fleet.FleetPage:
        with ctx.engine.connect() as conn:
            return fleet.fleet_page(
                read_only(conn), admin.account, q, ctx.settings.latest_app_version
            )

    page = await run_in_threadpool(load)
    keep = {
        k: v
        for k, v in request.query_params.items()
        if k in ("wilayah", "senyap", "usang", "galat", "dicabut", "urut", "arah", "n")
    }
    return render(
        request,
        admin,
        "devices.html",
        page=page,
        q=q,
        bad_code=bad_code,
        silent_choices=SILENT_CHOICES,
        silent_mark=fleet.SILENT_DAYS,
        sizes=fleet.PAGE_SIZES,
        url=lambda **change: _url(keep, setelah=None, sebelum=None, **change),
        next_url=_url(keep, setelah=page.next_key) if page.next_key else None,
        prev_url=_url(keep, sebelum=page.prev_key) if page.prev_key else None,
        revoked_id=request.query_params.get("dicabut_id"),
    )


@router.post("/devices/{device_id}/revoke")
async def revoke_device(
    request: Request, device_id: str, admin: Writer, form: CheckedForm
) -> Response:
    """Revoke a kiosk in the account's scope; one outside it is "not found", as if it
    did not exist (a region coordinator learns nothing about other regions)."""
    ctx = context(request)
    done = await run_in_threadpool(_revoke, ctx, admin, device_id, client_ip(request))
    if not done:
        raise Forbidden(
            "Kios tidak ditemukan di wilayah Anda, atau aksesnya sudah dicabut.",
            "No such kiosk in your region, or its access was already revoked.",
        )
    back = form.get("back", "")
    target = back if back.startswith("/admin/devices") else "/admin/devices"
    sep = "&" if "?" in target else "?"
    return redirect(f"{target}{sep}dicabut_id={device_id}")


def _revoke(ctx: Any, admin: Admin, device_id: str, ip: str) -> bool:
    with ctx.engine.connect() as conn:
        found = fleet.device_in_scope(conn, admin.account, device_id[:64])
    if found is None or found["revoked_at"] is not None:
        return False

    def audited(conn: Connection, uploads: list[str]) -> None:  # with the revocation
        sessions.record(
            conn,
            admin.account,
            "device_revoked",
            target=device_id,
            region=str(found["region"]),
            detail={"name": found["name"], "uploads_removed": len(uploads)},
            ip=ip,
        )

    try:
        ended = revoke(ctx.engine, device_id, audited)
    except LookupError:
        return False
    discard_files(ctx.settings, ended)
    return True
