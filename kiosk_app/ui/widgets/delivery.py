"""Where a record stands with the server, on its own screen: on the server, waiting, or
refused, with the server's reason and the ways out ("Send again", "Delete from this
kiosk"); the merchant form and the product editor both show it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk_app.store import refusals
from kiosk_app.store.refusals import Refusal
from kiosk_app.store.store import Store
from kiosk_app.ui.i18n import pick
from kiosk_app.ui.tasks import TaskRunner
from kiosk_app.ui.widgets.common import big_button, wrap_label

MAX_LISTED = 4


@dataclass(frozen=True)
class Delivery:
    """What the panel shows: changes and photos waiting, and the refused records."""

    enrolled: bool
    pending_changes: int
    pending_photos: int
    refusals: list[Refusal]


def refusal_line(refusal: Refusal) -> str:
    return f"{refusal.label}: {pick(refusal.message_id, refusal.message_en)}"


Loader = Callable[[Store, str], Delivery]


class DeliveryPanel(QWidget):
    """A status line, and a red banner while anything of the record is refused.

    ``follow(row_id)`` shows one record (read with ``load`` on the store thread);
    ``refresh()`` reads it again (after a sync). "Send again" is done here; "Delete from
    this kiosk" asks the page (``delete_requested``), which knows where to go after."""

    delete_requested = Signal()

    def __init__(
        self, runner: TaskRunner, entity: str, load: Loader, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._entity = entity
        self._load = load
        self._row_id: str | None = None
        self._generation = 0  # answers about a record shown before are dropped
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.status = QLabel()
        self.status.setObjectName("deliveryStatus")
        self.status.setProperty("role", "delivery")
        self.status.setWordWrap(True)
        column.addWidget(self.status)
        self.banner = QFrame()
        self.banner.setObjectName("refusalBanner")
        inner = QVBoxLayout(self.banner)
        self.reason = wrap_label(name="refusalReason")
        inner.addWidget(self.reason)
        self.advice = wrap_label(name="refusalAdvice")
        self.advice.setProperty("role", "hint")
        inner.addWidget(self.advice)
        row = QHBoxLayout()
        self.resend_button = big_button(self.tr("Send again"), name="resendRefused")
        self.resend_button.clicked.connect(self.resend)
        self.delete_button = big_button(
            self.tr("Delete from this kiosk"), kind="danger", name="deleteRefused"
        )
        self.delete_button.clicked.connect(self.delete_requested)
        row.addWidget(self.resend_button)
        row.addWidget(self.delete_button)
        row.addStretch(1)
        inner.addLayout(row)
        column.addWidget(self.banner)
        self.banner.hide()
        self.refusals: list[Refusal] = []

    def follow(self, row_id: str | None) -> None:
        """Show where ``row_id`` stands (None: a record not saved yet, nothing to show)."""
        self._row_id = row_id
        self._generation += 1
        self.refusals = []
        self._state("", "")
        self.banner.hide()
        self.refresh()

    def refresh(self) -> None:
        row_id, generation, load = self._row_id, self._generation, self._load
        if row_id is None or not self.isVisible():
            return
        self._runner.run_task(
            lambda store: load(store, row_id),
            lambda state: self.show_delivery(state) if generation == self._generation else None,
            context=self,
        )

    def resend(self) -> None:
        """Queue again what the server refused of the record (and of those under it)."""
        row_id, entity = self._row_id, self._entity
        if row_id is not None:
            self._runner.run_task(
                lambda store: refusals.resend(store, entity, row_id),
                lambda _queued: self.refresh(),
                context=self,
            )

    def show_delivery(self, delivery: Delivery) -> None:
        self.refusals = list(delivery.refusals)
        if self.refusals:
            self._state(self.tr("Refused by the server: not in the catalog."), "refused")
            shown = self.refusals[:MAX_LISTED]
            lines = [refusal_line(r) for r in shown]
            if len(self.refusals) > len(shown):
                lines.append(self.tr("and {n} more").format(n=len(self.refusals) - len(shown)))
            self.reason.setText("\n".join(lines))
            self.advice.setText(pick(*self.refusals[0].advice))
            self.banner.show()
            return
        self.banner.hide()
        if not delivery.enrolled:
            text = self.tr("Saved on this kiosk. It is sent once the kiosk is enrolled.")
            self._state(text, "pending")
        elif delivery.pending_changes or delivery.pending_photos:
            text = self.tr("Waiting to be sent: {n} changes, {p} photos.").format(
                n=delivery.pending_changes, p=delivery.pending_photos
            )
            self._state(text, "pending")
        else:
            self._state(self.tr("On the server."), "delivered")

    def _state(self, text: str, state: str) -> None:
        self.status.setText(text)
        self.status.setProperty("state", state)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.setVisible(bool(text))
