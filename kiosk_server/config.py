"""Server settings from the environment (KIOSK_SERVER_*, DATABASE_URL) and the command line."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kiosk_app.sync.protocol import MAX_CHANGES_PER_RESPONSE


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("etalase-desa-server", "EtalaseDesa"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KIOSK_SERVER_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "KIOSK_SERVER_DATABASE_URL")
    )
    # Threads per process for blocking work (database, files). Fewer fight less over the
    # GIL: 40 kiosks on 2 cores gave 52 req/s with 40 threads, 60-70 with 1 to 8.
    worker_threads: int = 4
    page_size: int = MAX_CHANGES_PER_RESPONSE  # changes per sync response at most
    # Bytes, after decompression. 5,000 mutations (the most a request may carry) with
    # 2,000-character product descriptions are 11.5 MiB of JSON (2.3 MiB of gzip); the
    # kiosk itself sends at most 2 MiB a request (``sync.engine.MAX_BATCH_BYTES``).
    max_sync_body: int = 16 * 1024 * 1024
    tus_max_size: int = 25 * 1024 * 1024
    enroll_ttl_hours: float = 72.0
    latest_app_version: str | None = None  # told to kiosks, which tell the technician
    # The public catalog's address (https://…) for its links and messages; without it,
    # the address each request was sent to.
    public_base_url: str | None = None

    @property
    def db_url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        return f"sqlite:///{self.data_dir / 'server.db'}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"
