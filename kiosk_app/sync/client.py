"""HTTP client for the central server: one ``requests.Session``, fit for satellite links.

Timeouts allow 1.5 s round trips and slow uploads; TLS verification stays on (a CA
bundle for the central server can be configured); bodies are gzip-compressed. Failures
come out as distinct errors the UI can explain: offline, token revoked, server error,
protocol too old, request refused.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

import requests

from kiosk_app import __version__
from kiosk_app.sync.protocol import ERR_PROTOCOL_TOO_OLD, ERR_TOKEN_REVOKED

log = logging.getLogger(__name__)
# (connect, read): a TCP handshake over GEO satellite is ~1-2 s; a server answer to a
# large batch can take a while to arrive at 256 kbps.
DEFAULT_TIMEOUT = (15.0, 90.0)
TUS_VERSION = "1.0.0"


class SyncError(Exception):
    """Base of everything that can go wrong talking to the server."""

    message_id = "Sinkronisasi gagal."

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.message_id)


class OfflineError(SyncError):
    message_id = "Tidak ada sambungan ke server. Data aman di kios dan akan dikirim nanti."


class TokenRevokedError(SyncError):
    message_id = "Kios ini sudah dicabut dari server. Hubungi teknisi untuk mendaftar ulang."


class ProtocolTooOldError(SyncError):
    message_id = "Versi aplikasi terlalu lama untuk server. Minta teknisi memperbarui aplikasi."


class ServerError(SyncError):
    message_id = "Server sedang bermasalah. Data aman di kios; dicoba lagi nanti."


class RequestRefusedError(SyncError):
    """The server refused the request itself (4xx other than the above)."""

    message_id = "Server menolak permintaan ini."

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


@dataclass(frozen=True)
class Enrollment:
    device_id: str
    token: str
    region: str


@dataclass
class Traffic:
    """Bytes on the wire (bodies as sent/received, compressed) and requests made."""

    requests: int = 0
    bytes_up: int = 0
    bytes_down: int = 0


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
        self.session.headers["User-Agent"] = f"etalase-desa-kiosk/{__version__}"
        self.session.headers["Accept-Encoding"] = "gzip"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
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
        self.traffic.requests += 1
        if isinstance(body, bytes | bytearray):
            self.traffic.bytes_up += len(body)
        raw_len = response.raw.tell() if response.raw is not None else 0
        self.traffic.bytes_down += raw_len or len(content)
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
        if response.status_code >= 500:
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

    def enroll(self, code: str, device_name: str, node_id: str) -> Enrollment:
        data = self._post_json(
            "/v1/enroll",
            {"code": code, "device_name": device_name, "app_version": __version__,
             "node_id": node_id},
        )  # fmt: skip
        token = str(data["token"])
        self.session.headers["Authorization"] = f"Bearer {token}"
        return Enrollment(str(data["device_id"]), token, str(data["region"]))

    def sync(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._post_json("/v1/sync", payload)
        return result

    def download_blob(self, sha256: str) -> bytes:
        return self._request("GET", f"/v1/blobs/{sha256}").content

    # -- tus 1.0 uploads (core + creation) -------------------------------------------------

    def create_upload(self, sha256: str, length: int, kind: str) -> str:
        meta = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}"
            for k, v in (("sha256", sha256), ("kind", kind))
        )
        response = self._request(
            "POST",
            "/v1/uploads/",
            headers={"Tus-Resumable": TUS_VERSION, "Upload-Length": str(length),
                     "Upload-Metadata": meta},
        )  # fmt: skip
        location = response.headers["Location"]
        if location.startswith("/"):
            location = f"{self.base_url}{location}"
        return location

    def upload_offset(self, url: str) -> int:
        response = self._request("HEAD", url, headers={"Tus-Resumable": TUS_VERSION})
        return int(response.headers["Upload-Offset"])

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
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(length),
        }
        response = self._request("PATCH", url, data=body, headers=headers)
        return int(response.headers["Upload-Offset"])


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
        if self._left <= 0:
            return b""
        size = self._left if size is None or size < 0 else min(size, self._left)
        chunk = self._source.read(min(size, 64 * 1024))
        self._left -= len(chunk)
        self._traffic.bytes_up += len(chunk)
        if chunk and self._on_progress is not None:
            self._on_progress(self._offset + self._length - self._left)
        return chunk


def measure(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.monotonic()
    return fn(), time.monotonic() - start
