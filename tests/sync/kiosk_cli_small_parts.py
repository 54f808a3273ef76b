"""``kiosk-app`` (the real command line) with pulled answers applied in parts of a few
changes, for the crash test: its pulls of a few dozen changes then come in several
parts, so a kill can land between two applied parts (the product's parts hold up to
500 changes, which a crash test trial would need thousands of edits to fill).

Run as ``python -m tests.sync.kiosk_cli_small_parts sync --data-dir DIR``.
"""

from __future__ import annotations

import sys

from kiosk_app import cli
from kiosk_app.sync import client

PART_CHANGES = 8

if __name__ == "__main__":
    client.PART_CHANGES = PART_CHANGES
    sys.exit(cli.main())
