"""The kiosk's settings: every key of the ``setting`` table, defined once, and typed access.

Values are stored as text (NULL when unset). ``Settings`` reads and writes them on the
store's connection; an unknown key is refused, so a key cannot be spelled two ways.
"""

from __future__ import annotations

from enum import StrEnum

from sqlite_utils import Database


class Key(StrEnum):
    # The store's own
    NODE_ID = "node_id"  # this kiosk's clock node
    HLC = "hlc"  # the last clock stamp given out
    # Enrollment (sync.device)
    SERVER_URL = "server.url"
    DEVICE_ID = "server.device_id"
    TOKEN = "server.token"
    REGION = "server.region"  # the region scope: every merchant's village must lie in it
    CA_BUNDLE = "server.ca_bundle"
    SERVER_BUNDLE_KEY = "server.bundle_key"  # the server's X25519 key for USB bundles
    SIGNING_KEY = "bundle.signing_key"  # this kiosk's Ed25519 key for USB bundles
    LATEST_APP_VERSION = "server.latest_app_version"
    CONTROLLER = "server.controller"  # the data controller the consent text names
    CONTROLLER_CONTACT = "server.controller_contact"
    # Settings of the kiosk's region, pushed by the server with each sync (unset: defaults)
    REMOTE_SYNC_INTERVAL = "server.sync_interval_s"  # seconds between idle syncs
    REMOTE_PHOTO_QUALITY = "server.photo_quality"  # JPEG quality a full photo starts at
    # Sync
    CURSOR = "sync.cursor"  # the pull cursor
    BATCH_SIZE = "sync.batch_size"  # the learned batch size, kept across syncs
    LAST_ATTEMPT = "sync.last_attempt"
    LAST_SUCCESS = "sync.last_success"
    LAST_ERROR = "sync.last_error"
    # Backups (technician.backups), read by the doctor
    BACKUP_LAST_AT = "backup.last_at"
    BACKUP_LAST_ENCRYPTED = "backup.last_encrypted"
    BACKUP_LAST_PATH = "backup.last_path"
    # Screens
    LANGUAGE = "ui.language"
    LOCK_MINUTES = "ui.lock_minutes"
    FIRST_RUN_OFFLINE = "first_run.offline"  # "continue offline, enroll later" was chosen
    CATALOG_URL = "catalog.base_url"  # the public catalog's address, else the server's


# What identifies this kiosk to the server: never in a backup nor a support bundle.
SECRETS = (Key.TOKEN, Key.SIGNING_KEY, Key.SERVER_BUNDLE_KEY)


class Settings:
    """Typed reads and writes of the ``setting`` table on one connection."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: Key | str, default: str | None = None) -> str | None:
        row = self._db.execute(
            "SELECT value FROM setting WHERE key = ?", [Key(key).value]
        ).fetchone()
        return default if row is None else row[0]

    def get_int(self, key: Key, default: int) -> int:
        """The value as a whole number (0 or more); ``default`` when unset or not one."""
        raw = self.get(key)
        return int(raw) if raw is not None and raw.isdigit() else default

    def get_float(self, key: Key, default: float) -> float:
        raw = self.get(key)
        try:
            return default if raw is None else float(raw)
        except ValueError:
            return default

    def get_flag(self, key: Key) -> bool:
        return self.get(key) == "1"

    def photo_quality(self) -> int | None:
        """The JPEG quality the kiosk's region set for full photos (None: the default)."""
        quality = self.get_int(Key.REMOTE_PHOTO_QUALITY, 0)
        return quality or None

    def catalog_base(self) -> str | None:
        """Where the public catalog lives: its own address, else the enrolled server."""
        return self.get(Key.CATALOG_URL) or self.get(Key.SERVER_URL)

    def set(self, key: Key | str, value: str | int | float | bool | None) -> None:
        """Store ``value`` (None clears it; a flag is kept as "1"/"0")."""
        if isinstance(value, bool):
            text: str | None = "1" if value else "0"
        else:
            text = None if value is None else str(value)
        self._db.execute(
            "INSERT INTO setting (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [Key(key).value, text],
        )

    def set_many(self, values: dict[Key, str | int | float | bool | None]) -> None:
        """Several settings in one transaction."""
        with self._db.atomic():
            for key, value in values.items():
                self.set(key, value)
