"""Which address the server calls itself by: never what a request's Host header says.

Links in the catalog (``og:url``, the WhatsApp order text) and redirects are built from
the request's URL, whose host comes from the Host header, which any client chooses. So
every request is rewritten, before anything reads it, to the configured public address
(``KIOSK_SERVER_PUBLIC_BASE_URL``); without one, a Host header must name one of the
trusted hosts (``KIOSK_SERVER_TRUSTED_HOSTS``, else 400); with neither (a server on
loopback only: ``serve`` refuses any other address), the address the server listens on.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(value: str) -> str:
    """The host of a Host header (no port, lowercase; IPv6 brackets kept)."""
    if value.startswith("["):
        return value.split("]", 1)[0].lower() + "]"
    return value.rsplit(":", 1)[0].lower() if value.count(":") == 1 else value.lower()


def _matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


class CanonicalHost:
    """Pure ASGI: sets each request's Host header (and scheme) to the canonical one."""

    def __init__(self, app: ASGIApp, public_base_url: str | None, trusted: list[str]) -> None:
        self.app = app
        self.trusted = trusted
        self.netloc: bytes | None = None
        self.scheme: str | None = None
        if public_base_url:
            parts = urlsplit(public_base_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(
                    f"KIOSK_SERVER_PUBLIC_BASE_URL must be http(s)://host[:port], not "
                    f"{public_base_url!r}"
                )
            self.netloc = parts.netloc.encode("idna")
            self.scheme = parts.scheme

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
        if self.netloc is not None:
            host = self.netloc
            scope = {**scope, "scheme": self.scheme}
        elif self.trusted:
            given = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if not any(_matches(_host_name(given), p) for p in self.trusted):
                response = PlainTextResponse("Invalid host header", status_code=400)
                await response(scope, receive, send)
                return
            host = given.encode("latin-1")
        else:
            server = scope.get("server") or ("localhost", None)
            name, port = server[0], server[1]
            name = f"[{name}]" if ":" in name else name
            default = {"http": 80, "https": 443}.get(scope.get("scheme", "http"))
            host = (name if port in (None, default) else f"{name}:{port}").encode("latin-1")
        await self.app({**scope, "headers": [(b"host", host), *headers]}, receive, send)
