"""A program-console session on a live server over real HTTP (requests): an account made
in the server's database, signed in through ``/admin/login``, its CSRF token at hand."""

from __future__ import annotations

import re

import requests
from sqlalchemy import Engine

PASSWORD = "kata-sandi-yang-panjang"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Console:
    """``post(path, **fields)`` sends a form with the session's CSRF token."""

    def __init__(self, base_url: str, engine: Engine, email: str, role: str,
                 region: str | None = None) -> None:  # fmt: skip
        from kiosk_server.admin.accounts import add_account

        add_account(engine, email, PASSWORD, role, region)
        self.base = base_url
        self.http = requests.Session()
        login = self.http.get(f"{base_url}/admin/login", timeout=30)
        token = _CSRF.search(login.text)
        assert token, login.text
        form = {"email": email, "password": PASSWORD, "csrf": token.group(1), "next": "/admin/"}
        home = self.http.post(f"{base_url}/admin/login", data=form, timeout=30)
        found = _CSRF.search(home.text)
        assert home.status_code == 200 and found, home.text
        self.csrf = found.group(1)

    def get(self, path: str, **params: str) -> requests.Response:
        return self.http.get(self.base + path, params=params, timeout=30)

    def post(self, path: str, **fields: str) -> requests.Response:
        return self.http.post(self.base + path, data={"csrf": self.csrf, **fields}, timeout=30)

    def close(self) -> None:
        self.http.close()
