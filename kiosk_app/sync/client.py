"""HTTP client for the central server: one ``requests.Session``, fit for satellite links.

A ``requests.Session`` is not safe to share across threads: a thread of its own gets a
``clone()`` (same server, token and traffic counters; its own session and connection).

Timeouts allow 1.5 s round trips and slow uploads; TLS verification stays on (a CA
bundle for the central server can be configured); sync bodies are protocol 3 in zstd
(gzip and protocol 2 for an older server). Failures
come out as distinct errors the UI can explain: offline, token revoked, server error,
server busy (503 + Retry-After: try again later, not a failure), protocol too old,
request refused.
"""

from __future__ import annotations

import base64
import email.utils
import gzip
import json
import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import requests
import urllib3

from kiosk_app import __version__
from kiosk_app.domain.i18n import N_, text
from kiosk_app.protocol import compact, lines
from kiosk_app.protocol.compact import COMPACT_MEDIA_TYPE, COMPACT_VERSION
from kiosk_app.protocol.encoding import (
    ACCEPT,
    GZIP,
    IDENTITY,
    ZSTD,
    StreamDecompressor,
    compress,
)
from kiosk_app.protocol.messages import (
    ERR_PROTOCOL_TOO_OLD,
    ERR_SERVER_BUSY,
    ERR_TOKEN_REVOKED,
    PROTOCOL_VERSION,
    SyncAnswer,
)
from kiosk_app.sync import failpoints
from kiosk_app.sync.tls import ResumingAdapter, context_for

log = logging.getLogger(__name__)
# (connect, read): a TCP handshake over GEO satellite is ~1-2 s; a server answer to a
# large batch can take a while to arrive at 256 kbps.
DEFAULT_TIMEOUT = (15.0, 90.0)
TUS_VERSION = "1.0.0"
OFFSET_STREAM = "application/offset+octet-stream"


class SyncError(Exception):
    """Base of everything that can go wrong talking to the server."""

    message_id = text("id", N_("Sync failed."))

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.message_id)


class OfflineError(SyncError):
    message_id = text(
        "id",
        N_("No connection to the server. The data is safe on the kiosk and will be sent later."),
    )


class TokenRevokedError(SyncError):
    message_id = text(
        "id",
        N_(
            "This kiosk's access to the server was revoked. Ask a technician to enroll the "
            "kiosk again with a new enrollment code from the central admin."
        ),
    )


class ProtocolTooOldError(SyncError):
    message_id = text(
        "id",
        N_(
            "This kiosk app's version is too old for the server. "
            "Ask a technician to update the app."
        ),
    )


class ServerError(SyncError):
    message_id = text(
        "id",
        N_("The server has a problem. The data is safe on the kiosk; it will be retried later."),
    )


class ServerBusyError(SyncError):
    """The server is at its limit (503 with ``Retry-After``) and did nothing of the
    request: the same request goes again after ``retry_after`` seconds, plus jitter.
    Not a failure for the operator: the data waits on the kiosk, as when offline."""

    message_id = text("id", N_("The server is busy; trying again shortly."))

    def __init__(self, retry_after: float, message: str = "") -> None:
        super().__init__(message or f"503 server busy, retry after {retry_after:g} s")
        self.retry_after = retry_after


# Seconds to wait when a busy answer names none, and the most any answer may ask for
# (a bad proxy's "Retry-After: 86400" must not stop a kiosk for a day).
BUSY_DEFAULT_S = 10.0
BUSY_MAX_S = 600.0


def retry_after_seconds(value: str | None, now: float | None = None) -> float:
    """A ``Retry-After`` header in seconds: a number of seconds or an HTTP date (RFC
    9110 §10.2.3), within 1 s .. ``BUSY_MAX_S``; ``BUSY_DEFAULT_S`` when absent or bad."""
    if not value:
        return BUSY_DEFAULT_S
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return BUSY_DEFAULT_S
        seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 1.0), BUSY_MAX_S)


class RequestRefusedError(SyncError):
    """The server refused the request itself (4xx other than the above)."""

    message_id = text("id", N_("The server refused this request."))

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


@dataclass(frozen=True)
class Enrollment:
    device_id: str
    token: str
    region: str
    # The server's X25519 key USB bundles are sealed to (absent from an older server).
    server_bundle_key: str | None = None


@dataclass
class Traffic:
    """Bytes on the wire (bodies as sent/received, compressed) and requests made.

    Shared by a client and its clones, so it is counted under a lock (``add``)."""

    requests: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, requests: int = 0, up: int = 0, down: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.bytes_up += up
            self.bytes_down += down


