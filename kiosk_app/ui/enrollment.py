"""Enrolling the kiosk from the screens: the code is redeemed off the GUI thread.

The request goes out from the worker pool (never the store thread, which the screens
keep using), the answer is saved on the store thread, and ``enrolled(Device)`` or
``failed(message)`` comes back on the GUI thread. The application starts syncing on
``enrolled``.
"""

from __future__ import annotations

import logging
import platform

import requests
from PySide6.QtCore import QObject, Signal

from kiosk_app.store.store import Store
from kiosk_app.sync.client import (
    Enrollment,
    OfflineError,
    ProtocolTooOldError,
    RequestRefusedError,
    ServerError,
)
from kiosk_app.sync.device import (
    Device,
    InsecureServerURL,
    check_server_url,
    redeem_code,
    save_enrollment,
)
from kiosk_app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class Enroller(QObject):
    enrolled = Signal(object)  # Device
    failed = Signal(str)  # a message for the technician, translated

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.busy = False

    def enroll(self, server_url: str, code: str) -> None:
        """Redeem ``code`` at ``server_url``; answers with ``enrolled`` or ``failed``."""
        code = code.strip()
        try:
            url = check_server_url(server_url)
        except InsecureServerURL:
            if server_url.strip().lower().startswith("http://"):
                self.failed.emit(
                    self.tr(
                        "The server address must start with https:// so the code and the "
                        "kiosk's token cannot be read on the network (http:// only for a "
                        "server on this PC)."
                    )
                )
            else:
                self.failed.emit(self.tr("Type the server address in full, starting with https://"))
            return
        if not code:
            self.failed.emit(self.tr("Type the enrollment code from the central admin."))
            return
        self.busy = True
        name = platform.node() or "kios"

        def redeem(node_id: str) -> None:
            self._runner.run_in_worker(
                lambda: redeem_code(url, code, name, node_id), save, self._failed
            )

        def save(result: Enrollment) -> None:
            self._runner.run_task(
                lambda store: save_enrollment(store, url, result), self._done, self._failed
            )

        self._runner.run_task(_node_id, redeem, self._failed)

    def _done(self, device: Device) -> None:
        self.busy = False
        self.enrolled.emit(device)

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.failed.emit(self.describe(error))
        log.warning("enrollment failed: %s", error)

    def describe(self, error: BaseException) -> str:
        if isinstance(error, OfflineError):
            return self.tr(
                "The server cannot be reached. Check the address and the internet connection."
            )
        if isinstance(error, RequestRefusedError):
            return self.tr(
                "The server did not accept this code: it may be mistyped, used already or "
                "expired. Ask the central admin for a new one."
            )
        if isinstance(error, ProtocolTooOldError):
            return self.tr("This app is too old for the server. Update the app first.")
        if isinstance(error, ServerError):
            return self.tr("The server has a problem. Try again later.")
        if isinstance(error, requests.exceptions.SSLError):
            return self.tr("The server's certificate is not trusted.")
        if isinstance(error, requests.RequestException | ValueError | KeyError):
            return self.tr("That does not look like an Etalase Desa server: {error}").format(
                error=error
            )
        raise error


def _node_id(store: Store) -> str:
    return store.node_id
