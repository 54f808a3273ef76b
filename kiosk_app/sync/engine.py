"""The sync engine: push and pull in one request per batch, then photos.

Each step reads what to send on the store's owner thread, talks to the server on the
calling (network) thread, and applies the answer back on the owner thread in one
transaction. Records go first, then thumbnails, then full images. Batch size adapts to
the measured link. Nothing here imports Qt.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from kiosk_app.media.blobs import BlobStore
from kiosk_app.store import replica
from kiosk_app.store.store import Store, utcnow
from kiosk_app.sync.client import OfflineError, RequestRefusedError, ServerClient, SyncError
from kiosk_app.sync.protocol import MAX_MUTATIONS_PER_REQUEST, PROTOCOL_VERSION
from kiosk_app.sync.uploads import Uploader

log = logging.getLogger(__name__)
T = TypeVar("T")

MIN_BATCH = 50
# A request should take about this long on the link: long enough that the round trip
# is a small part of it, short enough that a cut costs little.
TARGET_REQUEST_S = 20.0
MAX_PULL = 5000


class StoreRunner(Protocol):
    """Runs ``fn(store, *args)`` on the thread owning the store (``StoreThread.call``)."""

    def __call__(self, fn: Callable[..., T], /, *args: Any) -> T: ...


@dataclass
class SyncResult:
    ok: bool = False
    sent: int = 0
    received: int = 0
    rejected: int = 0
    conflicts: int = 0
    uploaded: int = 0
    downloaded: int = 0
    requests: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    pending_changes: int = 0
    pending_blobs: int = 0
    error: str | None = None
    details: list[str] = field(default_factory=list)


class SyncEngine:
    def __init__(
        self,
        run: StoreRunner,
        client: ServerClient,
        blobs: BlobStore,
        *,
        batch_size: int = 500,
        on_progress: Callable[[str, int, int], None] | None = None,
        on_upload: Callable[[str, str, int, int, int], None] | None = None,
    ) -> None:
        self.run = run
        self.client = client
        self.blobs = blobs
        self.batch_size = batch_size
        self.on_progress = on_progress or (lambda stage, done, total: None)
        # on_upload(sha256, kind, bytes sent, bytes confirmed, length) as each photo goes.
        self.uploader = Uploader(run, client, blobs, on_bytes=on_upload)

    # -- records -------------------------------------------------------------------------

    def _adapt(self, sent: int, seconds: float) -> None:
        """Grow the batch while requests are quick; shrink it when they drag."""
        if sent < self.batch_size:
            return
        if seconds < TARGET_REQUEST_S / 2:
            self.batch_size = min(self.batch_size * 2, MAX_MUTATIONS_PER_REQUEST)
        elif seconds > TARGET_REQUEST_S:
            self.batch_size = max(self.batch_size // 2, MIN_BATCH)

    def sync_records(self, result: SyncResult) -> list[str]:
        """Push every pending mutation and pull every change; returns blobs to upload."""
        missing: list[str] = []
        while True:
            limit = self.batch_size
            batch = self.run(replica.prepare_push, limit)
            payload: dict[str, Any] = {
                "protocol": PROTOCOL_VERSION,
                "cursor": batch.cursor,
                "limit": MAX_PULL,
                "mutations": [m.to_wire() for m in batch.mutations],
                "blobs": batch.blobs,
                "node": batch.node,
            }
            started = time.monotonic()
            try:
                response = self.client.sync(payload)
            except SyncError:
                # Shrink so the next try has a better chance on a failing link.
                self.batch_size = max(self.batch_size // 2, MIN_BATCH)
                raise
            self._adapt(len(batch.mutations), time.monotonic() - started)
            report = self.run(replica.apply_response, batch, response)
            result.sent += report.accepted
            result.rejected += report.rejected
            result.received += report.changes
            result.conflicts += report.conflicts
            missing = report.missing_blobs
            self.on_progress("records", result.sent, result.sent + len(batch.mutations))
            more_to_send = len(batch.mutations) >= limit
            if not response.get("more") and not more_to_send:
                return missing

    # -- the whole thing -----------------------------------------------------------------

    def sync_once(self) -> SyncResult:
        """One complete sync: records, then thumbnails, then full images, then pull
        thumbnails of other kiosks' photos. ``ok`` when nothing is left pending."""
        result = SyncResult()
        started = utcnow()
        traffic_before = (
            self.client.traffic.requests,
            self.client.traffic.bytes_up,
            self.client.traffic.bytes_down,
        )
        try:
            missing = self.sync_records(result)
            if missing:
                # The server checks each blob's hash when its upload completes, so a
                # finished upload is confirmed without another sync request.
                result.uploaded += self.uploader.upload_missing(missing, self.on_progress)
            result.downloaded += self.download_thumbnails()
        except SyncError as exc:
            result.error = f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, OfflineError):
                log.warning("sync failed: %s", result.error)
        summary = self.run(replica.pending_summary)
        result.pending_changes = summary["pending_changes"]
        result.pending_blobs = summary["pending_blobs"]
        result.ok = (
            result.error is None and not result.pending_changes and not (result.pending_blobs)
        )
        result.requests = self.client.traffic.requests - traffic_before[0]
        result.bytes_up = self.client.traffic.bytes_up - traffic_before[1]
        result.bytes_down = self.client.traffic.bytes_down - traffic_before[2]
        self.run(_log_sync, started, result)
        return result

    def download_thumbnails(self, limit: int = 200) -> int:
        """Fetch thumbnails of photos that reached us from other kiosks."""
        wanted = self.run(_thumbs_without_blob, self.blobs, limit)
        fetched = 0
        for sha in wanted:
            try:
                data = self.client.download_blob(sha)
            except RequestRefusedError as exc:
                if exc.status == 404:
                    continue  # its kiosk has not uploaded it yet: try again next sync
                raise
            if hashlib.sha256(data).hexdigest() == sha:
                self.blobs.put(data)
                fetched += 1
        return fetched


def _thumbs_without_blob(store: Store, blobs: BlobStore, limit: int) -> list[str]:
    rows = store.db.execute(
        "SELECT DISTINCT thumb_sha256 FROM photo WHERE deleted = 0 AND thumb_sha256 IS NOT NULL"
    ).fetchall()
    return [r[0] for r in rows if not blobs.has(r[0])][:limit]


def _log_sync(store: Store, started: str, result: SyncResult) -> None:
    store.db.execute(
        "INSERT INTO sync_log (started_at, finished_at, ok, sent, received, bytes_up, "
        "bytes_down, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [started, utcnow(), int(result.ok), result.sent, result.received, result.bytes_up,
         result.bytes_down, result.error],
    )  # fmt: skip
    store.set_setting("sync.last_attempt", utcnow())
    if result.error is None:
        store.set_setting("sync.last_success", utcnow())
    store.set_setting("sync.last_error", result.error)
