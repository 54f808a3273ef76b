"""Console fixtures: the app under a TestClient on SQLite and on PostgreSQL, with one
account per role (``tests/admin/console.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk_server.config import Settings
from tests.admin.console import login, make_accounts

# The server tests' database fixtures: a SQLite template copy, or a PostgreSQL database.
from tests.server.conftest import database_url  # noqa: F401
from tests.server.helpers import Api


@pytest.fixture
def console_settings(tmp_path: Path, database_url: str) -> Settings:  # noqa: F811
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def api(console_settings: Settings) -> Iterator[Api]:
    from fastapi.testclient import TestClient

    from kiosk_server.app import create_app

    app = create_app(console_settings, run_migrations=False)
    with TestClient(app) as client:
        yield Api(client, app.state.ctx.engine, console_settings)
    app.state.ctx.engine.dispose()


@pytest.fixture
def accounts(api: Api) -> dict[str, str]:
    return make_accounts(api.engine)


@pytest.fixture
def signed_in(api: Api, accounts: dict[str, str]) -> Iterator[Callable[[str], Any]]:
    """``signed_in(role)``: a new client of the same app, signed in as that role."""
    from fastapi.testclient import TestClient

    clients: list[Any] = []

    def make(role: str) -> Any:
        client = TestClient(api.client.app)
        clients.append(client)
        answer = login(client, accounts[role])
        assert answer.status_code == 303, answer.text
        return client

    yield make
    for client in clients:
        client.close()
