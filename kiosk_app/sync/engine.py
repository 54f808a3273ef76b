"""The sync engine: push and pull in one request per batch, then photos.

Each step reads what to send on the store's owner thread, talks to the server on the
calling (network) thread, and applies the answer back on the owner thread in one
transaction. Records go first, then thumbnails, then full images; photos go up on two
upload threads of their own (``sync.uploads``), so one upload's answer round trip
overlaps the other's bytes. Nothing here imports Qt.

Batch size adapts to the measured link, and is kept in the store across syncs: it starts
at the protocol's maximum (a typical backlog in one request: on a satellite link each
request costs a 700 ms round trip), shrinks when a request takes longer than the target
or fails on the link, grows again while full batches come back quickly. A batch is also
capped in bytes, so long product descriptions make fewer mutations per request.

A server at its limit says so (503 + Retry-After): the step waits that long plus
jitter and goes again (``_wait_busy``), reporting the wait as progress ("busy"), not
as a failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

import requests
from urllib3.exceptions import NewConnectionError

from kiosk_app.media.blobs import BlobStore
from kiosk_app.protocol.messages import (
    MAX_CHANGES_PER_RESPONSE,
    MAX_MUTATIONS_PER_REQUEST,
    PROTOCOL_VERSION,
)
from kiosk_app.store import erasure, replica, sync_log
from kiosk_app.store import uploads as upload_rows
from kiosk_app.store.settings import Key
from kiosk_app.store.store import Store
from kiosk_app.sync import failpoints, usb_export
from kiosk_app.sync.client import (
    OfflineError,
    RequestRefusedError,
    ServerBusyError,
    ServerClient,
    ServerError,
    SyncError,
)
from kiosk_app.sync.uploads import Uploader

log = logging.getLogger(__name__)
T = TypeVar("T")

MIN_BATCH = 50
# Until a link is measured, a typical backlog goes in one request: one round trip, not
# several (sizes and times: bench/results).
DEFAULT_BATCH = MAX_MUTATIONS_PER_REQUEST
# A request should take about this long on the link: long enough that the round trip
# is a small part of it, short enough that a cut costs little.
TARGET_REQUEST_S = 20.0
# JSON of a request's mutations at most (the server takes more), so long product
# descriptions make smaller batches rather than one request of minutes.
MAX_BATCH_BYTES = 2 * 1024 * 1024
MAX_PULL = MAX_CHANGES_PER_RESPONSE  # a fresh kiosk's region in one answer
# A server at its limit answers 503 + Retry-After (``ServerBusyError``): the request is
# sent again after that long plus up to this share of it more, drawn at random so a
# hundred kiosks turned away at once do not all come back in the same second; at most
# ``BUSY_ATTEMPTS`` times in one sync, then the scheduler's own backoff takes over.
BUSY_JITTER = 0.5
BUSY_ATTEMPTS = 8


def busy_delay(retry_after: float, rng: random.Random) -> float:
    """How long to wait after a busy answer: its Retry-After plus jitter."""
    return retry_after + rng.uniform(0.0, retry_after * BUSY_JITTER)


def learned_batch_size(store: Store) -> int:
    """The batch size this kiosk's link was last measured to carry well."""
    size = store.settings.get_int(Key.BATCH_SIZE, DEFAULT_BATCH)
    return min(max(size, MIN_BATCH), MAX_MUTATIONS_PER_REQUEST)


def _save_batch_size(store: Store, size: int) -> None:
    store.settings.set(Key.BATCH_SIZE, size)


class StoreRunner(Protocol):
    """Runs ``fn(store, *args)`` on the thread owning the store (``StoreThread.call``)."""

    def __call__(self, fn: Callable[..., T], /, *args: Any) -> T: ...


@dataclass
class SyncResult:
    """What one sync did. ``ok``: it ran to the end and nothing is left to send (the
    scheduler retries otherwise). Records the server refused are not retried: they wait
    for a person (``refused``), so ``delivered`` is what "all data sent" means."""

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
    pending_photos: int = 0  # photos (not image files) still to upload
    photos_sent: int = 0  # photos (not image files) this sync finished uploading
    refused: int = 0  # records the server refused, not fixed or deleted yet
    error: str | None = None
    details: list[str] = field(default_factory=list)
    erased_blobs: int = 0  # image files of erased merchants deleted from this kiosk
    # Seconds until the next idle sync, as the kiosk's region says (None: the default).
    next_sync_s: float | None = None

    @property
    def delivered(self) -> bool:
        """Everything reached the server: finished, nothing waiting, nothing refused."""
        return self.ok and not self.refused


