"""Screenshots of the program console (/admin/) in headless Chromium, into docs/screenshots/.

    PYTHONPATH=. .venv/bin/python scripts/admin_screenshots.py [--out docs/screenshots]

Starts kiosk_server on loopback (uvicorn in a thread) on a fresh SQLite database with
the sample regions, a national coordinator and a fleet of demo kiosks made from a fixed
seed (some silent, some on an old version, some with errors, telemetry as kiosks send
it), then drives Debian's chromium as a coordinator would: the login page, the fleet at
1366x768 and on a 360 px phone, the fleet filtered, the enrollment code picker and a
code's printable sheet. Same seed, same kiosks; the times are relative to now.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from kiosk_app.domain.record_ids import uuid7  # noqa: E402
from kiosk_server.admin.accounts import add_account  # noqa: E402
from kiosk_server.app import create_app  # noqa: E402
from kiosk_server.config import Settings  # noqa: E402
from kiosk_server.db import device, region  # noqa: E402
from kiosk_server.regions import import_regions  # noqa: E402
from tests.admin.console import device_row  # noqa: E402
from tests.catalog.browser import phone_browser  # noqa: E402
from tests.server.conftest import LiveApp  # noqa: E402
from tests.support import SAMPLE_REGIONS  # noqa: E402

PASSWORD = "kata-sandi-demo-123"
PLACES = ["35.07.12.2003", "35.07.12.2002", "35.07.06.2001", "35.07.14.2005", "35.07.01.2001",
          "53.10.01.2001"]  # fmt: skip  # villages; each kiosk is named after its own
ERRORS = ["OfflineError: tidak tersambung ke server", "ServerError: 503 Service Unavailable",
          "Disk penuh: sisa 120 MB"]  # fmt: skip


def fill(engine: object, seed: int = 17) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with engine.connect() as conn:  # type: ignore[attr-defined]
        names = dict(conn.execute(select(region.c.code, region.c.name)).all())
    rows = []
    for i in range(48):
        code = PLACES[i % len(PLACES)]
        village = names.get(code, code)
        days = rng.choice([0, 0, 0, 0, 0, 1, 2, 4, 9, 23]) + rng.random() / 2
        row = device_row(
            uuid7(),
            f"Kios {village} {i // len(PLACES) + 1}",
            code,
            last_seen=now - timedelta(days=days),
            version=rng.choice(["0.1.0", "0.2.0", "0.3.0", "0.3.0", "0.3.0"]),
            error=rng.choice(ERRORS) if rng.random() < 0.15 else None,
            pending=rng.choice([0, 0, 0, 4, 37, 210]),
        )
        row.update(
            pending_photos=rng.choice([0, 0, 3, 12]),
            clock_skew_s=rng.choice([1, -2, 3, 0, 840, -3600]) if rng.random() < 0.3 else 2,
            sync_median_ms=int(rng.uniform(1800, 9500)),
            bytes_per_day=int(rng.uniform(80_000, 4_000_000)),
        )
        rows.append(row)
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(insert(device), rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    with tempfile.TemporaryDirectory(prefix="console-shots-") as work:
        settings = Settings(
            data_dir=Path(work), public_base_url="https://etalase.example.id", gc_interval_s=0
        )
        migrated = create_app(settings)  # the schema, before the server starts on it
        migrated.state.ctx.engine.dispose()
        server = LiveApp(settings).start()
        engine = server.app.state.ctx.engine
        import_regions(engine, SAMPLE_REGIONS)
        add_account(engine, "koordinator@etalase.example.id", PASSWORD, "national", None)
        fill(engine)
        browser = phone_browser(1366, 768)
        try:

            def shot(name: str) -> None:
                time.sleep(0.3)
                browser.save_screenshot(str(out / name))
                print(f"wrote {out / name}")

            browser.get(f"{server.url}/admin/login")
            browser.find_element(By.NAME, "email").send_keys("koordinator@etalase.example.id")
            shot("admin-01-masuk.png")
            browser.find_element(By.NAME, "password").send_keys(PASSWORD)
            browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
            time.sleep(0.5)
            shot("admin-02-kios.png")
            browser.get(f"{server.url}/admin/devices?wilayah=35.07&senyap=3")
            shot("admin-03-kios-senyap.png")
            browser.get(f"{server.url}/admin/codes?wilayah=35.07.14")
            Select(browser.find_element(By.ID, "wilayah")).select_by_index(0)
            shot("admin-04-kode-pilih-wilayah.png")
            browser.find_element(By.CSS_SELECTOR, "button.plain").click()
            time.sleep(0.3)
            browser.find_element(By.ID, "make-code").click()
            time.sleep(0.3)
            shot("admin-05-lembar-kode.png")
            browser.set_window_size(360, 780)
            browser.get(f"{server.url}/admin/devices")
            shot("admin-06-kios-hp.png")
        finally:
            browser.quit()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
