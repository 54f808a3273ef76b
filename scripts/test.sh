#!/usr/bin/env bash
# Set up (idempotent) and run the whole test suite: lint, types, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy kiosk_app/domain kiosk_app/protocol kiosk_app/store kiosk_app/media kiosk_app/sync
.venv/bin/lint-imports  # the layers of DESIGN §4: contracts in pyproject.toml
.venv/bin/pytest -q -p no:cacheprovider "$@"
# The packaged build (one folder, ~1 min) and its smoke test (the frozen --self-test);
# only for a full run, not when pytest is narrowed by arguments.
if [ $# -eq 0 ]; then
  bash build/build.sh
fi
