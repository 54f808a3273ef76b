#!/usr/bin/env bash
# The whole product on this machine: the central server (embedded SQLite, sample regions)
# in demo-data/server, a demo kiosk in demo-data/kiosk enrolled to that server (its
# region list comes with the enrolment), the demo merchants and products of its region,
# and the kiosk app. The server stops when the app closes.
# Safe to run again: setup runs only when the virtualenv is missing or pyproject.toml
# changed, regions load once, the demo data is upserted, the kiosk stays enrolled.
# Environment: DEMO_PORT (default 8765), DEMO_SECONDS (close the app after that many
# seconds; for unattended runs).
set -euo pipefail
cd "$(dirname "$0")/.."
ready=.venv/.demo-setup-done
if [ ! -f "$ready" ] || [ pyproject.toml -nt "$ready" ] \
  || ! .venv/bin/python -c "import kiosk_app, kiosk_server, PySide6.QtWidgets" 2>/dev/null; then
  bash scripts/setup.sh
  touch "$ready"
fi

root="$PWD/demo-data"
server_dir="$root/server"
export KIOSK_DATA_DIR="$root/kiosk"
port="${DEMO_PORT:-8765}"
url="http://127.0.0.1:$port"
bin="$PWD/.venv/bin"
mkdir -p "$server_dir" "$KIOSK_DATA_DIR"

# 1. The central server, with the sample region list (loaded once).
if [ ! -f "$server_dir/.regions-loaded" ]; then
  "$bin/kiosk-server" --data-dir "$server_dir" regions import resources/demo/regions_sample.csv
  touch "$server_dir/.regions-loaded"
fi
if "$bin/python" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port)))" 2>/dev/null; then
  echo "demo: port $port is already in use; set DEMO_PORT to another port." >&2
  exit 1
fi
"$bin/kiosk-server" serve --data-dir "$server_dir" --host 127.0.0.1 --port "$port" \
  >"$server_dir/server.log" 2>&1 &
server_pid=$!
app_pid=""
stop_all() {
  if [ -n "$app_pid" ]; then kill "$app_pid" 2>/dev/null || true; fi
  if kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    echo "demo: server stopped."
  fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 150); do
  if "$bin/python" -c "import urllib.request; urllib.request.urlopen('$url/healthz', timeout=1)" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "demo: the server did not start; see $server_dir/server.log" >&2
    exit 1
  fi
  sleep 0.2
done
echo "demo: server at $url (data in $server_dir)"

# 2. Enrolled to this server, unless it already is (and the server still knows it): the
#    enrolment brings the region list of the kiosk's scope (Kabupaten Malang, 35.07).
enrolled=$("$bin/kiosk-app" status --json | "$bin/python" -c \
  "import json,sys; s=json.load(sys.stdin); print(s['device_id'] or '' if s['server']=='$url' else '')")
if [ -z "$enrolled" ] || ! "$bin/kiosk-server" --data-dir "$server_dir" devices | grep -q "$enrolled"; then
  code=$("$bin/kiosk-server" --data-dir "$server_dir" enroll-code --region 35.07 | tail -n 1)
  # Exit 3: enrolled, but the region list did not come yet; the app fetches it itself.
  "$bin/kiosk-app" enroll --server "$url" --code "$code" --name "kios-demo" || [ $? = 3 ]
else
  echo "demo: kiosk already enrolled ($enrolled)."
fi

# 3. The demo catalog: the merchants and products of the kiosk's region (upserted, so a
#    second run adds nothing; the one in Manggarai, outside the region, is left out).
"$bin/kiosk-app" demo
"$bin/kiosk-app" status

# 4. The app. Without a display, run it on a virtual one (or offscreen) rather than fail.
run=("$bin/kiosk-app" gui)
if [ -n "${DEMO_SECONDS:-}" ]; then
  run=(timeout --signal=TERM "$DEMO_SECONDS" "${run[@]}")
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  if command -v xvfb-run >/dev/null; then
    echo "demo: no display here (DISPLAY is empty): the app runs on a virtual X display" \
      "(xvfb-run), so there is nothing to see. Ctrl+C stops it and the server."
    run=(xvfb-run -a -s "-screen 0 1366x768x24" "${run[@]}")
  else
    echo "demo: no display here and no xvfb-run: the app runs offscreen (nothing to see)." \
      "Ctrl+C stops it and the server."
    export QT_QPA_PLATFORM=offscreen
  fi
fi
echo "demo: opening the kiosk app (first run: choose the language, then create the" \
  "technician account; the kiosk is already enrolled)."
"${run[@]}" &
app_pid=$!
status=0
wait "$app_pid" || status=$?
app_pid=""
if [ "$status" = 124 ]; then status=0; fi  # closed by DEMO_SECONDS
exit "$status"
