"""Photo uploads over tus 1.0: thumbnails first, resumable at byte offsets, two at a time.

The upload URL and the last confirmed offset live in the store (``store.uploads``), so
an upload cut by a dropped link, a crash or a power cut resumes where the server says it
stopped (``HEAD``), sending only the rest. The chunk size follows the measured link.

Round trips are what a satellite link wastes (700 ms each), so a new upload sends its
first chunk in the creation request (tus creation-with-upload, when the server
advertises it): a photo that fits in one chunk takes one request. A creation whose body
is cut before its answer arrives leaves an empty URL saved; the next try asks the server
for that unfinished upload by hash and sends only the rest.

Two workers upload at once, each with its own HTTP client (a ``requests.Session`` is
not safe to share across threads), so one upload's bytes fill the link while the other
waits for its answer. They take blobs in plan order, thumbnails before full images, and
each starts (its first ``on_bytes``) in that order. The ``run`` callable (the store's
owner) is only ever called on the thread that called ``upload_missing``: workers hand
store work to it, so any ``run`` works, even one calling the store directly.

``on_bytes(sha256, kind, sent, confirmed, length)`` reports each upload's progress: bytes
handed to the network so far, and bytes the server has confirmed (they differ while a
request is in flight: on a slow link the socket buffers take a whole photo at once, so
only ``confirmed`` says how far it really got). A plain callback, called on the worker
thread uploading that blob (two threads at once; one blob's calls come from one thread,
in order): the UI turns it into a queued Qt signal. ``on_progress("photos", done, total)``
is called on the calling thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from functools import partial
from typing import Any, TypeVar

from kiosk_app.media.blobs import BlobStore
from kiosk_app.store import uploads as upload_rows
from kiosk_app.sync import failpoints
from kiosk_app.sync.client import RequestRefusedError, ServerClient

log = logging.getLogger(__name__)
T = TypeVar("T")
MIN_CHUNK = 64 * 1024
MAX_CHUNK = 8 * 1024 * 1024
# One request should take about this long: a cut then costs at most this much resending.
CHUNK_SECONDS = 30.0
# Two uploads in flight keep the link busy through each other's answer round trip.
WORKERS = 2
WITH_UPLOAD = "creation-with-upload"

Report = Callable[[str, str, int, int, int], None]
Run = Callable[..., Any]


def _sent(report: Report, sha: str, kind: str, confirmed: int, length: int, sent: int) -> None:
    report(sha, kind, sent, confirmed, length)


class _Hub:
    """The calling thread's side of a parallel upload: it runs the workers' store work
    through ``run`` (so ``run`` is never called from a worker) and hears how they end."""

    def __init__(self, run: Run) -> None:
        self._run = run
        self._inbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()

    def run_for_worker(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Called on a worker: queue ``fn`` for the calling thread and wait for it."""
        future: Future[Any] = Future()
        self._inbox.put(("store", (future, fn, args)))
        return future.result()

    def post(self, what: str, value: Any = None) -> None:
        self._inbox.put((what, value))

    def messages(self) -> Iterator[tuple[str, Any]]:
        """Store work is done here; everything else is handed to the caller."""
        while True:
            what, value = self._inbox.get()
            if what != "store":
                yield what, value
                continue
            future, fn, args = value
            try:
                future.set_result(self._run(fn, *args))
            except BaseException as exc:
                future.set_exception(exc)