class SyncEngine:
    def __init__(
        self,
        run: StoreRunner,
        client: ServerClient,
        blobs: BlobStore,
        *,
        batch_size: int | None = None,
        target_request_s: float = TARGET_REQUEST_S,
        on_progress: Callable[[str, int, int], None] | None = None,
        on_upload: Callable[[str, str, int, int, int], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        pause: Callable[[float], bool] | None = None,
    ) -> None:
        self.run = run
        self.client = client
        self.blobs = blobs
        # None: read the learned size from the store at the first sync.
        self.batch_size = batch_size or 0
        self._batch_known = batch_size is not None
        self.target_request_s = target_request_s
        self.monotonic = monotonic  # how long requests take (tests pass their own)
        # A busy server's wait: jitter from ``rng``; ``pause(seconds)`` waits and says
        # whether the wait was cut short (``interrupt``). Tests pass both.
        self.rng = rng or random.Random()
        self._halt = threading.Event()
        self.pause = pause or self._halt.wait
        self.on_progress = on_progress or (lambda stage, done, total: None)
        # on_upload(sha256, kind, bytes sent, bytes confirmed, length) as each photo goes.
        self.uploader = Uploader(run, client, blobs, on_bytes=on_upload)

    # -- records -------------------------------------------------------------------------

    def _adapt(self, sent: int, limit: int, seconds: float, up: int, down: int) -> None:
        """Shrink the batch when a request drags past the target; grow it while full
        batches come back quickly. ``up``/``down``: the request's bytes each way."""
        target = self.target_request_s
        if seconds > target:
            # Only when the push made it slow, not a large pull coming down.
            if sent > MIN_BATCH and up >= down:
                # Aim at three quarters of the target, from what this request carried.
                scaled = int(sent * 0.75 * target / seconds)
                self._set_batch(max(MIN_BATCH, min(scaled, self.batch_size)))
        elif sent >= limit and seconds < target / 2:
            self._set_batch(min(self.batch_size * 2, MAX_MUTATIONS_PER_REQUEST))

    def _shrink_after(self, exc: SyncError, sent: int) -> None:
        """A batch whose request failed on the way (cut, timeout, 5xx, too large) is
        retried at half its size. A link that is down (no connection at all), a refused
        token or an old protocol says nothing about the size: a kiosk offline for a day
        keeps what it learned."""
        on_the_way = isinstance(exc, ServerError) or (
            isinstance(exc, RequestRefusedError) and exc.status == 413
        )
        if isinstance(exc, OfflineError):
            on_the_way = not _never_connected(exc)
        if on_the_way and sent > MIN_BATCH:
            self._set_batch(max(min(self.batch_size, sent) // 2, MIN_BATCH))

    def _set_batch(self, size: int) -> None:
        if size != self.batch_size:
            self.batch_size = size
            self.run(_save_batch_size, size)

    def interrupt(self) -> None:
        """Cut short a wait for a busy server (the app is stopping): the sync ends with
        its ``ServerBusyError``, nothing lost."""
        self._halt.set()

    def _wait_busy(self, exc: ServerBusyError, attempt: int) -> None:
        """Wait out a busy server's Retry-After plus jitter, or raise ``exc`` when this
        sync has waited enough times or is being stopped."""
        if attempt >= BUSY_ATTEMPTS:
            raise exc
        seconds = busy_delay(exc.retry_after, self.rng)
        log.info("server busy; sending again in %.1f s", seconds)
        self.on_progress("busy", math.ceil(seconds), attempt)
        if self.pause(seconds):
            raise exc

    def sync_records(self, result: SyncResult) -> list[str]:
        """Push every pending mutation and pull every change; returns blobs to upload.

        A busy answer (503) comes before the server did anything, so the same batch is
        prepared again from the outbox after the wait: nothing lost, nothing twice."""
        if not self._batch_known:
            self.batch_size = self.run(learned_batch_size)
            self._batch_known = True
        missing: list[str] = []
        busy = 0
        while True:
            limit = self.batch_size
            batch = self.run(replica.prepare_push, limit, MAX_BATCH_BYTES)
            payload: dict[str, Any] = {
                "protocol": PROTOCOL_VERSION,
                "cursor": batch.cursor,
                "limit": MAX_PULL,
                "mutations": [m.to_wire() for m in batch.mutations],
                "blobs": batch.blobs,
                "node": batch.node,
                # How this kiosk is doing, for the programme's fleet page.
                "telemetry": self.run(sync_log.telemetry, len(batch.mutations)),
            }
            started = self.monotonic()
            up, down = self.client.traffic.bytes_up, self.client.traffic.bytes_down
            first, more = True, False
            failpoints.hit(failpoints.BEFORE_REQUEST)
            try:
                # The answer comes in parts, each applied in its own transaction while
                # the rest downloads; a part's cursor covers exactly what it carried, so
                # a cut or a crash between parts keeps what arrived and loses nothing.
                with contextlib.closing(self.client.sync_parts(payload)) as parts:
                    for part in parts:
                        if not first:
                            failpoints.hit(failpoints.BETWEEN_PARTS)
                        sent = batch if first else replace(batch, mutations=[], blobs=[])
                        try:
                            report = self.run(replica.apply_response, sent, part)
                        except replica.ResponseMismatchError as exc:
                            raise ServerError(f"answer does not match the request: {exc}") from exc
                        first, more = False, part.more
                        result.sent += report.accepted
                        result.rejected += report.rejected
                        result.received += report.changes
                        result.conflicts += report.conflicts
                        missing = report.missing_blobs
                        if report.freed_blobs:
                            result.erased_blobs += self._delete_blobs(report.freed_blobs)
            except ServerBusyError as exc:
                if not first:  # only ever the answer's status; never after a part
                    raise
                busy += 1
                self._wait_busy(exc, busy)  # the batch's size says nothing of the link
                continue
            except SyncError as exc:
                # Shrink so the next try has a better chance on a failing link.
                self._shrink_after(exc, len(batch.mutations))
                raise
            if first:
                raise ServerError("the server's answer was empty")
            self._adapt(
                len(batch.mutations),
                limit,
                self.monotonic() - started,
                self.client.traffic.bytes_up - up,
                self.client.traffic.bytes_down - down,
            )
            self.on_progress("records", result.sent, result.sent + len(batch.mutations))
            if not more and not batch.more:
                return missing

    def _delete_blobs(self, shas: list[str]) -> int:
        """Delete the files of an erased merchant's images that no photo refers to now."""
        gone = 0
        for sha in self.run(erasure.still_unreferenced, shas):
            gone += bool(self.blobs.delete(sha))
        return gone

    # -- the whole thing -----------------------------------------------------------------

    def sync_once(self) -> SyncResult:
        """One complete sync: records, then thumbnails, then full images, then pull
        thumbnails of other kiosks' photos. ``ok`` when nothing is left pending."""
        result = SyncResult()
        started = self.run(Store.now)
        photos_before = self.run(replica.pending_photos)
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
            self.ensure_bundle_key()
        except SyncError as exc:
            result.error = f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, OfflineError | ServerBusyError):
                log.warning("sync failed: %s", result.error)
        summary = self.run(replica.pending_summary)
        result.pending_changes = summary["pending_changes"]
        result.pending_blobs = summary["pending_blobs"]
        result.pending_photos = summary["pending_photos"]
        result.photos_sent = max(0, photos_before - result.pending_photos)
        result.refused = summary["rejected"]
        result.ok = (
            result.error is None and not result.pending_changes and not (result.pending_blobs)
        )
        result.requests = self.client.traffic.requests - traffic_before[0]
        result.bytes_up = self.client.traffic.bytes_up - traffic_before[1]
        result.bytes_down = self.client.traffic.bytes_down - traffic_before[2]
        interval = self.run(_pushed_interval)
        result.next_sync_s = float(interval) if interval else None
        self.run(_log_sync, started, result)
        return result

    def ensure_bundle_key(self) -> bool:
        """Give a kiosk enrolled before bundles were signed its bundle key pair: made and
        kept first (a retry registers the same key), then registered with the server,
        whose public key is kept. One request, once in a kiosk's life. A server that does
        not know the call, or holds another key for this device, leaves the kiosk unable
        to export bundles (enroll it again), and says so in the log."""
        if self.run(usb_export.has_server_key):
            return True
        signing = self.run(usb_export.signing_key)
        try:
            server_key = self.client.register_bundle_key(usb_export.public_half(signing))
        except RequestRefusedError as exc:
            log.warning("bundle key not registered (%s): USB bundles need a new enrollment", exc)
            return False
        self.run(usb_export.save_server_key, server_key)
        return True

    def download_thumbnails(self, limit: int = 200) -> int:
        """Fetch thumbnails of photos that reached us from other kiosks."""
        wanted = self.run(upload_rows.thumbs_to_fetch, self.blobs.has, limit)
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


def _pushed_interval(store: Store) -> int:
    """The idle sync interval the kiosk's region set (0: none set)."""
    return store.settings.get_int(Key.REMOTE_SYNC_INTERVAL, 0)


def _never_connected(exc: BaseException) -> bool:
    """The request failed before a connection stood: refused, unreachable, no DNS."""
    cause = exc.__cause__
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(cause, requests.exceptions.ConnectionError) and cause.args:
        reason = getattr(cause.args[0], "reason", None)
        return isinstance(reason, NewConnectionError)
    return False


def _log_sync(store: Store, started: str, result: SyncResult) -> None:
    record = sync_log.SyncRecord(started, result.ok, result.sent, result.received,
                                 result.bytes_up, result.bytes_down, result.error)  # fmt: skip
    sync_log.record_sync(store, record)
