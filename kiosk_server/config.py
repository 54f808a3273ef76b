"""Server settings from the environment (KIOSK_SERVER_*, DATABASE_URL) and the command line."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("etalase-desa-server", "EtalaseDesa"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KIOSK_SERVER_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "KIOSK_SERVER_DATABASE_URL")
    )
    page_size: int = 5000  # changes per sync response at most
    max_sync_body: int = 8 * 1024 * 1024  # bytes, after decompression
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
