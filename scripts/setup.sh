#!/usr/bin/env bash
# Set up everything the product and its tests need on a fresh Debian machine:
# system libraries for Qt (offscreen and Xvfb), then a virtualenv in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 fonts-dejavu-core
  libpulse0 libdbus-1-3 xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xfixes0
  chromium chromium-driver poppler-utils zbar-tools
  binutils)  # binutils: objdump and strip for PyInstaller and build/etalase-desa.spec
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The PostgreSQL server (initdb, pg_ctl): the server's tests and the live-server suites
# start a private cluster of their own (tests/support/pgcluster.py finds the binaries on PATH or
# in Debian's /usr/lib/postgresql/N/bin). Without it those tests fail, they never skip.
pg_root=${PG_LIB_ROOT:-/usr/lib/postgresql}
need_postgres=no
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G "$pg_root/*/bin/initdb" >/dev/null; then
  need_postgres=yes
fi
if [ ${#missing[@]} -gt 0 ] || [ "$need_postgres" = yes ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    if [ "$need_postgres" = yes ]; then
      # PostgreSQL 15 (Debian 12's); the distribution's own version where it has no 15.
      if apt-cache show postgresql-15 >/dev/null 2>&1; then
        missing+=(postgresql-15)
      else
        missing+=(postgresql)
      fi
    fi
    echo "setup: installing system packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    [ "$need_postgres" = yes ] && missing+=(postgresql-15)
    echo "setup: please install (as root): ${missing[*]}" >&2
  fi
fi

# The server's PostgreSQL tests run initdb/pg_ctl as this user (initdb refuses root).
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -U pip >/dev/null
.venv/bin/pip install -q --disable-pip-version-check -e ".[kiosk,server,dev,build]" 2>&1 | grep -v "is ignored: it is neither" || true
.venv/bin/python -c "import kiosk_app, kiosk_server" 
echo "setup: ok (.venv ready)"
