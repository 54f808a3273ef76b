"""Headless Chromium for catalog tests: Debian's ``chromium`` driven through its
``chromedriver`` by Selenium (no browser download: both come from apt)."""

from __future__ import annotations

import shutil
import time
from typing import Any

CHROMIUM = ("chromium", "chromium-browser")
DRIVER = "chromedriver"


def find(names: tuple[str, ...] | str) -> str | None:
    for name in (names,) if isinstance(names, str) else names:
        path = shutil.which(name)
        if path:
            return path
    return None


def phone_browser(width: int = 360, height: int = 780) -> Any:
    """A headless Chromium the size of a cheap phone's screen."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = find(CHROMIUM), find(DRIVER)
    if binary is None or driver is None:
        raise RuntimeError(
            "chromium and chromium-driver are needed (apt-get install chromium chromium-driver;"
            " scripts/setup.sh does it as root)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",  # root in CI containers
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        f"--window-size={width},{height}",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service(driver))


def wait_for(check: Any, timeout: float = 60.0) -> Any:
    """``check()`` once it is truthy (the timeout only ends a hang: a loaded machine may
    take a while to render a page)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)
