"""The sync engine running for the GUI: its scheduler thread, and what it says by signals.

``SyncRunner`` owns a ``SyncScheduler`` (its own thread) driving a ``SyncEngine`` whose
store work runs on the store thread. Everything the scheduler thread reports (a sync
started, progress, photo upload bytes, the result) is emitted as a Qt signal, so it
reaches the GUI thread queued; the runner then reads fresh counts through the task
runner and publishes a ``SyncStatus`` for the badge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

from kiosk_app.media.blobs import BlobStore
from kiosk_app.store import replica, sync_log
from kiosk_app.store.owner import StoreThread
from kiosk_app.store.store import Store
from kiosk_app.sync import scheduler as sched
from kiosk_app.sync.device import Device, load_device
from kiosk_app.sync.engine import SyncEngine, SyncResult
from kiosk_app.sync.scheduler import SyncScheduler
from kiosk_app.ui import sync_status as st
from kiosk_app.ui.sync_status import SyncStatus, SyncStatusSource
from kiosk_app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Snapshot:
    device: Device | None
    pending_changes: int
    pending_photos: int
    open_conflicts: int
    last_success: str | None
    last_error: str | None
    refused: int = 0


def _snapshot(store: Store) -> _Snapshot:
    summary = replica.pending_summary(store)
    last = sync_log.last_sync(store)
    return _Snapshot(
        load_device(store),
        summary["pending_changes"],
        summary["pending_photos"],  # one photo, not its two files
        summary["open_conflicts"],
        last.success,
        last.error,
        summary["rejected"],
    )


def error_kind(error: str | None) -> str | None:
    """The error's class name from ``SyncResult.error`` ("OfflineError: ...")."""
    if not error:
        return None
    return error.split(":", 1)[0].strip()


def error_words(error: str | None) -> str:
    """The last sync error in plain words for the operator (empty when none)."""
    kind = error_kind(error)
    if kind is None:
        return ""
    words = {
        "OfflineError": QCoreApplication.translate(
            "SyncRunner",
            "No connection to the server. The data is safe on the kiosk and will be sent later.",
        ),
        "TokenRevokedError": QCoreApplication.translate(
            "SyncRunner",
            "This kiosk's access to the server was revoked. Ask a technician to enroll the "
            "kiosk again with a new enrollment code from the central admin.",
        ),
        "ProtocolTooOldError": QCoreApplication.translate(
            "SyncRunner",
            "This kiosk app's version is too old for the server. "
            "Ask a technician to update the app.",
        ),
        "ServerError": QCoreApplication.translate(
            "SyncRunner", "The server has a problem. The data is safe here; we will try again."
        ),
        "ServerBusyError": QCoreApplication.translate(
            "SyncRunner", "Server busy, trying again shortly. The data is safe on this kiosk."
        ),
        "RequestRefusedError": QCoreApplication.translate(
            "SyncRunner", "The server refused the data. Ask the technician to check."
        ),
        "SSLError": QCoreApplication.translate(
            "SyncRunner", "The server's certificate is not trusted. Ask a technician to check it."
        ),
    }
    return words.get(kind) or QCoreApplication.translate(
        "SyncRunner", "Sending failed; we will try again."
    )


