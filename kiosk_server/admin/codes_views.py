"""``/admin/codes``: pick a region step by step (no JavaScript), make a one-time
enrollment code for it, shown once on a printable sheet with its QR code; list and
expire codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.regions import validate_region_code
from kiosk_server.admin import codes, sessions
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
from kiosk_server.devices import EnrollError, new_enroll_code

router = APIRouter(prefix="/admin", include_in_schema=False)
LEVELS = {
    "province": ("Provinsi", "Province"),
    "regency": ("Kabupaten/Kota", "Regency/City"),
    "district": ("Kecamatan", "District"),
    "village": ("Desa/Kelurahan", "Village"),
}


def _code(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return validate_region_code(text.strip(), field="region")
    except ValidationError:
        return None


@router.get("/codes")
async def codes_page(request: Request, admin: Reader) -> Response:
    ctx = context(request)
    wanted = _code(request.query_params.get("wilayah"))
    if wanted is not None and not admin.account.sees(wanted):
        wanted = None  # outside the account's region: start from its top instead

    def load() -> dict[str, Any]:
        with ctx.engine.connect() as raw:
            conn = read_only(raw)
            here = codes.place(conn, wanted) if wanted else None
            code = str(here["code"]) if here else None
            return {
                "here": here,
                "crumbs": codes.path_to(conn, admin.account, code) if code else [],
                "below": codes.children(conn, admin.account, code),
                "codes": codes.list_codes(
                    conn, admin.account, datetime.now(UTC).isoformat(timespec="milliseconds")
                ),
            }

    values = await run_in_threadpool(load)
    return render(
        request,
        admin,
        "codes.html",
        levels=LEVELS,
        ttl_choices=codes.TTL_CHOICES,
        expired=request.query_params.get("kedaluwarsa") == "1",
        **values,
    )


@router.post("/codes")
async def make_code(request: Request, admin: Writer, form: CheckedForm) -> Response:
    """Make a code for the picked region and show its sheet (once: only its hash is kept)."""
    ctx = context(request)
    code = _code(form.get("wilayah"))
    if code is None or not admin.account.sees(code):
        raise Forbidden(
            "Pilih wilayah di dalam wilayah Anda.", "Pick a region inside your own region."
        )
    ttl = form.get("jam", "")
    hours = int(ttl) if ttl.isdigit() and int(ttl) in codes.TTL_CHOICES else 72
    try:
        made, here = await run_in_threadpool(_make, ctx, admin, code, hours, client_ip(request))
    except EnrollError as exc:
        raise Forbidden(f"Kode tidak bisa dibuat: {exc}", f"No code made: {exc}") from exc
    server = (ctx.settings.public_base_url or str(request.base_url)).rstrip("/")
    payload = codes.qr_payload(server, made)
    return render(
        request,
        admin,
        "code_sheet.html",
        code=made,
        here=here,
        hours=hours,
        server=server,
        payload=payload,
        qr=codes.qr_svg(payload),
        levels=LEVELS,
        expires=_in_hours(hours),
    )


def _in_hours(hours: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).strftime("%d-%m-%Y %H:%M UTC")


def _make(ctx: Any, admin: Admin, code: str, hours: int, ip: str) -> tuple[str, dict[str, Any]]:
    made = new_enroll_code(ctx.engine, ctx.keys, code, hours, created_by=admin.account.id)
    sessions.audit(
        ctx.engine, admin.account, "code_created", region=code, detail={"hours": hours}, ip=ip
    )
    with ctx.engine.connect() as conn:
        here = codes.place(conn, code) or {"code": code, "name": code, "level": "village"}
        here["crumbs"] = codes.path_to(conn, admin.account, code)
    return made, here


@router.post("/codes/expire")
async def expire(request: Request, admin: Writer, form: CheckedForm) -> Response:
    ctx = context(request)
    done = await run_in_threadpool(
        codes.expire_code, ctx.engine, admin.account, form.get("kode", "")[:80], client_ip(request)
    )
    if not done:
        raise Forbidden(
            "Kode tidak ditemukan di wilayah Anda, atau sudah dipakai atau kedaluwarsa.",
            "No such open code in your region (used or expired already?).",
        )
    return redirect("/admin/codes?kedaluwarsa=1")
