"""The admin's crop and focal-point editor (resizer/admin.py, static/resizer/editor.js) in headless
Chromium, in the example site under runserver with a real resizer: an editor logs in, types a crop,
resets it, drags one, clicks a focal point, moves it with the arrow keys, saves; the previews, the
saved fields, the site's page and the renditions served all show the chosen region."""

from __future__ import annotations

import json
import urllib.request
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium.webdriver import Keys
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from resizer import links
from resizer.framing import parse_crop, parse_focus, spell, within
from tests.support.browser import chromium
from tests.support.example_admin import SECRET, Editor, in_site, log_in, running_site, unquote_path
from tests.support.images import close, decode
from tests.support.markup import Document, srcset
from tests.support.server import Server

KEY = "photos/framed.png"  # 1200×800: red, green / blue, white quadrants (tests/support/framing_site.py)


def units(value: Decimal) -> int:
    return int(value * 10000)


@pytest.fixture
def service(start_server, data_dir: Path) -> Server:
    return start_server({"RESIZER_DATA_DIR": str(data_dir), "RESIZER_SIGNING_KEY": SECRET})


def test_an_editor_sets_the_crop_and_focal_point_in_the_admin(service: Server, data_dir: Path, tmp_path: Path) -> None:
    photo = json.loads(in_site(data_dir, service.base, "-m", "tests.support.framing_site", "editor").stdout)["photo"]
    with (
        running_site(data_dir, service.base, tmp_path / "site.log") as site,
        chromium(tmp_path / "profile", (1280, 1400)) as driver,
    ):
        log_in(driver, site)
        driver.get(f"{site}/admin/gallery/photo/{photo}/change/")
        editor = Editor(driver)
        stage, *previews = editor.loaded()
        assert unquote_path(stage).endswith(f"/w_640/h_480/{KEY}")  # the whole picture, through resizer
        assert len(previews) == 3 and all("/c_fill/" in url and "cr_" not in url for url in previews)

        # The fields are text too: typing a crop moves the box.
        editor.type("crop", "0.1:0.1:0.3:0.3")
        assert editor.box() == {"left": "10%", "top": "10%", "width": "30%", "height": "30%"}
        editor.loaded("/cr_0.1:0.1:0.3:0.3/")
        editor.type("crop", "0.5:0:0.6:1")  # past the right edge: said, and the box stays
        assert editor.field("crop").get_attribute("aria-invalid") == "true"
        assert "not x:y:w:h inside the picture" in editor.root.find_element(By.CSS_SELECTOR, "[role=status]").text
        assert editor.box() == {"left": "10%", "top": "10%", "width": "30%", "height": "30%"}
        editor.reset("crop")
        assert editor.field("crop").get_attribute("aria-invalid") == "false"
        assert editor.value("crop") == "" and editor.box() is None

        # Drag across the top band (red on the left, green on the right) to crop.
        editor.drag((0.05, 0.05), (0.95, 0.45))
        crop = parse_crop(editor.value("crop"))
        assert crop is not None
        for got, wanted in zip(crop, (0.05, 0.05, 0.9, 0.4), strict=True):
            assert abs(float(got) - wanted) < 0.005, crop

        # Click a focal point far right in the band, then nudge it with the arrow keys.
        editor.click((0.87, 0.26))
        clicked = parse_focus(editor.value("focus"))
        assert clicked is not None and abs(float(clicked[0]) - 0.87) < 0.005 and abs(float(clicked[1]) - 0.26) < 0.005
        editor.press(Keys.ARROW_LEFT, Keys.ARROW_LEFT, Keys.ARROW_UP)
        focus = parse_focus(editor.value("focus"))
        assert focus is not None
        assert (units(focus[0]), units(focus[1])) == (units(clicked[0]) - 200, units(clicked[1]) - 100)
        editor.reset("focus")
        assert editor.value("focus") == ""
        editor.click((0.87, 0.26))
        editor.press(Keys.ARROW_LEFT, Keys.ARROW_LEFT, Keys.ARROW_UP)
        assert parse_focus(editor.value("focus")) == focus

        # The previews are real resizer URLs, signed, with the crop and the point relative to it.
        crop_text, point = spell(crop), f"g_fp:{spell(within(focus, crop))}"
        previews = editor.loaded(f"/cr_{crop_text}/")[1:]
        assert all(f"/{point}/" in unquote_path(url) for url in previews), previews
        editor.root.screenshot(str(tmp_path / "editor-widget.png"))

        # Saved with the form, and shown again after it.
        driver.find_element(By.NAME, "_continue").click()
        WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".messagelist .success"))
        assert (Editor(driver).value("crop"), Editor(driver).value("focus")) == (crop_text, spell(focus))

        with urllib.request.urlopen(site + "/", timeout=30) as answer:
            page = Document(answer.read().decode())

    # Every URL of the photo on the site's page carries them.
    urls = [url for element in page.elements for url in urls_of(element.attrs)]
    assert len(urls) > 10
    for url in urls:
        assert f"/cr_{crop_text}/" in unquote_path(url) and f"/{point}/" in unquote_path(url), url
    check_served_pixels(service, page, crop_text)


def urls_of(attrs: dict[str, str]) -> list[str]:
    found = [attrs["src"]] if "src" in attrs else []
    found.extend(item.split()[0] for item in filter(None, attrs.get("srcset", "").split(",")))
    return found


def check_served_pixels(service: Server, page: Document, crop: str) -> None:
    """The renditions the page names show the chosen region (the pipeline's cr_ and g_fp:)."""
    picture, thumbnail = [e for e in page.all("img") if e.attrs.get("alt") == "Four colours"]
    url = dict((width, url) for url, width in srcset(picture.attrs["srcset"]))[640]
    band = decode(service.get(urlsplit(url).path).body).convert("RGB")
    expected = links.rendered_size(links.make_spec(KEY, cr=crop, w=640), (1200, 800))
    assert band.size == expected, (band.size, expected)  # the crop's shape, as the <img> said
    middle = band.height // 2
    assert close(band.getpixel((10, middle)), (255, 0, 0)) and close(band.getpixel((630, middle)), (0, 255, 0))
    assert all(close(band.getpixel((x, y)), (255, 0, 0)) or close(band.getpixel((x, y)), (0, 255, 0))
               for x in range(0, 640, 40) for y in (2, middle, band.height - 3))  # fmt: skip
    # The square thumbnail's window is placed on the focal point, far right in the band: all green.
    square = decode(service.get(urlsplit(thumbnail.attrs["src"]).path).body).convert("RGB")
    assert square.size == (200, 200)
    for x in (2, 100, 197):
        for y in (2, 100, 197):
            assert close(square.getpixel((x, y)), (0, 255, 0)), (x, y, square.getpixel((x, y)))
