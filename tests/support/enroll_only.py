"""A link that carries the enrollment and dies before anything else: a real HTTP server
on loopback that forwards ``POST /v1/enroll`` to the real kiosk_server and drops every
other request without an answer (as a satellite link that went down right after the
code was redeemed). For "enrolled, but the region list could not be fetched" tests."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


class _Handler(BaseHTTPRequestHandler):
    target = ""

    def do_POST(self) -> None:
        if self.path != "/v1/enroll":
            self._drop()
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        answer = requests.post(self.target + self.path, data=body, headers=headers, timeout=30)
        self.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def do_GET(self) -> None:
        self._drop()

    def _drop(self) -> None:
        self.close_connection = True  # nothing written back: the client sees a dead link

    def log_message(self, format: str, *args: object) -> None:
        pass


class EnrollOnlyLink:
    def __init__(self, target_url: str) -> None:
        handler = type("Handler", (_Handler,), {"target": target_url.rstrip("/")})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> EnrollOnlyLink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
