"""The owner thread runs every store call in order, off the caller's thread."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kiosk_app.domain.errors import ValidationError
from kiosk_app.store import outbox
from kiosk_app.store.connection import SchemaTooNewError
from kiosk_app.store.migrations import SCHEMA_VERSION
from kiosk_app.store.owner import StoreThread
from kiosk_app.store.regions import import_regions_csv
from tests.support import SAMPLE_REGIONS, VILLAGE


def test_calls_run_in_order_on_the_owner_thread(tmp_path: Path):
    owner = StoreThread(tmp_path / "k.db")
    caller = threading.get_ident()
    owner.call(lambda s: import_regions_csv(s.db, SAMPLE_REGIONS))

    futures = [
        owner.submit(
            lambda s, n: s.create(
                "merchant",
                {
                    "business_name": f"Toko {n}",
                    "owner_name": "Budi",
                    "phone": "081234567890",
                    "village_code": VILLAGE,
                },
            ),
            n,
        )
        for n in range(20)
    ]
    ids = [f.result() for f in futures]
    thread_id = owner.call(lambda s: threading.get_ident())

    assert thread_id != caller
    assert ids == sorted(ids)  # UUIDv7 in submission order
    assert [e.row_id for e in owner.call(lambda s: outbox.pending(s.db))] == ids
    owner.close()


def test_errors_reach_the_caller_and_the_thread_goes_on(tmp_path: Path):
    owner = StoreThread(tmp_path / "k.db")

    with pytest.raises(ValidationError):
        owner.call(lambda s: s.create("merchant", {"business_name": ""}))

    assert owner.call(lambda s: s.pending_count()) == 0
    owner.close()


def test_open_failure_is_raised_to_the_caller(tmp_path: Path):
    import sqlite3

    path = tmp_path / "k.db"
    StoreThread(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    conn.close()

    with pytest.raises(SchemaTooNewError):
        StoreThread(path)
