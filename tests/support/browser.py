"""Headless Chromium for the tests (Debian's chromium and chromium-driver, installed by
scripts/system-deps), driven by selenium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# Headless Chromium as root on a closed network: without the background-networking flags it
# keeps trying to reach Google's services and has its connections refused many at a time.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--force-device-scale-factor=1",
]  # fmt: skip


def require() -> None:
    for binary in (CHROMIUM, CHROMEDRIVER):
        assert shutil.which(binary), f"{binary} is missing: run scripts/system-deps (as root)"


@contextmanager
def chromium(profile: Path, window: tuple[int, int] = (1280, 900)) -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium with its own profile directory; quit at the end."""
    require()
    options = Options()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}", f"--window-size={window[0]},{window[1]}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.set_window_size(*window)  # the flag alone is capped at a default screen's height
        yield driver
    finally:
        driver.quit()
