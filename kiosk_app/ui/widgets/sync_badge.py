"""The sync badge in the top bar: one line saying where the kiosk's data stands."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QWidget

from kiosk_app.ui import sync_status as st
from kiosk_app.ui.sync_status import SyncStatus, SyncStatusSource


class SyncBadge(QPushButton):
    """Shows a ``SyncStatus``; clicking it asks for the sync page (when one exists)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncBadge")
        self.setProperty("kind", "badge")
        self.setMinimumHeight(40)
        self._source: SyncStatusSource | None = None
        self.show_status(SyncStatus())

    def bind(self, source: SyncStatusSource) -> None:
        """Follow ``source`` from now on (replacing any earlier one)."""
        if self._source is not None:
            self._source.changed.disconnect(self.show_status)
        self._source = source
        source.changed.connect(self.show_status)
        self.show_status(source.status)
        source.refresh()

    def show_status(self, status: SyncStatus) -> None:
        self.setProperty("state", status.state)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setText(self.describe(status))
        self.setToolTip(status.message or "")

    def describe(self, status: SyncStatus) -> str:
        """The badge text for ``status`` (counts only when known)."""
        waiting = ""
        if status.pending_changes:
            waiting = self.tr("{n} changes saved on this kiosk").format(n=status.pending_changes)
        if status.state == st.NOT_CONNECTED:
            text = self.tr("Not connected to the server yet")
        elif status.state == st.SYNCING:
            text = self.tr("Sending data…")
        elif status.state == st.ERROR:
            text = self.tr("Sync failed, will retry")
        elif status.state == st.PENDING:
            text = self.tr("Waiting to send")
        else:
            text = self.tr("All data sent")
            waiting = ""
        return f"{text} · {waiting}" if waiting else text
