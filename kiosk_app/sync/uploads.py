"""Photo uploads over tus 1.0: thumbnails first, resumable at byte offsets.

The upload URL and the last confirmed offset live in the store's ``upload`` table, so an
upload cut by a dropped link, a crash or a power cut resumes where the server says it
stopped (``HEAD``), sending only the rest. The chunk size follows the measured link.
``on_bytes(sha256, kind, sent, confirmed, length)`` reports each upload's progress: bytes
handed to the network so far, and bytes the server has confirmed (they differ while a
PATCH is in flight: on a slow link the socket buffers take a whole photo at once, so only
``confirmed`` says how far it really got). A plain callback, called on the uploading
thread: the UI turns it into a Qt signal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from kiosk_app.media.blobs import BlobStore
from kiosk_app.store.store import Store, utcnow
from kiosk_app.sync.client import RequestRefusedError, ServerClient

log = logging.getLogger(__name__)
MIN_CHUNK = 64 * 1024
MAX_CHUNK = 8 * 1024 * 1024
# One PATCH should take about this long: a cut then costs at most this much resending.
CHUNK_SECONDS = 30.0


def _upload_plan(store: Store, shas: list[str]) -> list[tuple[str, str]]:
    """(sha, kind) for each blob, thumbnails before full images."""
    wanted = set(shas)
    rows = store.db.execute(
        "SELECT thumb_sha256, sha256 FROM photo WHERE deleted = 0 ORDER BY product_id, position"
    ).fetchall()
    thumbs = [r[0] for r in rows if r[0] in wanted]
    fulls = [r[1] for r in rows if r[1] in wanted]
    plan: list[tuple[str, str]] = []
    seen: set[str] = set()
    for kind, group in (("thumb", thumbs), ("full", fulls)):
        for sha in group:
            if sha not in seen:
                seen.add(sha)
                plan.append((sha, kind))
    return plan


def _saved_upload(store: Store, sha: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM upload WHERE sha256 = ?", [sha]))
    return rows[0] if rows else None


def _save_upload(store: Store, sha: str, url: str, length: int, offset: int, kind: str) -> None:
    store.db.execute(
        "INSERT INTO upload (sha256, url, length, confirmed_offset, kind, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO UPDATE SET url = excluded.url, "
        "confirmed_offset = excluded.confirmed_offset, updated_at = excluded.updated_at",
        [sha, url, length, offset, kind, utcnow()],
    )


def _finish_upload(store: Store, sha: str) -> None:
    with store.db.atomic():
        store.db.execute("DELETE FROM upload WHERE sha256 = ?", [sha])
        store.db.execute(
            "INSERT OR IGNORE INTO blob_remote (sha256, confirmed_at) VALUES (?, ?)",
            [sha, utcnow()],
        )


def _sent(
    report: Callable[[str, str, int, int, int], None],
    sha: str,
    kind: str,
    confirmed: int,
    length: int,
    sent: int,
) -> None:
    report(sha, kind, sent, confirmed, length)


class Uploader:
    def __init__(
        self,
        run: Callable[..., Any],
        client: ServerClient,
        blobs: BlobStore,
        on_bytes: Callable[[str, str, int, int, int], None] | None = None,
    ) -> None:
        self.run = run
        self.client = client
        self.blobs = blobs
        self.on_bytes = on_bytes
        self.bytes_per_second = 32 * 1024.0  # vsat uplink until measured

    @property
    def chunk_size(self) -> int:
        return int(min(MAX_CHUNK, max(MIN_CHUNK, self.bytes_per_second * CHUNK_SECONDS)))

    def upload_missing(
        self, shas: list[str], on_progress: Callable[[str, int, int], None] | None = None
    ) -> int:
        plan: list[tuple[str, str]] = self.run(_upload_plan, shas)
        done = 0
        for sha, kind in plan:
            if not self.blobs.has(sha):
                log.warning("blob %s referenced by a photo is missing locally", sha)
                continue
            self.upload(sha, kind)
            done += 1
            if on_progress:
                on_progress("photos", done, len(plan))
        return done

    def upload(self, sha: str, kind: str) -> None:
        """Upload one blob, resuming a saved upload when the server still has it."""
        length = self.blobs.size(sha)
        saved = self.run(_saved_upload, sha)
        url, offset = None, 0
        if saved is not None:
            try:
                url, offset = saved["url"], self.client.upload_offset(saved["url"])
            except RequestRefusedError:
                url = None  # expired or unknown upload: start again
        if url is None:
            url = self.client.create_upload(sha, length, kind)
            offset = 0
            self.run(_save_upload, sha, url, length, 0, kind)
        report = self.on_bytes
        if report is not None:
            report(sha, kind, offset, offset, length)
        with self.blobs.open(sha) as source:
            while offset < length:
                source.seek(offset)
                size = min(self.chunk_size, length - offset)
                started = time.monotonic()
                on_sent: Callable[[int], None] | None = None
                if report is not None:
                    on_sent = partial(_sent, report, sha, kind, offset, length)
                new_offset = self.client.patch_upload(url, offset, source, size, on_sent)
                elapsed = max(time.monotonic() - started, 0.001)
                self.bytes_per_second = 0.5 * self.bytes_per_second + 0.5 * (size / elapsed)
                offset = new_offset
                self.run(_save_upload, sha, url, length, offset, kind)
                if report is not None and offset < length:
                    report(sha, kind, offset, offset, length)
        self.run(_finish_upload, sha)
        if report is not None:
            report(sha, kind, length, length, length)
