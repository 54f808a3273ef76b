#!/usr/bin/env bash
# Build the one-folder bundle into build/out/etalase-desa, then smoke-test it.
# Usage: bash build/build.sh [--no-smoke]. Needs scripts/setup.sh to have run (the venv).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pip install -q --disable-pip-version-check -e ".[build]" 2>&1 \
  | grep -v "is ignored: it is neither" || true
start=$(date +%s)
nice .venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
  --distpath build/out --workpath build/work build/etalase-desa.spec
end=$(date +%s)
bundle=build/out/etalase-desa
size_mb=$(du -sm "$bundle" | cut -f1)
echo "build: $bundle in $((end - start)) s, ${size_mb} MB"
if [ "$size_mb" -ge 200 ]; then
  echo "build: the bundle is ${size_mb} MB, over the 200 MB budget" >&2
  exit 1
fi
if [ "${1:-}" != "--no-smoke" ]; then
  QT_QPA_PLATFORM=offscreen "$bundle/kiosk-app" --self-test
fi
