"""Server settings from the environment (KIOSK_SERVER_*, DATABASE_URL) and the command line."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kiosk_app.protocol.messages import MAX_CHANGES_PER_RESPONSE

MAX_ENROLL_TTL_HOURS = 7 * 24.0


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("etalase-desa-server", "EtalaseDesa"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KIOSK_SERVER_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "KIOSK_SERVER_DATABASE_URL")
    )
    # Where photo bytes live: s3://BUCKET[/PREFIX] (endpoint and keys from AWS_*), a
    # folder, or nothing for ``blobs`` in the data folder (kiosk_server/storage.py).
    blobs: str | None = None
    # Threads per process for blocking work (database, files). Fewer fight less over the
    # GIL: 40 kiosks on 2 cores gave 52 req/s with 40 threads, 60-70 with 1 to 8.
    worker_threads: int = 4
    page_size: int = MAX_CHANGES_PER_RESPONSE  # changes per sync response at most
    # Backpressure (``admission``): syncs one process serves at once (running, or waiting
    # for a worker thread); a sync finding them all taken waits at most ``sync_wait_s``
    # for a place, then gets 503 with ``Retry-After: busy_retry_after_s``. First syncs
    # (cursor 0: a whole region) also need one of ``first_sync_concurrency`` places.
    sync_concurrency: int = Field(default=16, ge=1)
    sync_wait_s: float = Field(default=2.0, ge=0)
    first_sync_concurrency: int = Field(default=2, ge=1)
    first_sync_wait_s: float = Field(default=5.0, ge=0)
    busy_retry_after_s: int = Field(default=5, ge=1)
    first_sync_retry_after_s: int = Field(default=10, ge=1)
    # Bytes, after decompression. 5,000 mutations (the most a request may carry) with
    # 2,000-character product descriptions are 11.5 MiB of JSON (2.3 MiB of gzip); the
    # kiosk itself sends at most 2 MiB a request (``sync.engine.MAX_BATCH_BYTES``).
    max_sync_body: int = 16 * 1024 * 1024
    tus_max_size: int = 25 * 1024 * 1024
    # Per device: uploads begun and not finished, and the bytes they announce. A kiosk
    # sends two photos at a time and resumes its unfinished ones, so this is far above
    # what it needs and far below what fills a disk (20 x 25 MiB was seen left behind).
    max_open_uploads: int = 16
    max_open_upload_bytes: int = 128 * 1024 * 1024
    # Unfinished uploads untouched this long are removed, with their bytes.
    upload_expiry_hours: float = 24.0
    # Blobs no live photo refers to are removed once this old (a kiosk sends a photo's
    # record before its bytes, and a USB bundle may arrive days later).
    blob_grace_hours: float = 7 * 24.0
    # How often each server process collects expired uploads and unreferenced blobs.
    gc_interval_s: float = 3600.0
    enroll_ttl_hours: float = Field(default=72.0, gt=0, le=MAX_ENROLL_TTL_HOURS)
    # Enrollment attempts: per client address and for the whole process (token buckets,
    # per server process: N workers allow N times the overall rate).
    enroll_per_address_per_minute: float = 10.0
    enroll_per_minute: float = 60.0
    # One JSON line per request (method, path, status, ms). Errors are logged either way.
    access_log: bool = True
    latest_app_version: str | None = None  # told to kiosks, which tell the technician
    # The deployment's data controller and its contact, named in the consent text the
    # kiosks read to merchants (UU PDP); told to kiosks with every sync.
    controller: str | None = None  # e.g. "Dinas Kominfo Kabupaten Malang"
    controller_contact: str | None = None  # e.g. "etalase@malangkab.go.id, 0341 123456"
    # How long a server process keeps the rollouts and region settings it read (seconds);
    # its own changes take effect at once, other processes' within this time.
    announce_ttl_s: float = 30.0
    # The public catalog's address (https://…) for its links, messages and redirects.
    # Required when serving on an address other than loopback, unless ``trusted_hosts``
    # lists the host names the server may be reached by. The Host header of a request
    # is never used otherwise.
    public_base_url: str | None = None
    trusted_hosts: str = ""
    # Addresses per sitemap file: past this many, /sitemap.xml is an index of parts
    # (sitemaps.org allows 50,000; tests make it small).
    sitemap_part_size: int = Field(
        default=50_000, ge=1, le=50_000
    )  # comma-separated host names, e.g. "katalog.example.id"
    # The server's own secret (64 hex digits): keys enrollment codes (HMAC) and the USB
    # bundle key pair. Without it, ``secret.key`` in the data folder (made on first
    # start). Every API process of one deployment must share it.
    secret_key: SecretStr | None = None
    # Program console (/admin/): session cookies are Secure when a request came over
    # https or the public base URL is https; set this when TLS ends at a proxy in front.
    admin_secure_cookies: bool | None = None
    # Login attempts, per process (token buckets): per client address and per account.
    admin_login_per_address_per_minute: float = 10.0
    admin_login_per_account_per_minute: float = 5.0
    # /docs and /redoc (Swagger UI, ReDoc): off unless asked for. /openapi.json is served.
    api_docs: bool = False

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError(
                "must be http(s)://host[:port][/path], e.g. https://katalog.example.id"
            )
        return value.rstrip("/")

    @field_validator("blobs")
    @classmethod
    def _blobs(cls, value: str | None) -> str | None:
        if not value:
            return None
        if value.startswith("s3://") and not value.removeprefix("s3://").split("/")[0]:
            raise ValueError("must be s3://BUCKET[/PREFIX] or a folder")
        return value

    @property
    def db_url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        return f"sqlite:///{self.data_dir / 'server.db'}"

    @property
    def trusted_host_names(self) -> list[str]:
        return [h.strip().lower() for h in self.trusted_hosts.split(",") if h.strip()]

    @property
    def secret_file(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def blob_dir(self) -> Path:
        """The folder of the local blob storage (``blobs`` unless a folder is named)."""
        if self.blobs and self.local_blobs:
            return Path(self.blobs).expanduser()
        return self.data_dir / "blobs"

    @property
    def local_blobs(self) -> bool:
        """Photo bytes in a folder of this machine (not in a bucket)."""
        return not (self.blobs or "").startswith("s3://")
