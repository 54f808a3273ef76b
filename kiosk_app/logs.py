"""Log files for the entry points: rotated in the log folder, set up once per process.

Called by the command line and the GUI at start, never at import. A log folder that
cannot be written (read-only, disk full) must not stop a technician's command: the
handler then goes quiet instead of printing a traceback per line.
"""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from kiosk_app.paths import KioskPaths

LOG_NAME = "kiosk.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class QuietRotatingFileHandler(RotatingFileHandler):
    """A rotating file handler that stops writing after its first failure."""

    def handleError(self, record: logging.LogRecord) -> None:
        self.close()
        logging.getLogger().removeHandler(self)
        print(
            f"(log file {self.baseFilename} cannot be written; logging to it stopped)",
            file=sys.stderr,
        )


def log_file(paths: KioskPaths) -> Path:
    return paths.logs / LOG_NAME


def setup_logging(paths: KioskPaths, level: int = logging.INFO) -> RotatingFileHandler | None:
    """Add the rotating ``logs/kiosk.log`` handler to the root logger (idempotent)."""
    root = logging.getLogger()
    target = str(log_file(paths).resolve())
    for handler in root.handlers:
        if isinstance(handler, RotatingFileHandler) and handler.baseFilename == target:
            return handler
    try:
        paths.logs.mkdir(parents=True, exist_ok=True)
        handler = QuietRotatingFileHandler(
            target, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
        )
    except OSError as exc:
        print(f"(log folder {paths.logs} not usable: {exc})", file=sys.stderr)
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    return handler
