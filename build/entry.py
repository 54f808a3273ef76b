"""Entry point of the frozen app: the same ``main`` as the ``kiosk-app`` command."""

import sys

from kiosk_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
