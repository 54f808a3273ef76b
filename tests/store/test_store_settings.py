"""Settings: every key defined once (``Key``), typed reads and writes; store transactions."""

from __future__ import annotations

import pytest

from kiosk_app.store import sync_log
from kiosk_app.store import uploads as upload_rows
from kiosk_app.store.settings import SECRETS, Key
from kiosk_app.store.store import Store


def test_an_unknown_key_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        store.settings.get("server.adress")
    with pytest.raises(ValueError):
        store.settings.set("server.adress", "https://x")
    # A key's text is accepted (stored rows and old callers use it).
    store.settings.set("server.url", "https://pusat.example")
    assert store.settings.get(Key.SERVER_URL) == "https://pusat.example"


def test_each_key_is_defined_once() -> None:
    values = [key.value for key in Key]
    assert len(values) == len(set(values))
    assert set(SECRETS) <= set(Key)


def test_typed_reads_and_writes(store: Store) -> None:
    settings = store.settings
    assert settings.get(Key.SERVER_URL) is None
    assert settings.get(Key.SERVER_URL, "x") == "x"
    settings.set(Key.BATCH_SIZE, 250)
    assert settings.get(Key.BATCH_SIZE) == "250"
    assert settings.get_int(Key.BATCH_SIZE, 1) == 250
    settings.set(Key.BATCH_SIZE, "lots")
    assert settings.get_int(Key.BATCH_SIZE, 7) == 7
    settings.set(Key.LOCK_MINUTES, 2.5)
    assert settings.get_float(Key.LOCK_MINUTES, 10.0) == 2.5
    settings.set(Key.LOCK_MINUTES, "soon")
    assert settings.get_float(Key.LOCK_MINUTES, 10.0) == 10.0
    assert not settings.get_flag(Key.FIRST_RUN_OFFLINE)
    settings.set(Key.FIRST_RUN_OFFLINE, True)
    assert settings.get_flag(Key.FIRST_RUN_OFFLINE)
    assert settings.get(Key.FIRST_RUN_OFFLINE) == "1"
    settings.set(Key.FIRST_RUN_OFFLINE, None)
    assert settings.get(Key.FIRST_RUN_OFFLINE) is None


def test_the_catalog_lives_on_the_server_unless_set_apart(store: Store) -> None:
    assert store.settings.catalog_base() is None
    store.settings.set(Key.SERVER_URL, "https://pusat.example")
    assert store.settings.catalog_base() == "https://pusat.example"
    store.settings.set(Key.CATALOG_URL, "https://katalog.example")
    assert store.settings.catalog_base() == "https://katalog.example"


def test_set_many_is_one_transaction(store: Store) -> None:
    with pytest.raises(ValueError):
        store.settings.set_many({Key.SERVER_URL: "https://a", "nope": "x"})  # type: ignore[dict-item]
    assert store.settings.get(Key.SERVER_URL) is None


def test_a_transaction_commits_all_or_nothing(
    store: Store, merchant_fields: dict[str, object]
) -> None:
    with store.transaction():
        merchant = store.create("merchant", merchant_fields)
    assert store.get("merchant", merchant) is not None
    pending = store.pending_count()
    with pytest.raises(RuntimeError), store.transaction():
        store.update("merchant", merchant, {"business_name": "Warung Baru"})
        raise RuntimeError("the photo could not be stored")
    assert store.get("merchant", merchant)["business_name"] == "Kopi Bu Sri"
    assert store.pending_count() == pending


def test_the_sync_log_records_each_sync_and_the_last_one(store: Store) -> None:
    assert sync_log.last_sync(store) == sync_log.LastSync(None, None, None)
    sync_log.record_sync(store, sync_log.SyncRecord(store.now(), True, 3, 2, 100, 200, None))
    first = sync_log.last_sync(store)
    assert first.success == first.attempt and first.error is None
    failed = sync_log.SyncRecord(store.now(), False, 0, 0, 0, 0, "OfflineError: no link")
    sync_log.record_sync(store, failed)
    last = sync_log.last_sync(store)
    assert last.error == "OfflineError: no link"
    assert last.success == first.success  # the last success stays
    rows = store.db.execute("SELECT ok, sent, received, error FROM sync_log ORDER BY id")
    assert rows.fetchall() == [(1, 3, 2, None), (0, 0, 0, "OfflineError: no link")]


def test_an_upload_is_saved_until_it_finishes(store: Store) -> None:
    sha = "ab" * 32
    assert upload_rows.saved_upload(store, sha) is None
    upload_rows.save_upload(store, sha, "", 1000, 0, "full")
    upload_rows.save_upload(store, sha, "https://x/u/1", 1000, 400, "full")
    saved = upload_rows.saved_upload(store, sha)
    assert saved is not None
    assert (saved["url"], saved["length"], saved["confirmed_offset"]) == (
        "https://x/u/1",
        1000,
        400,
    )
    upload_rows.finish_upload(store, sha)
    assert upload_rows.saved_upload(store, sha) is None
    held = store.db.execute("SELECT count(*) FROM blob_remote WHERE sha256 = ?", [sha])
    assert held.fetchone()[0] == 1
