"""Where the kiosk keeps its data, logs and cache: platformdirs, or KIOSK_DATA_DIR.

Nothing is created at import time; callers ask for a folder and ``ensure`` it when
they are about to write.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "etalase-desa"
APP_AUTHOR = "EtalaseDesa"
DATA_DIR_ENV = "KIOSK_DATA_DIR"


@dataclass(frozen=True)
class KioskPaths:
    """The kiosk's folders. With an override, everything lives under one folder."""

    data: Path
    logs: Path
    cache: Path

    @property
    def database(self) -> Path:
        return self.data / "kiosk.db"

    @property
    def blobs(self) -> Path:
        return self.data / "blobs"

    @property
    def backups(self) -> Path:
        return self.data / "backups"

    def ensure(self) -> KioskPaths:
        for folder in (self.data, self.logs, self.cache):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> KioskPaths:
    """Folders from an explicit ``data_dir``, else ``KIOSK_DATA_DIR``, else platformdirs."""
    override = data_dir or os.environ.get(DATA_DIR_ENV)
    if override:
        root = Path(override).expanduser().resolve()
        return KioskPaths(data=root, logs=root / "logs", cache=root / "cache")
    return KioskPaths(
        data=Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
        logs=Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
        cache=Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)),
    )