# Changes per part of a streamed sync answer (``ServerClient.sync_parts``): at most
# ``PART_CHANGES``, enough that a part's transaction costs little per change, few enough
# to apply while more arrives; a part also ends where a read from the network ends once
# it holds ``lines.PART_LEAST``, so the last part, applied after the last byte, is small.
PART_CHANGES = 500


def _line_batches(response: requests.Response, received: list[int]) -> Iterator[list[bytes]]:
    """The body's complete lines, a batch per read from the network as it arrives,
    decompressed here (zstd, brotli, gzip) so that ``received[0]`` counts the bytes on
    the wire (urllib3 does not count a chunked body it decodes)."""
    coding = response.headers.get("Content-Encoding", IDENTITY).strip().lower() or IDENTITY
    inflate = StreamDecompressor(coding)
    pending = b""
    for raw in response.raw.stream(16384, decode_content=False):
        received[0] += len(raw)
        pending += inflate.feed(raw)
        *complete, pending = pending.split(b"\n")
        if complete:
            yield complete
    if pending:
        yield [pending]


class ServerClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        verify: bool | str = True,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.traffic = Traffic()
        self.session = requests.Session()
        self.session.verify = verify  # True, or the path of the central server's CA bundle
        if verify is not False:  # TLS sessions resumed across connections (``sync.tls``)
            self.session.mount("https://", ResumingAdapter(context_for(verify)))
        self.session.headers["User-Agent"] = f"etalase-desa-kiosk/{__version__}"
        self.session.headers["Accept-Encoding"] = ACCEPT
        # What this server was found to read: protocol 3 and zstd bodies until it says
        # otherwise (an older server answers 426 or 415 once, then gets protocol 2, gzip).
        self.protocol = PROTOCOL_VERSION
        self.request_coding = ZSTD
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self._clones: list[ServerClient] = []

    def clone(self) -> ServerClient:
        """Another client for another thread: same server, headers (token) and traffic
        counters, its own session. Closed with this one."""
        other = ServerClient(self.base_url, verify=self.session.verify, timeout=self.timeout)
        other.session.headers.clear()
        other.session.headers.update(self.session.headers)
        other.traffic = self.traffic
        other.protocol, other.request_coding = self.protocol, self.request_coding
        self._clones.append(other)
        return other

    def close(self) -> None:
        for other in self._clones:
            other.close()
        self._clones.clear()
        self.session.close()

    # -- plumbing ---------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        kwargs.setdefault("timeout", self.timeout)
        body = kwargs.get("data")
        try:
            response = self.session.request(method, url, **kwargs)
            content = response.content  # read it all here, so a cut shows up here
        except requests.exceptions.SSLError:
            raise  # a certificate problem is not "offline": let the technician see it
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise OfflineError(str(exc)) from exc
        except requests.exceptions.ChunkedEncodingError as exc:
            raise OfflineError(str(exc)) from exc
        self._count(body, response, content)
        self._raise_for(response)
        return response

    @staticmethod
    def _raise_for(response: requests.Response) -> None:
        if response.status_code < 400:
            return
        code, message = "", response.text[:500]
        try:
            detail = response.json().get("detail")
            if isinstance(detail, dict):
                code, message = str(detail.get("code", "")), str(detail.get("message", ""))
            elif isinstance(detail, str):
                message = detail
        except ValueError:
            pass
        if response.status_code == 401:
            if code == ERR_TOKEN_REVOKED:
                raise TokenRevokedError(message)
            raise TokenRevokedError(message or "token not accepted")
        if response.status_code == 426 or code == ERR_PROTOCOL_TOO_OLD:
            raise ProtocolTooOldError(message)
        retry_after = response.headers.get("Retry-After")
        if response.status_code == 503 and (retry_after or code == ERR_SERVER_BUSY):
            raise ServerBusyError(retry_after_seconds(retry_after), message)
        if response.status_code >= 500 or response.status_code == 423:
            # 423 Locked: the server is still busy with this upload (a request of a link
            # that died holds it). It passes, like a 5xx: try again later, no refusal.
            raise ServerError(f"{response.status_code}: {message}")
        raise RequestRefusedError(response.status_code, code, message)

    def _post_json(self, path: str, payload: Mapping[str, Any]) -> Any:
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        body = gzip.compress(raw, compresslevel=6, mtime=0)
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        return self._request("POST", path, data=body, headers=headers).json()

    # -- API ----------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """A cheap probe: is the server reachable?"""
        result: dict[str, Any] = self._request("GET", "/healthz", timeout=(10.0, 20.0)).json()
        return result

    def enroll(
        self, code: str, device_name: str, node_id: str, bundle_key: str | None = None
    ) -> Enrollment:
        """Redeem ``code``; ``bundle_key``: the public key this kiosk signs bundles with."""
        payload = {"code": code, "device_name": device_name, "app_version": __version__,
                   "node_id": node_id}  # fmt: skip
        if bundle_key:
            payload["bundle_key"] = bundle_key
        data = self._post_json("/v1/enroll", payload)
        token = str(data["token"])
        self.session.headers["Authorization"] = f"Bearer {token}"
        server_key = data.get("server_bundle_key")
        return Enrollment(
            str(data["device_id"]),
            token,
            str(data["region"]),
            str(server_key) if server_key else None,
        )

    def register_bundle_key(self, bundle_key: str) -> str:
        """Register this kiosk's bundle public key; the server's bundle key in return."""
        raw = json.dumps({"bundle_key": bundle_key}).encode()
        headers = {"Content-Type": "application/json"}
        data = self._request("PUT", "/v1/device/bundle-key", data=raw, headers=headers).json()
        return str(data["server_bundle_key"])

    def sync(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """One sync request answered as one JSON object: protocol 2 at most (protocol 3
        answers in lines: ``sync_parts``)."""
        version = min(int(payload.get("protocol", 1)), COMPACT_VERSION - 1)
        result: dict[str, Any] = self._post_json("/v1/sync", {**payload, "protocol": version})
        return result

    def sync_parts(
        self, payload: Mapping[str, Any], chunk: int | None = None
    ) -> Generator[SyncAnswer, None, None]:
        """``sync``, its answer handed over in parts while it downloads.

        Each part is a whole answer to apply on its own (the first carries the push's
        outcomes; every part but the last has ``more`` and, as ``cursor``, the ``seq`` of
        its last change), so the kiosk applies ``chunk`` changes (``PART_CHANGES`` unless
        given) at a time while the rest is still on the link. Protocol 3 (columns, zstd)
        when the server speaks it, else protocol 2; an answer of protocol 2 not laid out
        in lines comes as one part."""
        response, body = self._post_sync(payload)
        received = [0]  # body bytes as they came over the wire (compressed)
        try:
            failpoints.hit(failpoints.AFTER_COMMIT)  # the server committed before answering
            batches = _line_batches(response, received)
            size = PART_CHANGES if chunk is None else chunk
            if response.headers.get("Content-Type", "").startswith(COMPACT_MEDIA_TYPE):
                yield from compact.answer_parts(batches, size, lines.PART_LEAST)
            else:
                yield from lines.answer_parts(batches, size)
            for _ in batches:  # the end of the stream, so the connection can serve again
                pass
        except (requests.ConnectionError, requests.Timeout, urllib3.exceptions.HTTPError) as exc:
            raise OfflineError(str(exc)) from exc
        except requests.exceptions.ChunkedEncodingError as exc:
            raise OfflineError(str(exc)) from exc
        except ValueError as exc:  # the answer did not arrive whole (EncodingError too)
            raise OfflineError(f"answer cut short: {exc}") from exc
        finally:
            self.traffic.add(requests=1, up=len(body), down=received[0])
            response.close()

    def _sync_body(self, payload: Mapping[str, Any]) -> tuple[bytes, dict[str, str]]:
        """The request body in the protocol and coding this server reads."""
        headers = {"Content-Type": "application/json"}
        if self.protocol >= COMPACT_VERSION:
            raw = compact.encode_request({**payload, "protocol": self.protocol})
        else:
            older = {**payload, "protocol": min(int(payload["protocol"]), self.protocol)}
            raw = json.dumps(older, ensure_ascii=False, separators=(",", ":")).encode()
        coding = self.request_coding if self.protocol >= COMPACT_VERSION else GZIP
        headers["Content-Encoding"] = coding
        return compress(raw, coding), headers

    def _post_sync(self, payload: Mapping[str, Any]) -> tuple[requests.Response, bytes]:
        """Send a sync request; the streamed answer (status < 400) and the body sent.
        A server that does not read zstd (415) or protocol 3 (426) is asked again in
        gzip and protocol 2: it refused before doing anything."""
        url = f"{self.base_url}/v1/sync"
        while True:
            body, headers = self._sync_body(payload)
            try:
                response = self.session.post(
                    url, data=body, headers=headers, timeout=self.timeout, stream=True
                )
            except requests.exceptions.SSLError:
                raise
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise OfflineError(str(exc)) from exc
            if response.status_code < 400:
                return response, body
            self._count(body, response, response.content)
            response.close()
            compact_refused = self.protocol >= COMPACT_VERSION and response.status_code == 426
            if response.status_code == 415 and self.request_coding != GZIP:
                self.request_coding = GZIP
            elif compact_refused and int(payload["protocol"]) >= COMPACT_VERSION:
                log.info("the server does not speak protocol 3: protocol 2 from now on")
                self.protocol = COMPACT_VERSION - 1
            else:
                self._raise_for(response)

    def _count(self, body: object, response: requests.Response, content: bytes) -> None:
        """One request's traffic: the body sent (when it is bytes), the answer as it came
        over the wire (compressed) when urllib3 counted it, else as read."""
        raw_len = response.raw.tell() if response.raw is not None else 0
        up = len(body) if isinstance(body, bytes | bytearray) else 0
        self.traffic.add(requests=1, up=up, down=raw_len or len(content))

    def download_blob(self, sha256: str) -> bytes:
        return self._request("GET", f"/v1/blobs/{sha256}").content

    # -- tus 1.0 uploads (core + creation + creation-with-upload) ------------------------

    def tus_extensions(self) -> frozenset[str]:
        """The tus extensions the server advertises (``OPTIONS``)."""
        response = self._request("OPTIONS", "/v1/uploads/", headers={"Tus-Resumable": TUS_VERSION})
        names = response.headers.get("Tus-Extension", "").split(",")
        return frozenset(n.strip() for n in names if n.strip())

    def create_upload(
        self,
        sha256: str,
        length: int,
        kind: str,
        *,
        source: BinaryIO | None = None,
        size: int = 0,
        on_progress: Callable[[int], None] | None = None,
        resume: bool = False,
    ) -> tuple[str, int]:
        """Create an upload; returns its URL and the bytes the server holds.

        With ``source``, its first ``size`` bytes go in the same request (tus
        creation-with-upload: the server must advertise it). ``resume`` asks for this
        device's unfinished upload of the blob instead, when a creation that carried
        bytes was cut before its answer came (see kiosk_server/api/uploads.py)."""
        items = [("sha256", sha256), ("kind", kind)]
        meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in items)
        headers = {"Tus-Resumable": TUS_VERSION, "Upload-Length": str(length),
                   "Upload-Metadata": meta + (",resume" if resume else "")}  # fmt: skip
        body: _SizedBody | None = None
        if source is not None:
            body = _SizedBody(source, size, self.traffic, 0, on_progress)
            headers["Content-Type"] = OFFSET_STREAM
            headers["Content-Length"] = str(size)
        response = self._request("POST", "/v1/uploads/", data=body, headers=headers)
        location = _header(response, "Location")
        if location.startswith("/"):
            location = f"{self.base_url}{location}"
        if body is None and "Upload-Offset" not in response.headers:
            return location, 0  # plain tus creation need not say: nothing held yet
        return location, _offset(response)

    def upload_offset(self, url: str) -> int:
        response = self._request("HEAD", url, headers={"Tus-Resumable": TUS_VERSION})
        return _offset(response)

    def patch_upload(
        self,
        url: str,
        offset: int,
        source: BinaryIO,
        length: int,
        on_progress: Callable[[int], None] | None = None,
    ) -> int:
        """Send ``length`` bytes from ``source`` at ``offset``; returns the new offset."""
        # A sized file-like body: requests then sends Content-Length only. (A generator
        # body made it add "Transfer-Encoding: chunked" too, which servers refuse.)
        body = _SizedBody(source, length, self.traffic, offset, on_progress)
        headers = {
            "Tus-Resumable": TUS_VERSION,
            "Upload-Offset": str(offset),
            "Content-Type": OFFSET_STREAM,
            "Content-Length": str(length),
        }
        response = self._request("PATCH", url, data=body, headers=headers)
        return _offset(response)


