"""Sync: what has reached the server, what it refused, the photo upload queue,
conflicts, sync now, USB.

Everything shown is read on the store thread (``delivery``, ``refusals``,
``conflicts``) and follows the sync runner's signals: progress bars move as upload
bytes leave, the lists reload when a sync finishes or a local change is saved. A
record the server refused is never shown as sent: it is listed with the server's reason
and the ways out (edit it and save, send again, or delete it from this kiosk).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QStandardPaths, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.domain.money import format_rupiah
from kiosk_app.media.blobs import BlobStore
from kiosk_app.store import conflicts, delivery, refusals
from kiosk_app.store.conflicts import MINE, THEIRS, Conflict
from kiosk_app.store.delivery import MerchantDelivery, QueuedUpload
from kiosk_app.store.refusals import Refusal
from kiosk_app.store.store import Store
from kiosk_app.sync.engine import SyncResult
from kiosk_app.sync.usb_export import BundleError, export_bundle
from kiosk_app.ui import dialogs
from kiosk_app.ui import sync_status as st
from kiosk_app.ui.dialogs import removable_drives
from kiosk_app.ui.i18n import field_label, pick
from kiosk_app.ui.router import Router
from kiosk_app.ui.sync_runner import SyncRunner, error_kind, error_words
from kiosk_app.ui.sync_status import SyncStatus, format_when
from kiosk_app.ui.tasks import TaskRunner
from kiosk_app.ui.widgets.common import (
    big_button,
    hint_label,
    message_label,
    page_layout,
    plain_label,
    show_message,
    title_label,
    wrap_label,
)

BUNDLE_SUFFIX = ".etalase"


Lists = tuple[list[MerchantDelivery], list[QueuedUpload], list[Conflict], list[Refusal]]


def _load(store: Store) -> Lists:
    return (
        delivery.merchant_delivery(store),
        delivery.upload_queue(store),
        conflicts.open_conflicts(store),
        refusals.open_refusals(store),
    )


def value_text(field: str, value: Any) -> str:
    """A value as the operator would write it."""
    if value is None or value == "":
        return QCoreApplication.translate("SyncPage", "(empty)")
    if field == "deleted":
        return (
            QCoreApplication.translate("SyncPage", "deleted")
            if value
            else QCoreApplication.translate("SyncPage", "not deleted")
        )
    if field == "price" and isinstance(value, int):
        return format_rupiah(value)
    if field == "weight_g" and isinstance(value, int):
        return f"{value} g"
    if isinstance(value, str):
        return f"“{value}”"
    return json.dumps(value, ensure_ascii=False)


class ConflictCard(QFrame):
    """One conflict in plain words, with "keep mine" and "keep theirs"."""

    def __init__(self, conflict: Conflict, page: SyncPage) -> None:
        super().__init__()
        self.conflict = conflict
        self.setProperty("role", "card")
        self.setObjectName(f"conflict_{conflict.id}")
        column = QVBoxLayout(self)
        what = field_label(conflict.entity, conflict.field)
        record = conflict.record
        if conflict.merchant:
            record = f"{record} ({conflict.merchant})"
        self.heading = QLabel(self.tr("{what} of {record}").format(what=what, record=record))
        self.heading.setObjectName("conflictHeading")
        self.heading.setWordWrap(True)
        column.addWidget(self.heading)
        now_used = self.tr("this kiosk's") if conflict.mine_won else self.tr("the server's")
        text = self.tr(
            "Two kiosks changed this at the same time. On this kiosk: {mine}. "
            "From the server (another kiosk): {theirs}. In use now: {now}."
        ).format(
            mine=value_text(conflict.field, conflict.mine),
            theirs=value_text(conflict.field, conflict.theirs),
            now=now_used,
        )
        self.text = plain_label(text)  # the values are merchants' data: text, never markup
        self.text.setObjectName("conflictText")
        self.text.setWordWrap(True)
        column.addWidget(self.text)
        row = QHBoxLayout()
        self.keep_mine = big_button(self.tr("Keep this kiosk's"), kind="primary", name="keepMine")
        self.keep_theirs = big_button(self.tr("Keep the server's"), name="keepTheirs")
        self.keep_mine.clicked.connect(lambda: page.resolve(conflict, MINE))
        self.keep_theirs.clicked.connect(lambda: page.resolve(conflict, THEIRS))
        row.addWidget(self.keep_mine)
        row.addWidget(self.keep_theirs)
        row.addStretch(1)
        column.addLayout(row)


class RefusalCard(QFrame):
    """One refused record: what, the server's reason, and the ways out."""

    def __init__(self, refusal: Refusal, page: SyncPage) -> None:
        super().__init__()
        self.refusal = refusal
        self.setProperty("role", "card")
        self.setObjectName(f"refusal_{refusal.row_id}")
        column = QVBoxLayout(self)
        kinds = {
            "merchant": self.tr("Merchant"),
            "product": self.tr("Product"),
            "photo": self.tr("Photo"),
        }
        what = f"{kinds[refusal.entity]}: {refusal.label}"
        if refusal.entity != "merchant" and refusal.merchant_name:
            what += f" ({refusal.merchant_name})"
        self.heading = wrap_label(what, "refusalHeading")
        self.heading.setProperty("role", "subtitle")
        column.addWidget(self.heading)
        reason = pick(refusal.message_id, refusal.message_en)
        self.reason = wrap_label(
            self.tr("Refused by the server: {reason}").format(reason=reason), "refusalText"
        )
        column.addWidget(self.reason)
        self.advice = wrap_label(pick(*refusal.advice), "refusalAdvice")
        self.advice.setProperty("role", "hint")
        column.addWidget(self.advice)
        row = QHBoxLayout()
        self.edit_button = big_button(self.tr("Edit"), kind="primary", name="editRefused")
        self.edit_button.clicked.connect(lambda: page.open_refused(refusal))
        self.resend_button = big_button(self.tr("Send again"), name="resendRefused")
        self.resend_button.clicked.connect(lambda: page.resend(refusal))
        self.delete_button = big_button(
            self.tr("Delete from this kiosk"), kind="danger", name="deleteRefused"
        )
        self.delete_button.clicked.connect(lambda: page.delete_refused(refusal))
        for button in (self.edit_button, self.resend_button, self.delete_button):
            row.addWidget(button)
        row.addStretch(1)
        column.addLayout(row)


