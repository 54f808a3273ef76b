"""One owner thread for the kiosk database: every read and write runs there, in order.

sqlite-utils ``Database`` objects belong to the thread that opened them, and SQLite
serialises writers anyway; a single thread fed by a queue (as Datasette and Anki do)
keeps the GUI thread free and makes the order of changes the order of requests.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from kiosk_app.domain.hlc import WallClock, system_wall_ms
from kiosk_app.store.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
_STOP = object()


class StoreThread:
    """Runs callables ``fn(store, *args)`` on the thread that owns the ``Store``."""

    def __init__(
        self, path: Path, name: str = "kiosk-store", wall: WallClock = system_wall_ms
    ) -> None:
        self._path = path
        self._wall = wall
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self._ready.result()  # re-raises a failure to open (e.g. schema too new)

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Queue ``fn(store, *args)``; the future carries its result or exception."""
        future: Future[T] = Future()
        self._jobs.put((future, fn, args))
        return future

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(store, *args)`` and wait for it (not from the GUI thread)."""
        return self.submit(fn, *args).result()

    def close(self) -> None:
        self._jobs.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        try:
            store = Store.open(self._path, self._wall)
        except BaseException as exc:
            self._ready.set_exception(exc)
            return
        self._ready.set_result(None)
        try:
            while True:
                job = self._jobs.get()
                if job is _STOP:
                    break
                future, fn, args = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(fn(store, *args))
                except BaseException as exc:
                    if not isinstance(exc, Exception):
                        raise
                    future.set_exception(exc)
        finally:
            store.close()
