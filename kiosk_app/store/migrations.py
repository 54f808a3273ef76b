"""The kiosk database's versioned schema: one sqlite-utils migration per release.

Never edit a released migration; add a new one. The schema version is the number of
applied migrations and is mirrored in ``PRAGMA user_version`` so that an older app can
recognise (and refuse) a database written by a newer one.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

kiosk_migrations = Migrations("etalase-kiosk")

_ENTITY_COMMON = """
    deleted INTEGER NOT NULL DEFAULT 0,
    clocks TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
"""


@kiosk_migrations(name="0001_initial")
def _initial(db: Database) -> None:
    statements = [
        f"""CREATE TABLE merchant (
            id TEXT PRIMARY KEY,
            business_name TEXT, owner_name TEXT, phone TEXT, village_code TEXT,
            address TEXT, nib TEXT, npwp TEXT, pirt TEXT, halal_cert TEXT, email TEXT,
            consent_version TEXT, consent_at TEXT, consent_operator TEXT,
            status TEXT NOT NULL DEFAULT 'active',
            {_ENTITY_COMMON})""",
        "CREATE INDEX merchant_village ON merchant(village_code)",
        f"""CREATE TABLE product (
            id TEXT PRIMARY KEY,
            merchant_id TEXT NOT NULL,
            name TEXT, description TEXT, price INTEGER, stock INTEGER NOT NULL DEFAULT 0,
            unit TEXT, category TEXT, weight_g INTEGER,
            status TEXT NOT NULL DEFAULT 'draft',
            {_ENTITY_COMMON})""",
        "CREATE INDEX product_merchant ON product(merchant_id)",
        f"""CREATE TABLE photo (
            id TEXT PRIMARY KEY,
            product_id TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            sha256 TEXT, thumb_sha256 TEXT, width INTEGER, height INTEGER,
            bytes INTEGER, thumb_bytes INTEGER,
            {_ENTITY_COMMON})""",
        "CREATE INDEX photo_product ON photo(product_id, position)",
        """CREATE TABLE region (
            code TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT NOT NULL,
            parent_code TEXT)""",
        "CREATE INDEX region_parent ON region(parent_code)",
        """CREATE TABLE operator (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, pin_hash TEXT NOT NULL,
            role TEXT NOT NULL DEFAULT 'operator', disabled INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL)""",
        "CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT)",
        # The outbox: one row per local change, in the order it was made. It is the
        # only record of what the server has not yet acknowledged.
        """CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            entity TEXT NOT NULL,
            row_id TEXT NOT NULL,
            op TEXT NOT NULL,
            fields TEXT NOT NULL,
            hlc TEXT NOT NULL,
            created_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT)""",
        "CREATE INDEX outbox_row ON outbox(entity, row_id)",
    ]
    for sql in statements:
        db.execute(sql)


@kiosk_migrations(name="0002_search_and_conflicts")
def _search_and_conflicts(db: Database) -> None:
    statements = [
        # Full-text search; external-content tables kept in step by triggers, so a
        # row and its index entry always commit together.
        """CREATE VIRTUAL TABLE merchant_fts USING fts5(
            business_name, owner_name, address,
            content='merchant', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')""",
        """CREATE VIRTUAL TABLE product_fts USING fts5(
            name, description, category,
            content='product', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')""",
        """CREATE VIRTUAL TABLE region_fts USING fts5(
            name, content='region', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')""",
    ]
    triggers = {
        "merchant": ("business_name", "owner_name", "address"),
        "product": ("name", "description", "category"),
        "region": ("name",),
    }
    for table, cols in triggers.items():
        fts = f"{table}_fts"
        new_cols = ", ".join(f"new.{c}" for c in cols)
        old_cols = ", ".join(f"old.{c}" for c in cols)
        col_list = ", ".join(cols)
        statements += [
            f"""CREATE TRIGGER {table}_ai AFTER INSERT ON {table} BEGIN
                INSERT INTO {fts}(rowid, {col_list}) VALUES (new.rowid, {new_cols}); END""",
            f"""CREATE TRIGGER {table}_ad AFTER DELETE ON {table} BEGIN
                INSERT INTO {fts}({fts}, rowid, {col_list})
                VALUES ('delete', old.rowid, {old_cols}); END""",
            f"""CREATE TRIGGER {table}_au AFTER UPDATE OF {col_list} ON {table} BEGIN
                INSERT INTO {fts}({fts}, rowid, {col_list})
                VALUES ('delete', old.rowid, {old_cols});
                INSERT INTO {fts}(rowid, {col_list}) VALUES (new.rowid, {new_cols}); END""",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        ]
    statements += [
        # Values that lost a concurrent edit, kept so an operator can see and restore them.
        """CREATE TABLE conflict (
            id TEXT PRIMARY KEY,
            entity TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
            kept_value TEXT, kept_hlc TEXT NOT NULL,
            lost_value TEXT, lost_hlc TEXT NOT NULL,
            created_at TEXT NOT NULL,
            resolved_at TEXT, resolution TEXT)""",
        "CREATE INDEX conflict_open ON conflict(resolved_at, entity, row_id)",
        "CREATE INDEX product_updated ON product(updated_at)",
    ]
    for sql in statements:
        db.execute(sql)


@kiosk_migrations(name="0003_sync_state")
def _sync_state(db: Database) -> None:
    statements = [
        # Blobs the server has confirmed it holds; everything a live photo references
        # and is not listed here still has to be offered to the server.
        "CREATE TABLE blob_remote (sha256 TEXT PRIMARY KEY, confirmed_at TEXT NOT NULL)",
        # Resumable uploads: the tus upload URL and the last offset the server confirmed,
        # so an upload cut by a power cut resumes where it stopped.
        """CREATE TABLE upload (
            sha256 TEXT PRIMARY KEY, url TEXT NOT NULL, length INTEGER NOT NULL,
            confirmed_offset INTEGER NOT NULL DEFAULT 0, kind TEXT NOT NULL,
            updated_at TEXT NOT NULL)""",
        # Mutations the server refused (out of scope, invalid): kept for the operator,
        # never silently dropped.
        """CREATE TABLE sync_rejection (
            id TEXT PRIMARY KEY, entity TEXT NOT NULL, row_id TEXT NOT NULL, op TEXT NOT NULL,
            fields TEXT NOT NULL, hlc TEXT NOT NULL, code TEXT NOT NULL, message TEXT,
            rejected_at TEXT NOT NULL)""",
        # The clock stamps a local edit replaced (field -> stamp): when the server says a
        # value lost to ours, this tells a value we saw and changed (no conflict) from a
        # concurrent one we never saw (a conflict to show).
        "ALTER TABLE outbox ADD COLUMN base TEXT",
        # One row per sync attempt, for the sync screen and the doctor.
        """CREATE TABLE sync_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL,
            finished_at TEXT, ok INTEGER NOT NULL DEFAULT 0, sent INTEGER NOT NULL DEFAULT 0,
            received INTEGER NOT NULL DEFAULT 0, bytes_up INTEGER NOT NULL DEFAULT 0,
            bytes_down INTEGER NOT NULL DEFAULT 0, error TEXT)""",
    ]
    for sql in statements:
        db.execute(sql)


SCHEMA_VERSION = len(kiosk_migrations._migrations)
