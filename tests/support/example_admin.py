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
from urllib.parse import unquote, urlsplit

from selenium.webdriver import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
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


# Wait until every image of the editor has loaded (previews included), then report their URLs.
LOADED = """
const images = [...document.querySelectorAll(".resizer-framing img")];
return images.every((img) => img.complete && img.naturalWidth > 0) ? images.map((img) => img.src) : null;
"""


class Editor:
    """The editor on the change page, driven as a person would: pointer, keyboard, the fields."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver
        self.root = driver.find_element(By.CSS_SELECTOR, ".resizer-framing")
        self.picture = self.root.find_element(By.CSS_SELECTOR, ".resizer-framing-stage img")

    def field(self, name: str) -> WebElement:
        return self.driver.find_element(By.NAME, name)

    def value(self, name: str) -> str:
        return self.field(name).get_attribute("value")

    def offset(self, fraction: tuple[float, float]) -> tuple[int, int]:
        """From the picture's centre (where selenium measures from) to a point given in fractions."""
        size = self.picture.size
        return round((fraction[0] - 0.5) * size["width"]), round((fraction[1] - 0.5) * size["height"])

    def click(self, at: tuple[float, float]) -> None:
        ActionChains(self.driver).move_to_element_with_offset(self.picture, *self.offset(at)).click().perform()

    def drag(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        (x0, y0), (x1, y1) = self.offset(start), self.offset(end)
        # Through a point halfway, as a hand moves: the box is drawn as it grows, set when let go.
        chain = ActionChains(self.driver).move_to_element_with_offset(self.picture, x0, y0).click_and_hold()
        chain.move_to_element_with_offset(self.picture, (x0 + x1) // 2, (y0 + y1) // 2)
        chain.move_to_element_with_offset(self.picture, x1, y1).release().perform()

    def press(self, *keys: str) -> None:
        ActionChains(self.driver).send_keys(*keys).perform()

    def reset(self, what: str) -> None:
        self.root.find_element(By.CSS_SELECTOR, f"[data-reset={what}]").click()

    def type(self, name: str, text: str) -> None:
        field = self.field(name)
        field.clear()
        field.send_keys(text)

    def box(self) -> dict[str, str] | None:
        """The crop box's place on the picture, in % (None when hidden: the whole picture)."""
        return self.driver.execute_script(
            "const box = arguments[0].querySelector('.resizer-framing-crop');"
            "return box.hidden ? null : {left: box.style.left, top: box.style.top,"
            " width: box.style.width, height: box.style.height};",
            self.root,
        )

    def loaded(self, containing: str = "") -> list[str]:
        """The editor's image URLs once all have loaded and every preview's contains `containing`."""

        def ready(driver: WebDriver) -> list[str] | None:
            urls = driver.execute_script(LOADED)
            return urls if urls and all(containing in unquote_path(url) for url in urls[1:]) else None

        return WebDriverWait(self.driver, 30).until(ready)


def unquote_path(url: str) -> str:
    return unquote(urlsplit(url).path)
