"""The small status object the sync badge reads, and its source until sync is wired in.

The badge never computes anything itself: it shows whatever ``SyncStatus`` its source
last emitted: ``LocalOnlyStatus`` while the kiosk is not enrolled (the count of changes
saved locally comes from the outbox), ``sync_runner.SyncRunner`` once it is (fed by
the sync scheduler's thread through Qt signals).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QDateTime, QLocale, QObject, Qt, QTimer, Signal

from kiosk_app.store.store import Store
from kiosk_app.ui.tasks import TaskRunner

NOT_CONNECTED = "not_connected"
IDLE = "idle"  # connected, everything sent
SYNCING = "syncing"
PENDING = "pending"  # connected, changes waiting (retrying soon)
OFFLINE = "offline"  # enrolled, but the server cannot be reached now
ERROR = "error"
REFUSED = "refused"  # connected, but the server refused records: a person must act
BUSY = "busy"  # the server said it is at its limit (503): sent again shortly, no error
STATES = (NOT_CONNECTED, IDLE, SYNCING, PENDING, OFFLINE, ERROR, REFUSED, BUSY)


@dataclass(frozen=True)
class SyncStatus:
    """What the badge shows. Counts are None when unknown, never guessed."""

    state: str = NOT_CONNECTED
    pending_changes: int | None = None
    pending_photos: int | None = None  # photos, not their image files
    last_success: str | None = None  # ISO time of the last complete sync
    message: str | None = None  # already translated detail (e.g. the last error)
    open_conflicts: int | None = None
    refused: int | None = None  # records the server refused


def format_when(iso: str | None) -> str:
    """An ISO time as local date and time in the current language ("" when None)."""
    if not iso:
        return ""
    when = QDateTime.fromString(iso, Qt.DateFormat.ISODateWithMs)
    if not when.isValid():
        when = QDateTime.fromString(iso, Qt.DateFormat.ISODate)
    return QLocale().toString(when.toLocalTime(), "d MMMM yyyy, HH.mm")


class SyncStatusSource(QObject):
    """Emits ``changed(SyncStatus)``; ``refresh()`` asks for a fresh one."""

    changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._status = SyncStatus()

    @property
    def status(self) -> SyncStatus:
        return self._status

    def publish(self, status: SyncStatus) -> None:
        if status != self._status:
            self._status = status
            self.changed.emit(status)

    def refresh(self) -> None:
        """Ask for new numbers (the base source has none)."""


def _pending(store: Store) -> int:
    return store.pending_count()


class LocalOnlyStatus(SyncStatusSource):
    """Not connected to a server; reports how many changes wait in the local outbox."""

    def __init__(
        self, runner: TaskRunner, interval_ms: int = 30_000, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(interval_ms)

    def refresh(self) -> None:
        self._runner.run_task(
            _pending,
            lambda n: self.publish(SyncStatus(NOT_CONNECTED, pending_changes=n)),
            context=self,
        )
