"""Updates and settings in the console (``/admin/pembaruan``): announce an app version as
a staged rollout (a share of kiosks, or chosen regions), withdraw it, and set the
settings kiosks of a region take through sync (sync interval, photo quality).

A region coordinator announces and sets only inside their region; a viewer reads;
every change is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from kiosk_app.protocol.messages import PHOTO_QUALITY, SYNC_INTERVAL_S
from kiosk_server import rollout
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

router = APIRouter(prefix="/admin", include_in_schema=False)


def _lists(request: Request, admin: Admin) -> dict[str, Any]:
    with context(request).engine.connect() as conn:
        return {
            "rollouts": rollout.list_rollouts(conn, admin.account.region),
            "settings": rollout.list_settings(conn, admin.account.region),
        }


@router.get("/pembaruan")
async def updates_page(request: Request, admin: Reader, pesan: str = "") -> Response:
    found = await run_in_threadpool(_lists, request, admin)
    return render(
        request,
        admin,
        "updates.html",
        message=pesan,
        default_region=admin.account.region or "",
        fallback=context(request).settings.latest_app_version,
        **found,
    )


def _refused(exc: rollout.BadRollout) -> Forbidden:
    return Forbidden(str(exc), str(exc))


def _whole(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise rollout.BadRollout(f"Bukan bilangan bulat: {text[:20]}")
    return int(text)


@router.post("/pembaruan/umumkan")
async def announce(request: Request, admin: Writer, form: CheckedForm) -> Response:
    ctx = context(request)

    def work() -> int:
        try:
            share = _whole(form.get("share")) if form.get("target") != "regions" else None
            regions = form.get("regions", "") if form.get("target") == "regions" else ""
            rollout_id = rollout.announce(
                ctx.engine, form.get("version", ""), form.get("region", ""), share, regions,
                admin.account.email, admin.account.region,
            )  # fmt: skip
        except rollout.BadRollout as exc:
            raise _refused(exc) from exc
        ctx.announcements.changed()
        sessions.audit(ctx.engine, admin.account, "rollout_announced",
                       target=f"rollout:{rollout_id}", region=form.get("region") or None,
                       detail={"version": form.get("version"), "share": share,
                               "regions": regions or None}, ip=client_ip(request))  # fmt: skip
        return rollout_id

    await run_in_threadpool(work)
    return redirect("/admin/pembaruan?pesan=ok")


@router.post("/pembaruan/{rollout_id}/tarik")
async def withdraw(request: Request, admin: Writer, form: CheckedForm, rollout_id: str) -> Response:
    ctx = context(request)

    def work() -> None:
        # The id is text in the route, so a malformed one is refused after the CSRF
        # check like a missing one (a 422 would answer before the token was looked at).
        found = rollout_id.isdigit() and rollout.withdraw(
            ctx.engine, int(rollout_id), admin.account.region
        )
        if not found:
            raise Forbidden(
                "Pengumuman ini tidak ada di wilayah Anda.", "No such announcement in your region."
            )
        ctx.announcements.changed()
        sessions.audit(ctx.engine, admin.account, "rollout_withdrawn",
                       target=f"rollout:{rollout_id}", ip=client_ip(request))  # fmt: skip

    await run_in_threadpool(work)
    return redirect("/admin/pembaruan?pesan=ok")


@router.post("/pengaturan")
async def region_settings(request: Request, admin: Writer, form: CheckedForm) -> Response:
    ctx = context(request)

    def work() -> None:
        try:
            minutes = _whole(form.get("sync_minutes"))
            values = {
                SYNC_INTERVAL_S: None if minutes is None else minutes * 60,
                PHOTO_QUALITY: _whole(form.get("photo_quality")),
            }
            rollout.set_settings(ctx.engine, form.get("region", ""), values,
                                 admin.account.email, admin.account.region)  # fmt: skip
        except rollout.BadRollout as exc:
            raise _refused(exc) from exc
        ctx.announcements.changed()
        sessions.audit(ctx.engine, admin.account, "region_settings_set",
                       region=form.get("region") or None, detail=values,
                       ip=client_ip(request))  # fmt: skip

    await run_in_threadpool(work)
    return redirect("/admin/pembaruan?pesan=ok")
