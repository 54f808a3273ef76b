"""Backpressure for ``POST /v1/sync``: a process at its limit answers 503 + Retry-After.

Without it every request is queued (for a worker thread, then for a database
connection) however long the queue grows, and one burst makes every kiosk's sync slow,
then time out, then retry into a longer queue. Instead each process admits at most
``sync_concurrency`` syncs at a time; a sync that finds them all taken waits at most
``sync_wait_s`` for a place, then is answered 503 with ``Retry-After`` at once (the
kiosk waits that long plus jitter and sends the same request again: nothing of it was
read, so nothing is lost or applied twice).

First syncs (cursor 0: a fresh kiosk pulling its whole region, thousands of rows) go
through a second, smaller gate (``first_sync_concurrency``) as well, so when a hundred
kiosks are enrolled in one morning they are served a few at a time, one after another,
while the others' small syncs keep flowing (at most as many first syncs wait for a
place as hold one; the rest are told to come back at once).

A place is held for the whole request, answer streaming included: the gate wraps the
ASGI call (``SyncAdmission``), and the route takes the first-sync place through the
``Ticket`` the middleware leaves in the request's scope, released with the rest.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from kiosk_app.domain.i18n import one_line
from kiosk_app.protocol.messages import ERR_SERVER_BUSY

TICKET_KEY = "kiosk_server.admission"


class Gate:
    """At most ``limit`` holders; a newcomer waits at most a given time, in order.

    Loop-agnostic (it binds to no event loop until a waiter needs a future), and only
    ever touched from the event loop, so it needs no lock."""

    def __init__(self, limit: int, queue: int | None = None) -> None:
        self.limit = max(1, limit)
        self.queue = queue  # waiters at most (None: bounded by their wait alone)
        self.active = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.refused = 0  # how many were turned away (for logs and tests)

    async def enter(self, wait_s: float) -> bool:
        """Take a place, waiting at most ``wait_s``; False when none came in time."""
        if self.active < self.limit and not self._waiters:
            self.active += 1
            return True
        if wait_s <= 0 or (self.queue is not None and len(self._waiters) >= self.queue):
            self.refused += 1
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, wait_s)
            return True  # the place was handed over by ``leave``
        except TimeoutError:
            self.refused += 1
            return False
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.leave()  # handed a place just as the request went away
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def leave(self) -> None:
        """Give the place back, or straight to the longest waiter."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.active -= 1


@dataclass
class Ticket:
    """The places one request holds; the middleware gives them all back at its end."""

    held: list[Gate] = field(default_factory=list)

    def release(self) -> None:
        while self.held:
            self.held.pop().leave()


@dataclass(frozen=True)
class Limits:
    """``kiosk_server.config.Settings``' backpressure fields (see there)."""

    sync_concurrency: int
    sync_wait_s: float
    first_sync_concurrency: int
    first_sync_wait_s: float
    retry_after_s: int
    first_sync_retry_after_s: int


class Admission:
    """One process's gates for syncs: all syncs, and first syncs among them."""

    @classmethod
    def from_settings(cls, settings: Any) -> Admission:
        return cls(
            Limits(
                settings.sync_concurrency,
                settings.sync_wait_s,
                settings.first_sync_concurrency,
                settings.first_sync_wait_s,
                settings.busy_retry_after_s,
                settings.first_sync_retry_after_s,
            )
        )

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.syncs = Gate(limits.sync_concurrency)
        # A first sync waits for its place while holding one of all syncs': so few may
        # wait that they never crowd out the small syncs.
        self.first_syncs = Gate(limits.first_sync_concurrency, queue=limits.first_sync_concurrency)

    async def admit_first_sync(self, ticket: Ticket | None) -> int | None:
        """Take a first-sync place for the request holding ``ticket``; None when taken,
        else the seconds to tell the kiosk to wait (``Retry-After``)."""
        if ticket is None:  # the app was built without the middleware (a unit test)
            return None
        if not await self.first_syncs.enter(self.limits.first_sync_wait_s):
            return self.limits.first_sync_retry_after_s
        ticket.held.append(self.first_syncs)
        return None


def busy_body() -> dict[str, dict[str, str]]:
    return {
        "detail": {
            "code": ERR_SERVER_BUSY,
            "message": one_line("The server is busy; try again after Retry-After seconds."),
        }
    }


def retry_header(seconds: float) -> tuple[bytes, bytes]:
    return (b"retry-after", str(max(1, math.ceil(seconds))).encode())


class SyncAdmission:
    """Pure ASGI: ``POST /v1/sync`` passes only with a place in ``admission.syncs``."""

    def __init__(self, app: ASGIApp, admission: Admission, path: str = "/v1/sync") -> None:
        self.app = app
        self.admission = admission
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        gate = self.admission.syncs
        if not await gate.enter(self.admission.limits.sync_wait_s):
            await _send_busy(send, self.admission.limits.retry_after_s)
            return
        ticket = Ticket([gate])
        scope[TICKET_KEY] = ticket
        try:
            await self.app(scope, receive, send)
        finally:
            ticket.release()


async def _send_busy(send: Send, retry_after: int) -> None:
    """503 before the body is read: the connection stays usable (the server reads and
    drops the unread body), the kiosk sends the same request again later."""
    body = json.dumps(busy_body()).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        retry_header(retry_after),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})
