#!/usr/bin/env bash
# Set up, then run the product on this machine with demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KIOSK_DATA_DIR="$PWD/demo-data/kiosk"
.venv/bin/kiosk-app demo
.venv/bin/kiosk-app status
echo
echo "Cari produk (search): .venv/bin/kiosk-app search kopi --data-dir $KIOSK_DATA_DIR"
.venv/bin/kiosk-app search kopi