class SyncRunner(SyncStatusSource):
    """Syncs an enrolled kiosk in the background; the badge and sync page follow it.

    Signals from the scheduler thread are queued to the GUI thread: ``started``,
    ``progress(stage, done, total)``,
    ``upload_progress(sha256, kind, sent, confirmed, length)``
    and ``finished(SyncResult)``.
    """

    started = Signal()
    progress = Signal(str, int, int)
    upload_progress = Signal(str, str, int, int, int)
    finished = Signal(object)  # SyncResult

    def __init__(
        self,
        runner: TaskRunner,
        store_thread: StoreThread,
        blobs: BlobStore,
        *,
        settle_s: float = sched.SETTLE_S,
        idle_pull_s: float = sched.IDLE_PULL_S,
        timer: sched.Timer = sched.SYSTEM_TIMER,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store_thread = store_thread
        self._blobs = blobs
        self._settle_s = settle_s
        self._idle_pull_s = idle_pull_s
        self._timer = timer  # the scheduler's time (tests move a timer of their own)
        self._scheduler: SyncScheduler | None = None
        self._engine: SyncEngine | None = None
        self._syncing = False
        self._last: SyncResult | None = None
        self.device: Device | None = None
        self.started.connect(self._on_started, Qt.ConnectionType.QueuedConnection)
        self.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    # -- control (GUI thread) -----------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    @property
    def syncing(self) -> bool:
        return self._syncing

    def start(self, device: Device) -> None:
        """Start syncing as ``device`` (replacing any earlier enrollment)."""
        self.stop()
        self.device = device
        engine = SyncEngine(
            self._store_thread.call,
            device.client(),
            self._blobs,
            on_progress=self.progress.emit,
            on_upload=self.upload_progress.emit,
        )
        self._engine = engine
        self._scheduler = SyncScheduler(
            self._sync_once,
            self.finished.emit,
            idle_pull_s=self._idle_pull_s,
            settle_s=self._settle_s,
            timer=self._timer,
        ).start()
        self.refresh()

    def start_if_enrolled(self) -> None:
        """Look up the enrollment on the store thread; start when there is one."""

        def found(device: Device | None) -> None:
            if device is not None and not self.running:
                self.start(device)
            else:
                self.refresh()

        self._runner.run_task(load_device, found, context=self)

    def stop(self) -> None:
        """Stop the scheduler thread (waits for a sync in flight to finish its request)."""
        scheduler, engine = self._scheduler, self._engine
        self._scheduler = self._engine = None
        if engine is not None:
            engine.interrupt()  # a wait for a busy server ends now
        if scheduler is not None:
            scheduler.stop(timeout=30.0)
        if engine is not None:
            engine.client.close()

    def local_change(self) -> None:
        """A local change was saved: sync soon, and update the counts now."""
        if self._scheduler is not None:
            self._scheduler.changed()
        self.refresh()

    def sync_now(self) -> None:
        if self._scheduler is not None:
            self._scheduler.sync_now()

    def refresh(self) -> None:
        self._runner.run_task(_snapshot, self._publish_snapshot, context=self)

    # -- the scheduler thread ------------------------------------------------------------

    def _sync_once(self) -> SyncResult:
        engine = self._engine
        if engine is None:  # stopped meanwhile
            return SyncResult(ok=True)
        self.started.emit()
        return engine.sync_once()

    # -- back on the GUI thread --------------------------------------------------------

    @Slot()
    def _on_started(self) -> None:
        self._syncing = True
        self.publish(
            SyncStatus(
                st.SYNCING,
                self.status.pending_changes,
                self.status.pending_photos,
                self.status.last_success,
                None,
                self.status.open_conflicts,
                self.status.refused,
            )
        )

    @Slot(str, int, int)
    def _on_progress(self, stage: str, done: int, _total: int) -> None:
        if stage != "busy":
            return
        # The server asked the kiosk to come back in ``done`` seconds: say so, calmly.
        self.publish(
            SyncStatus(
                st.BUSY,
                self.status.pending_changes,
                self.status.pending_photos,
                self.status.last_success,
                QCoreApplication.translate(
                    "SyncRunner", "Server busy, trying again in {n} seconds…"
                ).format(n=done),
                self.status.open_conflicts,
                self.status.refused,
            )
        )

    @Slot(object)
    def _on_finished(self, result: SyncResult) -> None:
        self._syncing = False
        self._last = result
        self.refresh()

    def _publish_snapshot(self, snap: _Snapshot) -> None:
        if snap.device is None:
            state = st.NOT_CONNECTED
        elif self._syncing:
            state = st.SYNCING
        else:
            error = self._last.error if self._last is not None else snap.last_error
            kind = error_kind(error)
            if kind == "OfflineError":
                state = st.OFFLINE
            elif kind == "ServerBusyError":
                state = st.BUSY  # told to come back later: not an error
            elif kind is not None:
                state = st.ERROR
            elif snap.refused:
                state = st.REFUSED
            elif snap.pending_changes or snap.pending_photos:
                state = st.PENDING
            else:
                state = st.IDLE
        error = self._last.error if self._last is not None else snap.last_error
        self.publish(
            SyncStatus(
                state,
                snap.pending_changes,
                snap.pending_photos,
                snap.last_success,
                error_words(error) if snap.device is not None else None,
                snap.open_conflicts,
                snap.refused,
            )
        )
