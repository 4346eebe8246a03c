"""The example site (examples/site) as an editor meets it: its own settings pointed at a running
resizer, run under runserver on a free port, its admin logged into by a browser.

The site's own code runs in its processes only (tests/support/framing_site.py inside it): the
test's process has the service's settings.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.ports import free_port
from tests.support.server import ROOT

SITE = ROOT / "examples" / "site"
SECRET = "example-secret"  # the site's RESIZER_SIGNING_KEY, and the service's
EDITOR = ("editor", "a-long-editor-password")  # made by `framing_site editor`


def site_env(data_dir: Path, resizer_base: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESIZER_", "AWS_", "DJANGO_"))}
    env.update(
        EXAMPLE_DATA_DIR=str(data_dir),
        RESIZER_BASE_URL=resizer_base,
        RESIZER_SIGNING_KEY=SECRET,
        DJANGO_SETTINGS_MODULE="example.settings",
        PYTHONPATH=os.pathsep.join([str(SITE), str(ROOT)]),
    )
    return env


def in_site(data_dir: Path, resizer_base: str, *command: str) -> subprocess.CompletedProcess:
    """A command in the site's environment (`-m tests.support.…`, or manage.py and its arguments)."""
    env = site_env(data_dir, resizer_base)
    result = subprocess.run([sys.executable, *command], cwd=SITE, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@contextmanager
def running_site(data_dir: Path, resizer_base: str, log: Path) -> Iterator[str]:
    """`manage.py runserver` (it serves the admin's static files, DEBUG being on); its base URL."""
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    with open(log, "ab") as output:
        process = subprocess.Popen(
            command, cwd=SITE, env=site_env(data_dir, resizer_base), stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base, process, log)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def wait_for(base: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            with urllib.request.urlopen(base + "/admin/login/", timeout=5):
                return
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"runserver answered {exc.code}: {log.read_text()[-3000:]}") from None
        except OSError:  # not listening yet
            time.sleep(0.2)
    raise AssertionError(f"runserver did not answer: {log.read_text()[-3000:]}")


def log_in(driver: WebDriver, base: str) -> None:
    driver.get(base + "/admin/login/")
    driver.find_element(By.NAME, "username").send_keys(EDITOR[0])
    driver.find_element(By.NAME, "password").send_keys(EDITOR[1])
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: "/admin/login/" not in d.current_url)
