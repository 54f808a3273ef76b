"""Screenshots of the console's onboarding, moderation and updates pages (issue 17, part B).

    PYTHONPATH=. .venv/bin/python scripts/console_screenshots.py [OUT_DIR]

Starts the server on a fresh SQLite file in a temporary folder with the sample regions,
writes made-up merchants and products through the server's own push (a seeded random
generator: the same pictures every run), moves their arrival dates back over six months
so the chart has a history (said so on the page: "saat data sampai di server"), signs in
with headless Chromium (Debian's chromium + chromedriver) and saves PNGs at 1366×768
and one at a phone's 360×780 into ``docs/screenshots/`` (default).
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["Kopi", "Keripik", "Batik", "Madu", "Gula Aren", "Sambal", "Anyaman", "Tenun", "Dodol"]
OWNERS = ["Sri", "Darmo", "Tini", "Budi", "Wati", "Agus", "Yuli", "Rahmat", "Siti", "Joko"]
PASSWORD = "kata-sandi-contoh-1"


def seed(engine: object, rng: random.Random) -> str:
    """Merchants and products in villages of the sample list; one merchant's id to show."""
    from kiosk_app.domain.hlc import HybridClock
    from kiosk_app.domain.record_ids import uuid7
    from kiosk_app.protocol.messages import Mutation
    from kiosk_server.db import RECORD_TABLES, region
    from kiosk_server.push import DeviceScope, push

    with engine.connect() as conn:  # type: ignore[attr-defined]
        villages = [
            r[0] for r in conn.execute(select(region.c.code).where(region.c.level == "village"))
        ]
    clock = HybridClock("layar", wall=lambda: int(time.time() * 1000))
    shown = ""
    now = datetime.now(UTC)
    for n in range(90):
        village = rng.choice(villages)
        mid = uuid7()
        business = f"{rng.choice(NAMES)} {rng.choice(['Bu', 'Pak'])} {rng.choice(OWNERS)}"
        fields = {"business_name": business, "owner_name": rng.choice(OWNERS) + " Wibowo",
                  "phone": f"+62812{rng.randrange(10**7, 10**8)}", "village_code": village,
                  "status": "active"}  # fmt: skip
        if rng.random() < 0.8:
            fields.update(consent_version="persetujuan-v1", consent_operator="Operator Desa",
                          consent_at="2026-11-20T09:00:00+07:00")  # fmt: skip
        mutations = [Mutation(uuid7(), "merchant", mid, clock.now(), "upsert", fields)]
        for k in range(rng.randrange(0, 6)):
            status = "published" if rng.random() < 0.7 else "draft"
            mutations.append(Mutation(uuid7(), "product", uuid7(), clock.now(), "upsert", {
                "merchant_id": mid, "name": f"{business.split()[0]} pilihan {k + 1}",
                "price": rng.randrange(5, 150) * 1000, "status": status}))  # fmt: skip
        push(engine, DeviceScope("layar", village[:5]), mutations, int(time.time() * 1000))  # type: ignore[arg-type]
        when = (now - timedelta(days=int(180 * (1 - (n / 90) ** 0.7)))).isoformat()
        with engine.begin() as conn:  # type: ignore[attr-defined]
            for entity in ("merchant", "product"):
                table = RECORD_TABLES[entity]
                key = table.c.id if entity == "merchant" else table.c.merchant_id
                conn.execute(table.update().where(key == mid).values(created_at=when))
        if business.startswith("Kopi") and not shown and village.startswith("35.07"):
            shown = mid
    return shown


def main(argv: list[str]) -> int:
    import uvicorn

    from kiosk_server import moderation, rollout
    from kiosk_server.admin.accounts import add_account
    from kiosk_server.app import create_app
    from kiosk_server.config import Settings
    from kiosk_server.regions import import_regions
    from tests.catalog.browser import phone_browser
    from tests.support.live import free_port

    out = Path(argv[0]) if argv else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        app = create_app(settings)
        engine = app.state.ctx.engine
        import_regions(engine, ROOT / "resources" / "demo" / "regions_sample.csv")
        shown = seed(engine, random.Random(17))
        with engine.connect() as conn:
            products = moderation.get_merchant(conn, shown, None)["products"]
        if products:
            moderation.hide(engine, "product", products[0]["id"], "Foto bukan produk asli",
                            "pusat@contoh.id", None)  # fmt: skip
        add_account(engine, "pusat@contoh.id", PASSWORD, "national", None)
        rollout.announce(engine, "0.3.0", "35.07", 20, "", "pusat@contoh.id", None)
        rollout.announce(engine, "0.3.0", "", None, "53.10", "pusat@contoh.id", None)
        rollout.set_settings(engine, "35.07", {"sync_interval_s": 1800, "photo_quality": 75},
                             "pusat@contoh.id", None)  # fmt: skip
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        browser = phone_browser(1366, 768)
        try:
            browser.get(f"{base}/admin/login?next=/admin/")
            browser.find_element("id", "email").send_keys("pusat@contoh.id")
            browser.find_element("id", "password").send_keys(PASSWORD)
            browser.find_element("css selector", "form button[type=submit]").click()
            time.sleep(1)
            shots = [
                ("console-01-penjual-terdaftar.png", "/admin/"),
                ("console-02-penjual-terdaftar-kabupaten.png", "/admin/?region=35.07"),
                ("console-03-moderasi-cari.png", "/admin/penjual?q=kopi"),
                ("console-04-moderasi-penjual.png", f"/admin/penjual/{shown}"),
                ("console-05-pembaruan.png", "/admin/pembaruan"),
            ]
            for name, path in shots:
                browser.get(base + path)
                time.sleep(0.5)
                browser.save_screenshot(str(out / name))
                print(out / name)
            browser.set_window_size(360, 780)
            browser.get(f"{base}/admin/penjual/{shown}")
            time.sleep(0.5)
            browser.save_screenshot(str(out / "console-06-moderasi-ponsel.png"))
            print(out / "console-06-moderasi-ponsel.png")
        finally:
            browser.quit()
            server.should_exit = True
            thread.join(10)
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
