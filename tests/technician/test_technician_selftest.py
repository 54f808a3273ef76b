"""``kiosk-app --self-test`` from the source tree: passes, and fails when it should."""

from __future__ import annotations

import subprocess
import sys

from tests.support import ROOT


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=180
    )


def test_self_test_passes_and_reports_every_check():
    done = subprocess.run(
        [sys.executable, "-m", "kiosk_app", "--self-test"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("  ")]
    assert len(lines) == 7 and all(line.lstrip().startswith("OK") for line in lines)
    assert "'Home' -> 'Beranda'" in done.stdout
    assert "skema 3" in done.stdout
    assert "Uji mandiri berhasil" in done.stdout


def test_self_test_fails_without_the_indonesian_translation():
    done = run(
        "import sys; from pathlib import Path\n"
        "import kiosk_app.ui.i18n as i18n\n"
        "i18n.TRANSLATIONS = Path('/nonexistent/translations')\n"
        "from kiosk_app.cli import main\n"
        "sys.exit(main(['--self-test']))\n"
    )

    assert done.returncode == 1
    assert "GAGAL Terjemahan" in done.stdout and "Uji mandiri GAGAL" in done.stdout


def test_self_test_fails_when_migrations_fail():
    done = run(
        "import sys\n"
        "from kiosk_app.store.migrations import kiosk_migrations\n"
        "@kiosk_migrations(name='9999_broken')\n"
        "def broken(db):\n"
        "    db.execute('CREATE TABLE merchant (x)')  # already exists: the migration fails\n"
        "from kiosk_app.cli import main\n"
        "sys.exit(main(['--self-test']))\n"
    )

    assert done.returncode == 1
    assert "GAGAL Basis data dan migrasi" in done.stdout
