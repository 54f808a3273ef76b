"""Who is logged in, and locking the kiosk after it has been left alone for a while."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from kiosk_app.store.operators import Operator

DEFAULT_LOCK_MINUTES = 10
_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
}


class Session(QObject):
    """The logged-in operator; locks after ``lock_minutes`` without any input.

    Install it as an application event filter so every key, click or touch counts.
    """

    logged_in = Signal(object)  # Operator
    locked = Signal()

    def __init__(self, lock_minutes: float = DEFAULT_LOCK_MINUTES, parent: QObject | None = None):
        super().__init__(parent)
        self.operator: Operator | None = None
        self.is_locked = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.lock)
        self.set_lock_minutes(lock_minutes)

    @property
    def lock_minutes(self) -> float:
        return self._timer.interval() / 60_000

    def set_lock_minutes(self, minutes: float) -> None:
        self._timer.setInterval(max(1, int(minutes * 60_000)))
        if not self.is_locked:
            self._timer.start()

    @property
    def is_technician(self) -> bool:
        return self.operator is not None and self.operator.is_technician

    def login(self, operator: Operator) -> None:
        self.operator = operator
        self.is_locked = False
        self._timer.start()
        self.logged_in.emit(operator)

    def lock(self) -> None:
        """Hide everything behind the login screen (the operator stays preselected)."""
        self._timer.stop()
        if not self.is_locked:
            self.is_locked = True
            self.locked.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.is_locked and event.type() in _ACTIVITY:
            self._timer.start()
        return False
