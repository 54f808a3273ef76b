"""The console in a real headless Chromium (Debian's, through its chromedriver): sign in,
filter the fleet, make an enrollment code and read its QR code back from a screenshot
(zbarimg), at a laptop's 1366x768 and on a phone's 360 px."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from kiosk_server.config import Settings
from tests.admin.console import PASSWORD, add_device, make_accounts
from tests.catalog.browser import phone_browser, wait_for
from tests.server.conftest import LiveApp
from tests.support import databases as dbs


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveApp]:
    data = tmp_path_factory.mktemp("console")
    url = dbs.sqlite_copy(sqlite_template, data)
    server = LiveApp(Settings(data_dir=data, database_url=url)).start()
    engine = server.app.state.ctx.engine
    make_accounts(engine)
    now = datetime.now(UTC)
    for i in range(12):
        add_device(engine, f"Kios Ternyang {i:02d}", "35.07.12.2003", last_seen=now)
    for i in range(3):
        add_device(
            engine, f"Kios Senyap {i}", "35.07.12.2003", last_seen=now - timedelta(days=9 + i)
        )
    add_device(engine, "Kios Senyap Manggarai", "53.10.01.2001", last_seen=now - timedelta(days=20))
    add_device(
        engine, "Kios Dampit", "35.07.06", last_seen=now - timedelta(days=12), error="Disk penuh"
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = phone_browser(1366, 768)
    try:
        yield driver
    finally:
        driver.quit()


def _names(browser: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [
        e.text for e in browser.find_elements(By.CSS_SELECTOR, "#fleet tbody td:first-child strong")
    ]


def _sign_in(browser: Any, live: LiveApp, email: str) -> None:
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(f"{live.url}/admin/devices")
    assert wait_for(lambda: "/admin/login" in browser.current_url)
    browser.find_element(By.NAME, "email").send_keys(email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    assert wait_for(lambda: urlsplit(browser.current_url).path == "/admin/devices")


def test_sign_in_and_filter_the_fleet(live: LiveApp, browser: Any):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    # A wrong password keeps the person on the login page, told why
    browser.delete_all_cookies()
    browser.get(f"{live.url}/admin/login")
    browser.find_element(By.NAME, "email").send_keys("pusat@example.id")
    browser.find_element(By.NAME, "password").send_keys("salah-sekali-123")
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    alert = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "[role=alert]"))
    assert alert and "kata sandi salah" in alert[0].text
    assert browser.get_cookie("etalase_admin") is None
    # Signed in, the national coordinator sees every kiosk, the most silent first
    _sign_in(browser, live, "pusat@example.id")
    names = _names(browser)
    assert len(names) == 17 and names[0] == "Kios Senyap Manggarai"
    assert "senyap 20 hari" in browser.find_element(By.ID, "fleet").text
    # Filter: silent for a week, in Kabupaten Malang
    browser.find_element(By.NAME, "wilayah").send_keys("35.07")
    Select(browser.find_element(By.NAME, "senyap")).select_by_value("7")
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    assert wait_for(lambda: "senyap=7" in browser.current_url)
    assert _names(browser) == ["Kios Dampit", "Kios Senyap 2", "Kios Senyap 1", "Kios Senyap 0"]
    # With errors only
    browser.get(f"{live.url}/admin/devices?galat=1")
    assert _names(browser) == ["Kios Dampit"]
    # A region coordinator signed in the same way sees none of Manggarai
    _sign_in(browser, live, "malang@example.id")
    assert "Kios Senyap Manggarai" not in _names(browser) and len(_names(browser)) == 16


def test_make_a_code_from_the_picker_and_read_its_qr_back(
    live: LiveApp, browser: Any, tmp_path: Path
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg is needed (apt-get install zbar-tools; scripts/setup.sh does it)"
    _sign_in(browser, live, "pusat@example.id")
    browser.get(f"{live.url}/admin/codes")
    # Province -> regency -> district, each a plain form (no JavaScript)
    for name in ("Jawa Timur", "Kabupaten Malang", "Tirtoyudo"):
        picker = Select(browser.find_element(By.ID, "wilayah"))
        option = next(o for o in picker.options if o.text.startswith(name))
        value = option.get_attribute("value")
        picker.select_by_value(value)
        browser.find_element(By.CSS_SELECTOR, "button.plain").click()
        assert wait_for(lambda v=value: browser.current_url.endswith(f"wilayah={v}"))
    browser.find_element(By.ID, "make-code").click()
    code = wait_for(lambda: browser.find_elements(By.ID, "code"))[0].text
    assert len(code) == 12 and code.count("-") == 2
    assert "Tirtoyudo" in browser.find_element(By.ID, "sheet").text
    # The QR code on the sheet, photographed from the screen, says the server and code
    shot = tmp_path / "qr.png"
    shot.write_bytes(browser.find_element(By.ID, "qr").screenshot_as_png)
    read = subprocess.run(
        [zbarimg, "--quiet", "--raw", str(shot)], capture_output=True, text=True, timeout=60
    )
    assert read.returncode == 0, read.stderr
    payload = read.stdout.strip()
    assert payload.startswith("etalase-desa:enroll?")
    fields = parse_qs(payload.split("?", 1)[1])
    assert fields["code"] == [code]
    assert unquote(fields["server"][0]) == live.url
    # The code works once, for the region it was made for
    from kiosk_server import devices

    ctx = live.app.state.ctx
    enrolled = devices.enroll(ctx.engine, ctx.keys, code, "kios-tirtoyudo", "0.2.0", None)
    assert enrolled.region.startswith("35.07.") and enrolled.region != "35.07"
    # It is listed as used; a fresh one can be expired from the list
    browser.get(f"{live.url}/admin/codes")
    assert "dipakai" in browser.find_element(By.ID, "codes").text


@pytest.mark.parametrize("size", [(1366, 768), (360, 780)])
def test_pages_fit_a_laptop_and_a_phone(live: LiveApp, browser: Any, size: tuple[int, int]):
    _sign_in(browser, live, "pusat@example.id")
    browser.set_window_size(*size)
    try:
        for path in ("/admin/devices", "/admin/codes?wilayah=35.07", "/admin/login"):
            browser.get(f"{live.url}{path}")
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, (path, size, overflow)
    finally:
        browser.set_window_size(1366, 768)
