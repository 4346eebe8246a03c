"""The demo page in real headless Chromium (Debian's chromium and chromium-driver, installed by
scripts/system-deps): at two viewport widths, each <img> chose the candidate that `sizes` asks for,
in the format of the first <source>, and its density-corrected natural width shows that the
candidate really is as wide as its descriptor says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import chromium, require
from tests.support.markup import srcset
from tests.support.server import Server
from tests.test_demo import manage

# Scroll every image into view (they are loading="lazy"), wait until each has loaded, then report.
LOAD_ALL = """
const done = arguments[arguments.length - 1];
(async () => {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  for (const img of document.images) {
    img.scrollIntoView();
    for (let i = 0; i < 400 && !(img.complete && img.naturalWidth); i++) await sleep(25);
  }
  for (let i = 0; i < 400 && document.querySelectorAll("[data-stats]:not([data-done])").length; i++) await sleep(25);
  done({
    innerWidth: window.innerWidth,
    images: [...document.images].map((img) => ({
      currentSrc: img.currentSrc, naturalWidth: img.naturalWidth, src: img.src,
      width: img.getAttribute("width"), srcset: img.getAttribute("srcset"),
      sources: [...(img.closest("picture")?.querySelectorAll("source") ?? [])].map((s) => s.getAttribute("srcset")),
    })),
    stats: [...document.querySelectorAll("[data-stats]")].map((caption) => caption.textContent),
  });
})();
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo under uvicorn, one for both viewports (the second finds the renditions made)."""
    require()
    data_dir = tmp_path_factory.mktemp("browser-demo")
    manage(data_dir, "seed_demo")
    manage(data_dir, "collectstatic", "--noinput")
    env = {"RESIZER_DATA_DIR": str(data_dir), "DJANGO_STATIC_ROOT": str(data_dir / "static")}
    server = Server(env, data_dir / "uvicorn.log").start()
    yield server.base
    server.stop()


def load(base: str, width: int, profile: Path, screenshot: Path) -> dict:
    with chromium(profile) as driver:
        driver.set_script_timeout(60)
        # A phone-sized viewport: windows are never narrower than 500 px, emulated viewports are.
        metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        driver.get(base + "/")
        report = driver.execute_async_script(LOAD_ALL)
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(screenshot))
        return report


def expected_candidate(candidates: list[tuple[str, int]], slot: int) -> tuple[str, int]:
    """Chromium at device pixel ratio 1: the narrowest candidate at least as wide as the slot."""
    return next(((url, w) for url, w in candidates if w >= slot), candidates[-1])


@pytest.mark.parametrize(("viewport", "chosen"), [(400, 640), (1280, 960)])
def test_each_img_chose_the_candidate_sizes_asks_for(demo: str, tmp_path: Path, viewport: int, chosen: int) -> None:
    report = load(demo, viewport, tmp_path / "profile", tmp_path / f"demo-{viewport}.png")
    assert report["innerWidth"] == viewport
    slot = viewport - 32 if viewport <= 752 else 720  # demo/views.py SIZES
    heroes = [image for image in report["images"] if image["sources"]]
    plain = [image for image in report["images"] if not image["sources"]]
    assert len(heroes) == 4 and len(plain) == 20
    for image in heroes:
        avif = [(demo + url, w) for url, w in srcset(image["sources"][0])]
        assert "/f_avif/" in avif[0][0]
        url, width = expected_candidate(avif, slot)
        assert (image["currentSrc"], width) == (url, chosen)
        assert abs(image["naturalWidth"] - slot) <= 1, image  # pixels × slot / descriptor: pixels == descriptor
    for image in plain:
        assert image["currentSrc"] == image["src"]
        scale = 2 if "/dpr_2/" in image["src"] else 1
        assert image["naturalWidth"] == int(image["width"]) * scale, image
    assert len(report["stats"]) == 4
    for text in report["stats"]:
        assert f"{chosen}w candidate chosen" in text, text
        for label in ("image/avif", "image/webp", "original format"):
            assert f"{label}: " in text and ("kB" in text or " B" in text), text
