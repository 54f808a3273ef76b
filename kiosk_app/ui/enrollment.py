"""Enrolling the kiosk from the screens: the code is redeemed off the GUI thread.

The request goes out from the worker pool (never the store thread, which the screens
keep using), the answer is saved on the store thread, then one sync (again from the
worker pool) brings the region list of the kiosk's scope, so villages can be picked at
once. ``ready(Enrolled)`` says how that went (``error`` set when the list could not be
fetched: offline), then ``enrolled(Device)`` (the application starts syncing on it);
``failed(message)`` when the code could not be redeemed.
"""

from __future__ import annotations

import logging
import platform
from dataclasses import dataclass

import requests
from PySide6.QtCore import QObject, Signal

from kiosk_app.media.blobs import BlobStore
from kiosk_app.store.owner import StoreThread
from kiosk_app.store.refusals import scope_words
from kiosk_app.store.scope import villages_in_scope
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
    first_sync,
    redeem_code,
    save_enrollment,
)
from kiosk_app.sync.engine import SyncResult
from kiosk_app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Enrolled:
    device: Device
    region: str  # the scope as people say it: "Kabupaten Malang (35.07)"
    villages: int  # villages of the scope now in the region list
    error: str | None  # the first sync's error (offline, ...), None when it went through
    refused: int  # records saved before enrollment that the server refused


def _region_facts(store: Store, device: Device) -> tuple[str, int]:
    return scope_words(store) or device.region, villages_in_scope(store, device.region)


class Enroller(QObject):
    enrolled = Signal(object)  # Device
    ready = Signal(object)  # Enrolled, just before ``enrolled``
    failed = Signal(str)  # a message for the technician, translated

    def __init__(
        self,
        runner: TaskRunner,
        store_thread: StoreThread | None = None,
        blobs: BlobStore | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store_thread = store_thread
        self._blobs = blobs
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
                lambda store: save_enrollment(store, url, result), self._fetch, self._failed
            )

        self._runner.run_task(_node_id, redeem, self._failed)

    def _fetch(self, device: Device) -> None:
        """One sync for the scope's region list (on a worker: it waits on the network)."""
        store_thread, blobs = self._store_thread, self._blobs
        if store_thread is None or blobs is None:
            self._done(device, None)
            return
        self._runner.run_in_worker(
            lambda: first_sync(store_thread.call, device, blobs),
            lambda result: self._done(device, result),
            lambda error: self._done(device, SyncResult(error=f"{type(error).__name__}: {error}")),
        )

    def _done(self, device: Device, result: SyncResult | None) -> None:
        def tell(facts: tuple[str, int]) -> None:
            self.busy = False
            error = result.error if result is not None else None
            refused = result.refused if result is not None else 0
            self.ready.emit(Enrolled(device, facts[0], facts[1], error, refused))
            self.enrolled.emit(device)

        self._runner.run_task(lambda store: _region_facts(store, device), tell, self._failed)

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
            return self.tr(
                "This kiosk app's version is too old for the server. "
                "Ask a technician to update the app."
            )
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