class Uploader:
    def __init__(
        self,
        run: Run,
        client: ServerClient,
        blobs: BlobStore,
        on_bytes: Report | None = None,
        *,
        workers: int = WORKERS,
    ) -> None:
        self.run = run
        self.client = client
        self.blobs = blobs
        self.on_bytes = on_bytes
        self.workers = max(1, workers)
        self.bytes_per_second = 32 * 1024.0  # vsat uplink until measured
        # Kept across syncs: a clone holds a kept-alive connection (a handshake costs a
        # round trip), and the server's tus extensions are asked once.
        self._clients = [client]
        self._extensions: frozenset[str] | None = None
        self._rate_lock = threading.Lock()
        self._ask_lock = threading.Lock()

    @property
    def chunk_size(self) -> int:
        return int(min(MAX_CHUNK, max(MIN_CHUNK, self.bytes_per_second * CHUNK_SECONDS)))

    def upload_missing(
        self, shas: list[str], on_progress: Callable[[str, int, int], None] | None = None
    ) -> int:
        """Upload the blobs the server lacks, ``self.workers`` at a time; returns how many.
        The first error of any worker stops the others after their current request and
        is raised here."""
        plan = self.run(upload_rows.upload_plan, shas)
        todo = []
        for sha, kind, saved in plan:
            if self.blobs.has(sha):
                todo.append((sha, kind, saved))
            else:
                log.warning("blob %s referenced by a photo is missing locally", sha)
        if not todo:
            return 0
        while len(self._clients) < min(self.workers, len(todo)):
            self._clients.append(self.client.clone())
        hub = _Hub(self.run)
        items = iter(todo)
        taking = threading.Lock()  # taking a blob and reporting its start, in plan order
        stop = threading.Event()

        def work(client: ServerClient) -> None:
            failure: BaseException | None = None
            try:
                while not stop.is_set():
                    with taking:
                        item = next(items, None)
                        if item is None:
                            break
                        sha, kind, saved = item
                        self._report_start(sha, kind, saved)
                    self._upload(client, hub.run_for_worker, sha, kind, saved, stop)
                    hub.post("done", sha)
            except BaseException as exc:
                failure = exc
            hub.post("exit", failure)

        threads = [
            threading.Thread(target=work, args=(client,), name=f"kiosk-upload-{n}", daemon=True)
            for n, client in enumerate(self._clients[: min(self.workers, len(todo))])
        ]
        for thread in threads:
            thread.start()
        done, running = 0, len(threads)
        error: BaseException | None = None
        for what, value in hub.messages():
            if what == "done":
                done += 1
                if on_progress and error is None:
                    try:
                        on_progress("photos", done, len(plan))
                    except BaseException as exc:
                        error = exc
                        stop.set()
            elif what == "exit":
                running -= 1
                if value is not None:
                    if error is None:
                        error = value
                    else:
                        log.debug("another upload worker failed too: %r", value)
                    stop.set()
                if running == 0:
                    break
        for thread in threads:
            thread.join()
        if error is not None:
            raise error
        return done

    def upload(self, sha: str, kind: str) -> None:
        """Upload one blob on this thread, resuming a saved upload when the server still
        has it."""
        saved = self.run(upload_rows.saved_upload, sha)
        self._report_start(sha, kind, saved)
        self._upload(self.client, self.run, sha, kind, saved, None)

    # -- one blob --------------------------------------------------------------------------

    def _report_start(self, sha: str, kind: str, saved: dict[str, Any] | None) -> None:
        if self.on_bytes is not None:
            confirmed = int(saved["confirmed_offset"]) if saved and saved["url"] else 0
            length = self.blobs.size(sha)
            self.on_bytes(sha, kind, confirmed, confirmed, length)

    def _upload(
        self,
        client: ServerClient,
        run: Run,
        sha: str,
        kind: str,
        saved: dict[str, Any] | None,
        stop: threading.Event | None,
    ) -> None:
        length = self.blobs.size(sha)
        report = self.on_bytes
        with self.blobs.open(sha) as source:
            url: str | None = None
            offset = 0
            if saved is not None and saved["url"]:
                try:
                    url, offset = saved["url"], client.upload_offset(saved["url"])
                except RequestRefusedError:
                    url = None  # expired or unknown upload: start again
            elif saved is not None:
                # A creation that carried bytes was cut before its answer: the server
                # may hold some of them, under a URL only it knows.
                url, offset = client.create_upload(sha, length, kind, resume=True)
                run(upload_rows.save_upload, sha, url, length, offset, kind)
            if url is None:
                if self._with_upload(client):
                    # The URL comes with the answer; until then the row says "ask the
                    # server for this blob's upload".
                    run(upload_rows.save_upload, sha, "", length, 0, kind)
                    size = min(self.chunk_size, length)
                    create = partial(client.create_upload, sha, length, kind, source=source,
                                     size=size)  # fmt: skip
                    url, offset = self._timed(create, report, sha, kind, 0, length, size)
                else:
                    url, offset = client.create_upload(sha, length, kind)
                run(upload_rows.save_upload, sha, url, length, offset, kind)
                if report is not None and 0 < offset < length:
                    report(sha, kind, offset, offset, length)
            elif report is not None and offset < length:
                report(sha, kind, offset, offset, length)
            while offset < length:
                if stop is not None and stop.is_set():
                    return  # another worker failed: the sync stops; resumed next time
                source.seek(offset)
                size = min(self.chunk_size, length - offset)
                send = partial(client.patch_upload, url, offset, source, size)
                offset = self._timed(send, report, sha, kind, offset, length, size)
                run(upload_rows.save_upload, sha, url, length, offset, kind)
                if report is not None and offset < length:
                    report(sha, kind, offset, offset, length)
        failpoints.hit(failpoints.BEFORE_RECORD)
        run(upload_rows.finish_upload, sha)
        if report is not None:
            report(sha, kind, length, length, length)

    def _timed(
        self,
        request: Callable[..., T],
        report: Report | None,
        sha: str,
        kind: str,
        offset: int,
        length: int,
        size: int,
    ) -> T:
        """Run ``request(on_progress=...)``, carrying ``size`` bytes; learn the link's
        speed from it."""
        on_sent = None if report is None else partial(_sent, report, sha, kind, offset, length)
        started = time.monotonic()
        answer = request(on_progress=on_sent)
        elapsed = max(time.monotonic() - started, 0.001)
        with self._rate_lock:
            self.bytes_per_second = 0.5 * self.bytes_per_second + 0.5 * (size / elapsed)
        return answer

    def _with_upload(self, client: ServerClient) -> bool:
        """Does the server take bytes in the creation request? Asked once."""
        with self._ask_lock:  # the other worker waits for the same answer
            if self._extensions is None:
                try:
                    self._extensions = client.tus_extensions()
                except RequestRefusedError:
                    self._extensions = frozenset()  # no OPTIONS: plain tus creation
            return WITH_UPLOAD in self._extensions