def _header(response: requests.Response, name: str) -> str:
    value = response.headers.get(name)
    if value is None:
        # Only a cut answer lacks it (the link dropped the rest of the headers).
        raise OfflineError(f"the answer came without {name}")
    return value


def _offset(response: requests.Response) -> int:
    value = _header(response, "Upload-Offset")
    if not value.isdigit():
        raise OfflineError(f"the answer came with Upload-Offset {value[:20]!r}")
    return int(value)


class _SizedBody:
    """``length`` bytes of ``source`` as a file-like body, counting bytes as they leave."""

    def __init__(
        self,
        source: BinaryIO,
        length: int,
        traffic: Traffic,
        offset: int,
        on_progress: Callable[[int], None] | None,
    ) -> None:
        self._source = source
        self._left = length
        self._length = length
        self._traffic = traffic
        self._offset = offset
        self._on_progress = on_progress

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        if 0 < self._left < self._length:  # some of the body has gone, not all of it
            failpoints.hit(failpoints.MID_CHUNK)
        if self._left <= 0:
            return b""
        size = self._left if size is None or size < 0 else min(size, self._left)
        chunk = self._source.read(min(size, 64 * 1024))
        self._left -= len(chunk)
        self._traffic.add(up=len(chunk))
        if chunk and self._on_progress is not None:
            self._on_progress(self._offset + self._length - self._left)
        return chunk


def measure(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.monotonic()
    return fn(), time.monotonic() - start
