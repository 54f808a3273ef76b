"""``python -m kiosk_app``: the same entry point as the ``kiosk-app`` command."""

import sys

from kiosk_app.cli import main

sys.exit(main())
