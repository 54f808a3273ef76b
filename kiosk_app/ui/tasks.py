"""Run work off the GUI thread and get the result back on it through a Qt signal.

``run_task(fn, on_done, on_error)`` queues ``fn(store)`` to the StoreThread (the one
thread that owns the database); ``run_in_worker`` sends CPU or file work (photo
processing, thumbnail decoding) to a small pool. Either way the callback runs later on
the GUI thread, posted by a queued signal, as Picard's ``run_task`` and Anki's task
manager do. A callback whose ``context`` widget was destroyed meanwhile is dropped.
A store task that wrote to the outbox (a local change) makes the runner emit
``local_change``, so the sync scheduler hears of every change whichever screen made it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

from kiosk_app.store.delivery import outbox_mark
from kiosk_app.store.owner import StoreThread
from kiosk_app.store.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


@dataclass
class _Job:
    future: Future[Any]
    on_done: Done | None
    on_error: Failed | None
    context: QObject | None
    name: str


class TaskRunner(QObject):
    """Submits work to the store thread or a worker pool; calls back on the GUI thread.

    ``failed`` carries errors no caller handled (bugs, mostly): the main window shows
    them, and they are logged with their traceback.
    """

    failed = Signal(object)  # BaseException
    idle = Signal()
    local_change = Signal()  # emitted from the store thread; queued to receivers
    _finished = Signal(object)  # _Job, emitted from any thread

    def __init__(
        self, store_thread: StoreThread, workers: int = 2, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._store_thread = store_thread
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kiosk-worker")
        self._pending = 0
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def pending(self) -> int:
        """Jobs submitted whose callback has not run yet (tests wait for 0)."""
        return self._pending

    def run_task(
        self,
        fn: Callable[[Store], T],
        on_done: Callable[[T], None] | None = None,
        on_error: Failed | None = None,
        *,
        context: QObject | None = None,
    ) -> None:
        """Run ``fn(store)`` on the store thread; ``on_done(result)`` on the GUI thread."""
        self._track(self._store_thread.submit(self._watched, fn), on_done, on_error, context, fn)

    def _watched(self, store: Store, fn: Callable[[Store], T]) -> T:
        """Run ``fn`` on the store thread, telling whether it added outbox entries."""
        before = outbox_mark(store)
        try:
            return fn(store)
        finally:
            if outbox_mark(store) != before:
                self.local_change.emit()

    def run_in_worker(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        on_error: Failed | None = None,
        *,
        context: QObject | None = None,
    ) -> None:
        """Run ``fn()`` in the worker pool (never touch the store or widgets there)."""
        self._track(self._pool.submit(fn), on_done, on_error, context, fn)

    def shutdown(self) -> None:
        """Stop taking work; waits for running worker jobs."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _track(
        self,
        future: Future[Any],
        on_done: Done | None,
        on_error: Failed | None,
        context: QObject | None,
        fn: Callable[..., Any],
    ) -> None:
        self._pending += 1
        job = _Job(future, on_done, on_error, context, getattr(fn, "__qualname__", repr(fn)))
        future.add_done_callback(lambda _f: self._finished.emit(job))

    @Slot(object)
    def _deliver(self, job: _Job) -> None:
        self._pending -= 1
        try:
            if job.context is not None and not shiboken6.isValid(job.context):
                return  # the screen that asked is gone
            error = job.future.exception()
            if error is None:
                if job.on_done is not None:
                    job.on_done(job.future.result())
            elif job.on_error is not None:
                job.on_error(error)
            else:
                log.error("task %s failed", job.name, exc_info=error)
                self.failed.emit(error)
        except Exception as exc:  # a bug in a callback: log it, show it, keep running
            log.exception("callback of %s failed", job.name)
            self.failed.emit(exc)
        finally:
            if self._pending == 0:
                self.idle.emit()