class SyncPage(QWidget):
    """The sync screen (``add_page("sync", ...)``)."""

    def __init__(
        self,
        runner: TaskRunner,
        sync: SyncRunner,
        blobs: BlobStore,
        router: Router | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("syncPage")
        self._runner = runner
        self._sync = sync
        self._blobs = blobs
        self._router = router
        self._upload_rows: dict[str, int] = {}
        self._refused_by_merchant: dict[str, Refusal] = {}
        self._asked = False  # "Sync now" was pressed: say how it ended
        self.cards: list[ConflictCard] = []
        self.refusal_cards: list[RefusalCard] = []

        layout = page_layout(self)
        top = QHBoxLayout()
        heading = QVBoxLayout()
        heading.addWidget(title_label(self.tr("Sync with the server")))
        self.state_label = hint_label()
        self.state_label.setObjectName("syncState")
        heading.addWidget(self.state_label)
        self.error_label = hint_label()
        self.error_label.setObjectName("syncError")
        heading.addWidget(self.error_label)
        top.addLayout(heading, 1)
        self.sync_button = big_button(self.tr("Sync now"), kind="primary", name="syncNow")
        self.sync_button.clicked.connect(self.sync_now)
        top.addWidget(self.sync_button)
        self.bundle_button = big_button(self.tr("Save to a flash drive (USB)"), name="exportBundle")
        self.bundle_button.clicked.connect(self.choose_bundle_file)
        top.addWidget(self.bundle_button)
        layout.addLayout(top)
        self.records_bar = QProgressBar()
        self.records_bar.setObjectName("recordsProgress")
        self.records_bar.setFormat(self.tr("Records: %v of %m"))
        self.records_bar.hide()
        layout.addWidget(self.records_bar)
        self.message = message_label("syncMessage")
        layout.addWidget(self.message)

        columns = QHBoxLayout()
        layout.addLayout(columns, 1)
        left = QVBoxLayout()
        columns.addLayout(left, 1)
        self.refusals_box = QGroupBox(self.tr("Refused by the server: not in the catalog"))
        self.refusals_box.setObjectName("refusalsBox")
        box = QVBoxLayout(self.refusals_box)
        refusal_scroll = QScrollArea()
        refusal_scroll.setWidgetResizable(True)
        refusal_scroll.setFrameShape(QFrame.Shape.NoFrame)
        refusal_holder = QWidget()
        self.refusal_list = QVBoxLayout(refusal_holder)
        self.refusal_list.addStretch(1)
        refusal_scroll.setWidget(refusal_holder)
        box.addWidget(refusal_scroll)
        self.refusals_box.hide()
        left.addWidget(self.refusals_box, 1)
        merchants_box = QGroupBox(self.tr("Merchants: has everything reached the server?"))
        box = QVBoxLayout(merchants_box)
        self.merchants = QTableWidget(0, 2)
        self.merchants.setObjectName("merchantDelivery")
        self.merchants.setHorizontalHeaderLabels([self.tr("Merchant"), self.tr("On the server")])
        self._table_style(self.merchants)
        self.merchants.setWordWrap(True)
        box.addWidget(self.merchants)
        left.addWidget(merchants_box, 1)

        right = QVBoxLayout()
        columns.addLayout(right, 1)
        queue_box = QGroupBox(self.tr("Photos waiting to be sent"))
        box = QVBoxLayout(queue_box)
        self.queue_empty = hint_label(self.tr("No photos waiting."))
        box.addWidget(self.queue_empty)
        self.queue = QTableWidget(0, 2)
        self.queue.setObjectName("uploadQueue")
        self.queue.setHorizontalHeaderLabels([self.tr("Photo"), self.tr("Sent")])
        self._table_style(self.queue)
        box.addWidget(self.queue)
        right.addWidget(queue_box, 1)

        conflicts_box = QGroupBox(self.tr("Conflicting data"))
        box = QVBoxLayout(conflicts_box)
        self.conflicts_empty = hint_label(self.tr("No conflicting data."))
        box.addWidget(self.conflicts_empty)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        holder = QWidget()
        self.conflict_list = QVBoxLayout(holder)
        self.conflict_list.addStretch(1)
        scroll.setWidget(holder)
        box.addWidget(scroll, 1)
        right.addWidget(conflicts_box, 1)

        sync.changed.connect(self.show_status)
        sync.started.connect(self._sync_started)
        sync.progress.connect(self._progress)
        sync.upload_progress.connect(self._upload_progress)
        sync.finished.connect(self._sync_finished)
        runner.local_change.connect(self._local_change)
        self.show_status(sync.status)

    @staticmethod
    def _table_style(table: QTableWidget) -> None:
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

    # -- showing --------------------------------------------------------------------------

    def enter(self, params: dict[str, Any]) -> None:
        show_message(self.message, "")
        self._sync.refresh()
        self.reload()

    def reload(self) -> None:
        self._runner.run_task(_load, lambda lists: self._show(*lists), context=self)

    def _show(
        self,
        merchants: list[MerchantDelivery],
        queue: list[QueuedUpload],
        open_conflicts: list[Conflict],
        refused: list[Refusal] | None = None,
    ) -> None:
        refused = refused or []
        self._refused_by_merchant = {}
        for r in refused:
            if r.merchant_id and r.merchant_id not in self._refused_by_merchant:
                self._refused_by_merchant[r.merchant_id] = r
        self._show_refusals(refused)
        self.merchants.setRowCount(len(merchants))
        for row, m in enumerate(merchants):
            name = QTableWidgetItem(m.business_name)
            name.setData(Qt.ItemDataRole.UserRole, m.merchant_id)
            self.merchants.setItem(row, 0, name)
            self.merchants.setItem(row, 1, QTableWidgetItem(self.delivery_text(m)))
        self.queue.setRowCount(len(queue))
        self._upload_rows = {}
        for row, q in enumerate(queue):
            kind = self.tr("thumbnail") if q.kind == "thumb" else self.tr("full photo")
            item = QTableWidgetItem(f"{q.product_name} — {kind}")
            item.setData(Qt.ItemDataRole.UserRole, q.sha256)
            self.queue.setItem(row, 0, item)
            bar = QProgressBar()
            bar.setObjectName(f"upload_{q.sha256[:12]}")
            bar.setRange(0, max(q.size, 1))
            bar.setValue(min(q.sent, max(q.size, 1)))
            self.queue.setCellWidget(row, 1, bar)
            self._upload_rows[q.sha256] = row
        self.queue.setVisible(bool(queue))
        self.queue_empty.setVisible(not queue)
        if [c.id for c in open_conflicts] != [card.conflict.id for card in self.cards]:
            # Rebuilt only when the list changed, so a card never moves under a finger.
            for card in self.cards:
                card.deleteLater()
            self.cards = []
            for c in open_conflicts:
                card = ConflictCard(c, self)
                self.conflict_list.insertWidget(self.conflict_list.count() - 1, card)
                self.cards.append(card)
        self.conflicts_empty.setVisible(not open_conflicts)

    def _show_refusals(self, refused: list[Refusal]) -> None:
        key = [(r.entity, r.row_id, r.rejected_at) for r in refused]
        if key != [(c.refusal.entity, c.refusal.row_id, c.refusal.rejected_at)
                   for c in self.refusal_cards]:  # fmt: skip
            for card in self.refusal_cards:
                card.deleteLater()
            self.refusal_cards = []
            for r in refused:
                card = RefusalCard(r, self)
                self.refusal_list.insertWidget(self.refusal_list.count() - 1, card)
                self.refusal_cards.append(card)
        self.refusals_box.setVisible(bool(refused))

    def delivery_text(self, m: MerchantDelivery) -> str:
        if m.refused:
            first = self._refused_by_merchant.get(m.merchant_id)
            reason = pick(first.message_id, first.message_en) if first else ""
            return self.tr("Refused by the server: {reason}").format(reason=reason)
        if m.delivered:
            return self.tr("Yes, all sent")
        parts = []
        if m.pending_changes:
            parts.append(self.tr("{n} changes waiting").format(n=m.pending_changes))
        if m.pending_photos:
            parts.append(self.tr("{n} photos waiting").format(n=m.pending_photos))
        return self.tr("Not yet: {what}").format(what=", ".join(parts))

    def show_status(self, status: SyncStatus) -> None:
        words = {
            st.NOT_CONNECTED: self.tr(
                "This kiosk is not enrolled with a server yet. The technician can enroll it "
                "in Settings."
            ),
            st.IDLE: self.tr("Online. Everything has reached the server."),
            st.SYNCING: self.tr("Sending and receiving data…"),
            st.PENDING: self.tr("Online. Some data is still waiting to be sent."),
            st.OFFLINE: self.tr("Offline. The data is safe on this kiosk."),
            st.ERROR: self.tr("The last sync did not finish; it will be tried again."),
            st.BUSY: self.tr("The server is busy; the data waits safely here and is sent shortly."),
            st.REFUSED: self.tr(
                "Online, but the server refused some data: it is not in the catalog. "
                "See “Refused by the server” below."
            ),
        }
        text = words.get(status.state, "")
        when = format_when(status.last_success)
        if status.state != st.NOT_CONNECTED:
            text += " " + (
                self.tr("Last complete sync: {when}.").format(when=when)
                if when
                else self.tr("Never synced yet.")
            )
        self.state_label.setText(text)
        self.error_label.setText(status.message or "")
        self.error_label.setVisible(bool(status.message))
        self.sync_button.setEnabled(status.state != st.SYNCING)

    # -- live progress --------------------------------------------------------------------

    def _sync_started(self) -> None:
        self.records_bar.setRange(0, 0)  # busy until the first batch answers
        self.records_bar.show()

    def _progress(self, stage: str, done: int, total: int) -> None:
        if stage == "records":
            self.records_bar.setRange(0, max(total, 1))
            self.records_bar.setValue(done)

    def _upload_progress(self, sha: str, kind: str, sent: int, confirmed: int, length: int) -> None:
        row = self._upload_rows.get(sha)
        if row is None:
            return
        bar = self.queue.cellWidget(row, 1)
        if not isinstance(bar, QProgressBar):
            return
        if sent > confirmed:
            # A piece is on its way: busy until the server confirms it (the socket takes
            # bytes long before they cross a satellite link, so they say little).
            bar.setRange(0, 0)
        else:
            bar.setRange(0, max(length, 1))
            bar.setValue(confirmed)

    def _sync_finished(self, result: object) -> None:
        self.records_bar.hide()
        if self._asked and isinstance(result, SyncResult):
            self._asked = False
            self._say_finished(result)
        if self.isVisible():
            self.reload()

    def _say_finished(self, result: SyncResult) -> None:
        """How the sync the operator asked for ended, with counts."""
        text = self.tr(
            "Sync finished: {sent} changes sent, {received} received, {photos} photos uploaded."
        ).format(sent=result.sent, received=result.received, photos=result.photos_sent)
        problem = False
        if result.refused:
            text += " " + self.tr("{n} refused by the server: see below.").format(n=result.refused)
            problem = True
        if error_kind(result.error) == "ServerBusyError":  # not a failure: it goes again
            text = error_words(result.error)
        elif result.error is not None:
            text = self.tr("Sync did not finish: {why}").format(why=error_words(result.error))
            problem = True
        elif result.pending_changes or result.pending_photos:
            text += " " + self.tr("{n} changes and {p} photos still waiting.").format(
                n=result.pending_changes, p=result.pending_photos
            )
        show_message(self.message, text, error=problem)

    def _local_change(self) -> None:
        if self.isVisible():
            self.reload()

    # -- actions --------------------------------------------------------------------------

    def sync_now(self) -> None:
        if not self._sync.running:
            show_message(
                self.message,
                self.tr("This kiosk is not enrolled yet: ask the technician to enroll it."),
                error=True,
            )
            return
        show_message(self.message, self.tr("Sync started: sending and receiving…"))
        self._asked = True
        self._sync.sync_now()

    # -- refused records ---------------------------------------------------------------

    def open_refused(self, refusal: Refusal) -> None:
        """Open the refused record's own screen, where it is fixed and saved."""
        if self._router is None:
            return
        if refusal.entity == "merchant":
            self._router.go("merchant_form", merchant_id=refusal.row_id)
            return
        if refusal.entity == "product":
            self._router.go("product_editor", product_id=refusal.row_id)
            return
        router = self._router
        self._runner.run_task(
            lambda store: (store.get("photo", refusal.row_id) or {}).get("product_id"),
            lambda product_id: product_id and router.go("product_editor", product_id=product_id),
            context=self,
        )

    def resend(self, refusal: Refusal) -> None:
        def done(queued: int) -> None:
            show_message(
                self.message, self.tr("Queued again ({n} changes): they go with the next sync.")
                .format(n=queued),
            )  # fmt: skip
            self._sync.refresh()
            self.reload()

        self._runner.run_task(
            lambda store: refusals.resend(store, refusal.entity, refusal.row_id),
            done,
            context=self,
        )

    def delete_refused(self, refusal: Refusal) -> None:
        question = self.tr(
            "Delete “{record}” from this kiosk, with everything under it? The server never "
            "accepted it. It cannot be undone."
        ).format(record=refusal.label)
        if not refusal.never_on_server:
            question = self.tr(
                "Delete “{record}”, here and on the server, with everything under it? "
                "It cannot be undone."
            ).format(record=refusal.label)
        if not dialogs.confirm(
            self, self.tr("Delete refused data"), question, self.tr("Delete"), danger=True
        ):
            return

        def done(_none: None) -> None:
            show_message(self.message, self.tr("Deleted."))
            self._sync.refresh()
            self.reload()

        self._runner.run_task(
            lambda store: refusals.delete_record(store, refusal.entity, refusal.row_id),
            done,
            context=self,
        )

    def resolve(self, conflict: Conflict, keep: str) -> None:
        def done(written: bool) -> None:
            if written:
                text = self.tr("Saved. It will be sent with the next sync.")
            else:
                text = self.tr("Saved. Nothing needs to be sent.")
            show_message(self.message, text)
            self._sync.refresh()
            self.reload()

        def failed(error: BaseException) -> None:
            if isinstance(error, conflicts.ConflictGoneError):
                self.reload()
                return
            raise error

        self._runner.run_task(
            lambda store: conflicts.resolve(store, conflict.id, keep), done, failed, context=self
        )

    def choose_bundle_file(self) -> QFileDialog | None:
        """Ask where to write the bundle (a flash drive when one is plugged in)."""
        device = self._sync.device
        if device is None:
            show_message(
                self.message,
                self.tr(
                    "Only an enrolled kiosk can sign a bundle for the server. "
                    "Ask the technician to enroll this kiosk."
                ),
                error=True,
            )
            return None
        dialog = QFileDialog(self, self.tr("Save the data for the server"))
        dialog.setObjectName("bundleFileDialog")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(BUNDLE_SUFFIX.lstrip("."))
        drives = removable_drives()
        home = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation)
        dialog.setDirectory(str(drives[0]) if drives else home)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
        dialog.selectFile(f"etalase-{stamp}{BUNDLE_SUFFIX}")
        dialog.setLabelText(QFileDialog.DialogLabel.Accept, self.tr("Save"))
        dialog.setLabelText(QFileDialog.DialogLabel.Reject, self.tr("Cancel"))
        dialog.fileSelected.connect(self.export_bundle)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def export_bundle(self, path: str) -> None:
        device = self._sync.device
        if device is None:
            return
        target = Path(path)
        blobs = self._blobs
        self.bundle_button.setEnabled(False)

        def done(counts: dict[str, int]) -> None:
            self.bundle_button.setEnabled(True)
            show_message(
                self.message,
                self.tr("Saved to {path}: {n} changes and {p} photos.").format(
                    path=target, n=counts["mutations"], p=counts["blobs"]
                ),
            )

        def failed(error: BaseException) -> None:
            self.bundle_button.setEnabled(True)
            if isinstance(error, BundleError):
                show_message(
                    self.message,
                    self.tr(
                        "This kiosk has no key to sign a bundle yet: sync once over the "
                        "internet (or enroll it again), then save the bundle."
                    ),
                    error=True,
                )
                return
            if not isinstance(error, OSError):
                raise error
            show_message(
                self.message,
                self.tr("Could not write the file: {error}").format(error=error.strerror or error),
                error=True,
            )

        self._runner.run_task(
            lambda store: export_bundle(store, blobs, device.device_id, target),
            done,
            failed,
            context=self,
        )
