"""Console sign-in and sign-out (``/admin/login``, ``/admin/logout``), the language
switch, and the handlers that turn ``LoginRequired``/``Forbidden`` into pages."""

from __future__ import annotations

import hmac
import math
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from kiosk_server.admin import sessions
from kiosk_server.admin.accounts import authenticate, normalize_email
from kiosk_server.admin.web import (
    LANG_COOKIE,
    LANGS,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    CheckedForm,
    Forbidden,
    LoginRequired,
    Reader,
    client_ip,
    context,
    new_login_token,
    read_form,
    redirect,
    render,
    safe_next,
    set_cookie,
    state,
)

router = APIRouter(prefix="/admin", include_in_schema=False)


def _login_page(request: Request, status: int = 200, **values: object) -> Response:
    token = new_login_token()
    response = render(
        request,
        None,
        "login.html",
        status,
        login_csrf=token,
        next=safe_next(request.query_params.get("next")),
        **values,
    )
    set_cookie(request, response, LOGIN_COOKIE, token, max_age=3600)
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    ctx = context(request)
    email = normalize_email(form.get("email", ""))[:254]
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(form.get("csrf", "").encode(), expected.encode()):
        return _login_page(
            request,
            403,
            email=email,
            error=(
                "Formulir kedaluwarsa: coba masuk lagi.",
                "The form expired: try signing in again.",
            ),
        )
    ip = client_ip(request)
    wait = state(request).login_wait(ip, email)
    if wait:
        await run_in_threadpool(
            sessions.audit, ctx.engine, None, "login_limited", email=email, ip=ip
        )
        response = _login_page(
            request,
            429,
            email=email,
            error=(
                f"Terlalu banyak percobaan masuk. Coba lagi dalam {math.ceil(wait)} detik.",
                f"Too many sign-in attempts. Try again in {math.ceil(wait)} seconds.",
            ),
        )
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    account = await run_in_threadpool(authenticate, ctx.engine, email, form.get("password", ""))
    if account is None:
        await run_in_threadpool(
            sessions.audit, ctx.engine, None, "login_failed", email=email, ip=ip
        )
        return _login_page(
            request,
            401,
            email=email,
            error=("Email atau kata sandi salah.", "Wrong email or password."),
        )
    token, _session = await run_in_threadpool(sessions.open_session, ctx.engine, account, ip)
    response = redirect(safe_next(form.get("next")))
    set_cookie(request, response, SESSION_COOKIE, token, max_age=int(sessions.SESSION_HOURS * 3600))
    response.delete_cookie(LOGIN_COOKIE, path="/admin")
    return response


@router.post("/logout")
async def logout(request: Request, admin: Reader, _form: CheckedForm) -> Response:
    await run_in_threadpool(
        sessions.close_session, context(request).engine, admin.session, client_ip(request)
    )
    response = redirect("/admin/login")
    response.delete_cookie(SESSION_COOKIE, path="/admin")
    return response


@router.get("/bahasa")
def language(request: Request, lang: str = "id", next: str | None = None) -> Response:
    """Switch the console's language (a cookie; Bahasa Indonesia by default)."""
    response = redirect(safe_next(next))
    set_cookie(request, response, LANG_COOKIE, lang if lang in LANGS else "id", max_age=365 * 86400)
    return response


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        if request.method == "GET":
            return redirect("/admin/login?next=" + quote(request.url.path, safe="/"))
        return render(
            request,
            None,
            "message.html",
            401,
            message=(
                "Sesi Anda berakhir: masuk lagi, lalu ulangi.",
                "Your session ended: sign in again, then retry.",
            ),
        )

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, None, "message.html", 403, message=(exc.message_id, exc.message_en))
