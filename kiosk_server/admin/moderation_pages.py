"""Moderation and UU PDP in the console (``/admin/penjual``): find a merchant by name,
phone or NIB; hide or show a merchant or a product in the catalog with a reason; carry
out an erasure request; download a merchant's data for an access request.

Every read and write is kept to the account's region (``moderation`` treats anything
outside it as absent: 404); a viewer reads only; every change and every download of
personal data is in the audit log."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from kiosk_server import moderation
from kiosk_server.admin import sessions
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

router = APIRouter(prefix="/admin", include_in_schema=False)


def not_found() -> Forbidden:
    """Absent and outside the region look the same: a crafted id learns nothing."""
    return Forbidden(
        "Penjual atau produk tidak ada di wilayah Anda.",
        "No such merchant or product in your region.",
    )


CONFIRM_WORD = "HAPUS"


def _audit(request: Request, admin: Admin, action: str, **fields: Any) -> None:
    sessions.audit(context(request).engine, admin.account, action, ip=client_ip(request), **fields)


@router.get("/penjual")
async def search_page(request: Request, admin: Reader, q: str = "") -> Response:
    def find() -> list[dict[str, Any]]:
        with context(request).engine.connect() as conn:
            return moderation.find_merchants(conn, q, admin.account.region)

    found = await run_in_threadpool(find) if q.strip() else []
    return render(request, admin, "moderation.html", q=q, found=found, searched=bool(q.strip()))


def _merchant(request: Request, admin: Admin, merchant_id: str) -> dict[str, Any]:
    try:
        with context(request).engine.connect() as conn:
            return moderation.get_merchant(read_only(conn), merchant_id, admin.account.region)
    except moderation.NotFound as exc:
        raise not_found() from exc


@router.get("/penjual/{merchant_id}")
async def merchant_page(
    request: Request, admin: Reader, merchant_id: str, pesan: str = ""
) -> Response:
    found = await run_in_threadpool(_merchant, request, admin, merchant_id)
    return render(request, admin, "merchant.html", m=found, message=pesan, confirm=CONFIRM_WORD)


def _hide_or_show(
    request: Request, admin: Admin, entity: str, row_id: str, form: dict[str, str]
) -> str:
    engine = context(request).engine
    scope = admin.account.region
    try:
        if form.get("action") == "show":
            row = moderation.unhide(engine, entity, row_id, scope)
            action, reason = f"{entity}_shown", None
        else:
            reason = form.get("reason", "")
            row = moderation.hide(engine, entity, row_id, reason, admin.account.email, scope)
            action = f"{entity}_hidden"
    except moderation.NotFound as exc:
        raise not_found() from exc
    except moderation.BadReason as exc:
        raise Forbidden(
            "Tulis alasannya (paling sedikit 3 huruf).", "Write the reason (3 letters at least)."
        ) from exc
    _audit(request, admin, action, target=f"{entity}:{row_id}", region=row["scope_code"],
           detail={"reason": reason} if reason else None)  # fmt: skip
    return str(row["merchant_id"] if entity == "product" else row_id)


@router.post("/penjual/{merchant_id}/tampil")
async def merchant_visibility(
    request: Request, admin: Writer, form: CheckedForm, merchant_id: str
) -> Response:
    await run_in_threadpool(_hide_or_show, request, admin, "merchant", merchant_id, form)
    return redirect(f"/admin/penjual/{merchant_id}?pesan=ok")


@router.post("/produk/{product_id}/tampil")
async def product_visibility(
    request: Request, admin: Writer, form: CheckedForm, product_id: str
) -> Response:
    merchant_id = await run_in_threadpool(
        _hide_or_show, request, admin, "product", product_id, form
    )
    return redirect(f"/admin/penjual/{merchant_id}?pesan=ok")


def _erase(request: Request, admin: Admin, merchant_id: str) -> moderation.Erased:
    ctx = context(request)
    try:
        done = moderation.erase(ctx.engine, ctx.blobs, merchant_id, admin.account.region)
    except moderation.NotFound as exc:
        raise not_found() from exc
    # Only ids and counts: the audit log must not keep what was erased.
    _audit(request, admin, "merchant_erased", target=f"merchant:{merchant_id}",
           region=done.region, detail={"products": done.products, "photos": done.photos,
                                       "blobs": done.blobs})  # fmt: skip
    return done


@router.post("/penjual/{merchant_id}/hapus")
async def erase_merchant(
    request: Request, admin: Writer, form: CheckedForm, merchant_id: str
) -> Response:
    if form.get("confirm", "").strip().upper() != CONFIRM_WORD:
        raise Forbidden(
            f"Ketik {CONFIRM_WORD} untuk menghapus data penjual ini.",
            f"Type {CONFIRM_WORD} to erase this merchant's data.",
        )
    done = await run_in_threadpool(_erase, request, admin, merchant_id)
    return render(request, admin, "erased.html", done=done)


@router.get("/penjual/{merchant_id}/data.json")
async def access_request(request: Request, admin: Writer, merchant_id: str) -> Response:
    """Everything held about the merchant, for their access request (audited)."""

    def export() -> dict[str, Any]:
        try:
            with context(request).engine.connect() as conn:
                data = moderation.access_export(read_only(conn), merchant_id, admin.account.region)
        except moderation.NotFound as exc:
            raise not_found() from exc
        _audit(request, admin, "merchant_data_downloaded", target=f"merchant:{merchant_id}",
               region=data["merchant"]["scope_code"])  # fmt: skip
        return data

    data = await run_in_threadpool(export)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=1),
        media_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="data-penjual-{merchant_id}.json"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
