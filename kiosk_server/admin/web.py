"""What every console page uses: the signed-in account (``Reader``/``Writer``/
``require_role``), the CSRF-checked form (``CheckedForm``), rendering (``render``),
the language (``tr``), login rate limits and the cookies' flags.

Pages are plain HTML forms: a POST carries the session's CSRF token in the field
``csrf``, checked before anything else; a request without a live session is sent to
the login page (GET) or refused (POST). Cookies are ``HttpOnly``, ``SameSite=Strict``
and ``Secure`` when the request came over https or the deployment says it is behind TLS
(``KIOSK_SERVER_ADMIN_SECURE_COOKIES``).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from kiosk_server.admin.accounts import Account
from kiosk_server.admin.sessions import Session, find_session
from kiosk_server.api.deps import ServerContext
from kiosk_server.ratelimit import KeyedBuckets

TEMPLATES = Path(__file__).with_name("templates")
SESSION_COOKIE = "etalase_admin"
LOGIN_COOKIE = "etalase_login"  # the login form's CSRF token (double submit)
LANG_COOKIE = "etalase_lang"
LANGS = ("id", "en")
MAX_FORM = 64 * 1024
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass
class AdminState:
    """Per process: login rate limits (token buckets, like enrollment's)."""

    per_address: KeyedBuckets
    per_account: KeyedBuckets

    @classmethod
    def make(cls, per_address_per_minute: float, per_account_per_minute: float) -> AdminState:
        return cls(
            KeyedBuckets(per_address_per_minute, per_address_per_minute),
            KeyedBuckets(per_account_per_minute, per_account_per_minute),
        )

    def login_wait(self, address: str, email: str) -> float:
        """0 when a login attempt may go ahead, else seconds to wait. Both buckets pay:
        a guesser spreading over accounts meets the address's, a botnet the account's."""
        return max(self.per_address.take(address), self.per_account.take(email))


@dataclass(frozen=True)
class Admin:
    """The signed-in person on this request, with their session's CSRF token."""

    account: Account
    csrf: str
    lang: str
    session: Session

    @property
    def can_write(self) -> bool:
        return self.account.can_write

    def tr(self, indonesian: str, english: str) -> str:
        return english if self.lang == "en" else indonesian


class LoginRequired(Exception):
    """No live session: GET goes to the login page, anything else is refused."""


class Forbidden(Exception):
    """Signed in, but this account may not do or see this."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_id = message_id
        self.message_en = message_en


def context(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


def state(request: Request) -> AdminState:
    found: AdminState = request.app.state.admin
    return found


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "id")
    return lang if lang in LANGS else "id"


def secure_cookies(request: Request) -> bool:
    flag = context(request).settings.admin_secure_cookies
    if flag is not None:
        return flag
    base = context(request).settings.public_base_url or ""
    return request.url.scheme == "https" or base.startswith("https://")


def set_cookie(request: Request, response: Response, name: str, value: str, **extra: Any) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path="/admin",
        **extra,
    )


async def current_admin(request: Request) -> Admin:
    """The dependency every page starts from (``Reader``)."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        raise LoginRequired()
    session = await run_in_threadpool(find_session, context(request).engine, token)
    if session is None:
        raise LoginRequired()
    return Admin(session.account, session.csrf, lang_of(request), session)


def require_role(*roles: str) -> Callable[..., Any]:
    """A dependency giving the signed-in ``Admin`` when their role is one of ``roles``."""

    async def check(admin: Annotated[Admin, Depends(current_admin)]) -> Admin:
        if admin.account.role not in roles:
            raise Forbidden(
                "Akun Anda hanya boleh melihat, tidak boleh mengubah.",
                "Your account may look but not change anything.",
            )
        return admin

    return check


Reader = Annotated[Admin, Depends(current_admin)]
Writer = Annotated[Admin, Depends(require_role("national", "region"))]
National = Annotated[Admin, Depends(require_role("national"))]


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (at most 64 KiB), last value wins."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise Forbidden("Formulir terlalu besar.", "Form too large.")
    if kind != "application/x-www-form-urlencoded":
        return {}
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


async def checked_form(request: Request, admin: Reader) -> dict[str, str]:
    """The POSTed form, after its CSRF token matched the session's (else 403)."""
    form = await read_form(request)
    if not hmac.compare_digest(form.get("csrf", "").encode(), admin.csrf.encode()):
        raise Forbidden(
            "Formulir kedaluwarsa atau tidak sah: buka halamannya lagi lalu coba lagi.",
            "This form expired or is not valid: open the page again and retry.",
        )
    return form


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["q"] = lambda text: quote(str(text), safe="")
    env.filters["size"] = human_bytes
    env.filters["seconds"] = human_seconds
    env.filters["when"] = lambda text: str(text or "")[:16].replace("T", " ")
    return env


def human_bytes(count: int | None) -> str:
    if count is None:
        return "–"
    for unit in ("B", "KB", "MB"):
        if count < 1024:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count = count / 1024  # type: ignore[assignment]
    return f"{count:.1f} GB"


def human_seconds(seconds: float | None) -> str:
    """``+42 s``, ``-3 min``, ``+2 h``, ``+5 d``: a clock skew or a duration, short."""
    if seconds is None:
        return "–"
    sign = "-" if seconds < 0 else "+"
    size = abs(seconds)
    for limit, unit, div in ((120, "s", 1), (7200, "min", 60), (172800, "h", 3600)):
        if size < limit:
            return f"{sign}{size / div:.0f} {unit}"
    return f"{sign}{size / 86400:.0f} d"


def render(
    request: Request,
    admin: Admin | None,
    template: str,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """A console page: ``template`` (extending ``base.html``) with the signed-in admin,
    ``tr(id, en)`` for text and the CSRF token for forms; never cached."""
    lang = admin.lang if admin else lang_of(request)

    def tr(indonesian: str, english: str) -> str:
        return english if lang == "en" else indonesian

    body = (
        environment()
        .get_template(template)
        .render(admin=admin, tr=tr, lang=lang, path=request.url.path, **values)
    )
    return HTMLResponse(body, status, headers=HEADERS)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def safe_next(url: str | None) -> str:
    """Where to go after login: a path inside the console, never another site."""
    if url and url.startswith("/admin/") and not url.startswith("//") and "\\" not in url:
        return url
    return "/admin/devices"
