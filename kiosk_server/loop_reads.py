"""PostgreSQL: the one read of an idle sync, awaited on the event loop (no worker thread).

An idle sync's work is one statement (``pull.pull_for_token``). Handing it to a worker
thread and back cost more of the server's CPU than the rest of the sync: at a kiosk
fleet's pace (a sync every few milliseconds, not back to back) the thread sleeps
between syncs, and waking it, passing the GIL and waking the loop again cost ~0.5 ms a
sync on the benchmark's machine (docs/server.md, "Fourth pass"). Here the statement is
sent on an asyncio psycopg connection and awaited; the loop serves other requests
meanwhile.

A small pool of its own, last returned first out (as ``db.make_read_engine``'s): at the
usual load one or two connections do the work with their backends' caches warm. The
connections run in autocommit and prepare their statements at once, as the read
engine's do. A connection that fails is closed, never handed out again; a statement
that failed on a connection taken from the pool (one the server closed while it sat
idle: a restart, an idle timeout) is tried once more on a new connection, as it only
reads.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from kiosk_server.db import POSTGRES_READS


def libpq_url(url: str) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL as libpq takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class LoopReads:
    """Up to ``size`` psycopg async connections, made on first use, on one event loop."""

    def __init__(self, url: str, size: int = 10) -> None:
        self._url = libpq_url(url)
        self._size = size
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _on_this_loop(self) -> asyncio.Semaphore:
        """The slots of the running loop: a pool made on another loop (a test's earlier
        client) is dropped, not used across loops."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._idle, self._loop = [], loop
            self._slots = asyncio.Semaphore(self._size)
        return self._slots

    async def rows(self, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
        """The rows of one read (``%(name)s`` parameters)."""
        async with self._on_this_loop():
            for attempt in (1, 2):
                reused = bool(self._idle)
                conn = self._idle.pop() if reused else await self._connect()
                try:
                    cursor = await conn.execute(sql, params)
                    found = await cursor.fetchall()
                except psycopg.OperationalError:
                    await _close(conn)
                    if reused and attempt == 1:
                        continue  # closed while idle: once more, on a new connection
                    raise
                except BaseException:  # a bad statement, a cancellation: state unknown
                    await _close(conn)
                    raise
                self._idle.append(conn)
                return found
        raise AssertionError("unreachable")

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        # The read engine's connection settings (``db.POSTGRES_READS``), in autocommit.
        return await psycopg.AsyncConnection.connect(
            self._url,
            autocommit=True,
            prepare_threshold=POSTGRES_READS["prepare_threshold"],
            options=POSTGRES_READS["options"],
        )

    async def close(self) -> None:
        """Close the idle connections (the app's shutdown)."""
        idle, self._idle = self._idle, []
        if self._loop is asyncio.get_running_loop():
            for conn in idle:
                await _close(conn)


async def _close(conn: psycopg.AsyncConnection[Any]) -> None:
    with contextlib.suppress(Exception):
        await conn.close()
