"""The sync badge in the top bar: one line saying where the kiosk's data stands."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QPushButton, QSizePolicy, QWidget

from kiosk_app.ui import sync_status as st
from kiosk_app.ui.sync_status import SyncStatus, SyncStatusSource, format_when
from kiosk_app.ui.widgets.common import plain_tooltip

# The badge never takes more of the top bar than this: "Kunci" must stay on the screen.
MAX_WIDTH = 600


class SyncBadge(QPushButton):
    """Shows a ``SyncStatus``; clicking it asks for the sync page (when one exists).

    A long line (many counts at once) ends in "…" within ``MAX_WIDTH``; the whole of it
    is in the tooltip and on the sync page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncBadge")
        self.setProperty("kind", "badge")
        self.setMinimumHeight(40)
        self.setMaximumWidth(MAX_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._source: SyncStatusSource | None = None
        self._full = ""
        self.show_status(SyncStatus())

    def text(self) -> str:
        """The whole line, even when the badge shows it shortened."""
        return self._full

    def _fit(self) -> None:
        room = MAX_WIDTH - 40  # the style's padding and border
        super().setText(
            self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room)
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

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
        self._full = self.describe(status)
        self._fit()
        details = self.details(status)
        self.setToolTip(plain_tooltip("\n".join(t for t in (self._full, details) if t)))

    def describe(self, status: SyncStatus) -> str:
        """The badge text for ``status`` (counts only when known)."""
        parts: list[str] = []
        if status.refused:
            parts.append(self.tr("{n} refused by the server").format(n=status.refused))
        if status.pending_changes:
            parts.append(
                self.tr("{n} changes saved on this kiosk").format(n=status.pending_changes)
            )
        if status.pending_photos:
            parts.append(self.tr("{n} photos waiting").format(n=status.pending_photos))
        if status.open_conflicts:
            parts.append(self.tr("{n} conflicts to check").format(n=status.open_conflicts))
        if status.state == st.NOT_CONNECTED:
            text = self.tr("Not connected to the server yet")
        elif status.state == st.SYNCING:
            text = self.tr("Sending data…")
        elif status.state == st.OFFLINE:
            text = self.tr("Offline")
        elif status.state == st.ERROR:
            text = self.tr("Sync failed, will retry")
        elif status.state == st.BUSY:
            text = self.tr("Server busy, trying again…")
        elif status.state == st.REFUSED:
            text = self.tr("Online · data refused, see Sync")
        elif status.state == st.PENDING:
            text = self.tr("Online · waiting to send")
        elif status.refused or status.pending_changes or status.pending_photos:
            text = self.tr("Online")  # never "all sent" while anything is not
        else:
            text = self.tr("Online · all data sent")
        return " · ".join([text, *parts])

    def details(self, status: SyncStatus) -> str:
        """The tooltip: last complete sync and the last error, in plain words."""
        lines = []
        if status.state != st.NOT_CONNECTED:
            when = format_when(status.last_success)
            lines.append(
                self.tr("Last sync: {when}").format(when=when) if when else self.tr("Never synced")
            )
        if status.message:
            lines.append(status.message)
        return "\n".join(lines)
