"""TLS for the kiosk's HTTP sessions: verification on, sessions resumed across connections.

A kiosk talks to one server. When its kept-alive connection has been closed (the
server's 75 s keep-alive passed, the link dropped), the next sync opens a new one; with
the TLS session the last connection was given (a TLS 1.3 ticket), the handshake resumes
it: no certificate chain comes down again and neither side redoes the key exchange's
signature. Python's ``ssl`` sends no 0-RTT early data, so the resumed handshake still
takes its one round trip; a new TCP connection takes another (bench/bench_sync.py --tls
counts them).

Sessions belong to the ``SSLContext`` that made them, so the contexts are kept per CA
setting for the process: every ``ServerClient`` (and clone) of a kiosk shares one, and a
client made after a pause resumes the session of the one before it.
"""

from __future__ import annotations

import ssl
import threading
from typing import Any

import certifi
from requests.adapters import HTTPAdapter


class _Socket(ssl.SSLSocket):
    """Keeps the server's session ticket once one has arrived (after the handshake, with
    the first bytes of the answer)."""

    def recv_into(self, buffer: Any, nbytes: int | None = None, flags: int = 0) -> int:
        n = super().recv_into(buffer, nbytes or 0, flags)
        if n and not getattr(self, "_noted", False):
            session = self.session
            if session is not None and session.has_ticket:
                ctx = self.context
                if isinstance(ctx, ResumingContext):
                    ctx.remember(self.server_hostname, session)
                self._noted = True
        return n


class ResumingContext(ssl.SSLContext):
    """A client context that offers each new connection the last session of its host."""

    sslsocket_class = _Socket

    def __new__(cls, protocol: int = ssl.PROTOCOL_TLS_CLIENT) -> ResumingContext:
        ctx = super().__new__(cls, protocol)
        ctx._sessions = {}
        ctx._lock = threading.Lock()
        ctx.handshakes = 0
        ctx.resumed = 0
        return ctx

    _sessions: dict[str | None, ssl.SSLSession]
    _lock: threading.Lock
    handshakes: int  # TLS handshakes made with this context, and how many resumed
    resumed: int

    def forget_sessions(self) -> None:
        """Drop the kept sessions: the next handshake is a full one."""
        with self._lock:
            self._sessions.clear()

    def remember(self, host: str | None, session: ssl.SSLSession) -> None:
        with self._lock:
            self._sessions[host] = session

    def wrap_socket(self, sock: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("session") is None and not kwargs.get("server_side"):
            with self._lock:
                kwargs["session"] = self._sessions.get(kwargs.get("server_hostname"))
        wrapped = super().wrap_socket(sock, *args, **kwargs)
        with self._lock:
            self.handshakes += 1
            self.resumed += bool(wrapped.session_reused)
        return wrapped


_CONTEXTS: dict[str, ResumingContext] = {}
_CONTEXTS_LOCK = threading.Lock()


def context_for(verify: bool | str) -> ResumingContext:
    """The process's context for a CA setting: ``True`` (the public CAs) or the path of
    the central server's CA bundle. Certificates and host names are always checked."""
    key = certifi.where() if verify is True else str(verify)
    with _CONTEXTS_LOCK:
        ctx = _CONTEXTS.get(key)
        if ctx is None:
            ctx = ResumingContext()
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.load_verify_locations(cafile=key)
            _CONTEXTS[key] = ctx
        return ctx


class ResumingAdapter(HTTPAdapter):
    """requests' adapter whose HTTPS connections use a ``ResumingContext``."""

    def __init__(self, context: ResumingContext, **kwargs: Any) -> None:
        self._context = context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)
