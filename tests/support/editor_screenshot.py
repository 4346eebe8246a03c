"""docs/editor-widget.png: the admin's crop and focal-point editor as an editor leaves it, taken
in headless Chromium on the example site with a real resizer (the previews are its renditions).

    .venv/bin/python -m tests.support.editor_screenshot [PATH]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from selenium.webdriver.common.by import By

from tests.support.browser import chromium
from tests.support.example_admin import SECRET, Editor, in_site, log_in, running_site
from tests.support.server import ROOT, Server

DEFAULT = ROOT / "docs" / "editor-widget.png"


def take(path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="editor-screenshot-") as tmp:
        root = Path(tmp)
        (root / "data" / "originals").mkdir(parents=True)
        env = {"RESIZER_DATA_DIR": str(root / "data"), "RESIZER_SIGNING_KEY": SECRET}
        server = Server(env, root / "uvicorn.log").start()
        try:
            report = in_site(root / "data", server.base, "-m", "tests.support.framing_site", "editor", "dusk")
            photo = json.loads(report.stdout)["photo"]
            with (
                running_site(root / "data", server.base, root / "site.log") as site,
                chromium(root / "profile", (1280, 1800)) as driver,
            ):
                log_in(driver, site)
                driver.get(f"{site}/admin/gallery/photo/{photo}/change/")
                editor = Editor(driver)
                editor.loaded()
                editor.drag((0.36, 0.2), (0.96, 0.9))  # the sun and the hills under it
                editor.click((0.68, 0.52))  # the sun
                crop = editor.value("crop")
                editor.loaded(f"/cr_{crop}/")
                driver.execute_script("document.activeElement.blur()")  # no focus ring in the picture
                driver.find_element(By.CSS_SELECTOR, "fieldset.module").screenshot(str(path))
        finally:
            server.stop()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if sys.argv[1:] else DEFAULT
    take(target)
    print(target)
