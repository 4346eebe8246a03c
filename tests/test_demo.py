"""The quick start's demo: seeded originals, a page at / whose every image is a real rendition."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from tests.support.images import close, decode
from tests.support.server import ROOT


class Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str]] = []
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "img":
            self.images.append(attributes)
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes["href"])


def manage(data_dir: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESIZER_")}
    env.update({"RESIZER_DATA_DIR": str(data_dir), "DJANGO_STATIC_ROOT": str(data_dir / "static")})
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_demo_page_shows_real_renditions(start_server, data_dir: Path) -> None:
    assert "seeded" in manage(data_dir, "seed_demo")
    assert "seeded" not in manage(data_dir, "seed_demo")  # idempotent
    manage(data_dir, "collectstatic", "--noinput")
    server = start_server({"RESIZER_DATA_DIR": str(data_dir), "DJANGO_STATIC_ROOT": str(data_dir / "static")})

    page = server.get("/")
    assert page.status == 200 and page.header("Content-Type").startswith("text/html")
    parser = Images()
    parser.feed(page.body.decode())
    assert len(parser.images) >= 12
    for attributes in parser.images:
        response = server.get(attributes["src"])
        assert response.status == 200, attributes["src"]
        image = decode(response.body)
        if "dpr_" not in attributes["src"] and "width" in attributes:
            assert image.width == int(attributes["width"]), attributes["src"]
    phone = [a["src"] for a in parser.images if "phone%20photo.jpg" in a["src"] and "/w_320/" in a["src"]]
    assert phone and decode(server.get(phone[0]).body).size == (320, 427)  # upright: EXIF applied

    (stylesheet,) = parser.stylesheets
    assert stylesheet != "/static/demo/demo.css"  # hashed name
    css = server.get(stylesheet)
    assert css.status == 200 and "immutable" in css.header("Cache-Control")


def test_demo_page_works_before_collectstatic(start_server, data_dir: Path) -> None:
    """`uvicorn settings.asgi:application` on a fresh clone: no manifest, the apps' own files."""
    server = start_server({"RESIZER_DATA_DIR": str(data_dir), "DJANGO_STATIC_ROOT": str(data_dir / "static")})
    page = server.get("/")
    assert page.status == 200 and page.header("Content-Type").startswith("text/html")
    parser = Images()
    parser.feed(page.body.decode())
    assert parser.stylesheets == ["/static/demo/demo.css"]  # the plain name: nothing was hashed
    css = server.get(parser.stylesheets[0])
    assert css.status == 200 and css.header("Content-Type").startswith("text/css")
    assert css.body == (ROOT / "demo" / "static" / "demo" / "demo.css").read_bytes()
    assert "immutable" not in css.header("Cache-Control")  # a plain name may change under the same URL
    assert "Traceback" not in server.log()


SUN = (255, 220, 150)  # demo/images.py: the dusk's sun, at 0.68 across and 0.52 down


def focus_page(start_server, data_dir: Path) -> tuple:
    manage(data_dir, "seed_demo")
    server = start_server({"RESIZER_DATA_DIR": str(data_dir), "DJANGO_STATIC_ROOT": str(data_dir / "static")})
    assert 'href="/focus/"' in server.get("/").body.decode()
    page = server.get("/focus/")
    assert page.status == 200 and page.header("Content-Type").startswith("text/html")
    parser = Images()
    parser.feed(page.body.decode())
    return server, parser.images


def test_the_focal_point_page_shows_one_photo_at_several_shapes_with_and_without_its_point(
    start_server, data_dir: Path
) -> None:
    server, images = focus_page(start_server, data_dir)
    pairs = [image for image in images if "data-focus" in image]
    assert len(pairs) == 2 * 5
    for image in pairs:
        shape = f"/w_{image['width']}/h_{image['height']}/c_fill/"
        assert shape in image["src"] and image["src"].endswith("/demo/dusk.jpg"), image
        assert ("/g_fp:0.68:0.52/" in image["src"]) == (image["data-focus"] == "point"), image
        served = decode(server.get(image["src"]).body)
        assert served.size == (int(image["width"]), int(image["height"])), image["src"]


def where_the_sun_shows(width: int, height: int) -> tuple[int, int]:
    """Where the sun's centre is in a c_fill rendition placed on the focal point: the window (the
    box's shape, as large as the 3200×2000 photo allows) has the point as near its centre as the
    photo's edges let it be."""
    scale = max(width / 3200, height / 2000)
    window = (width / scale, height / scale)
    place = []
    for point, side, length in zip((0.68 * 3200, 0.52 * 2000), window, (3200, 2000), strict=True):
        start = min(max(point - side / 2, 0), length - side)
        place.append(round((point - start) * scale))
    return place[0], place[1]


def test_around_the_focal_point_the_sun_is_where_the_point_puts_it(start_server, data_dir: Path) -> None:
    server, images = focus_page(start_server, data_dir)
    middles = {}
    for image in images:
        if "data-focus" not in image:
            continue
        served = decode(server.get(image["src"]).body).convert("RGB")
        middles[(image["alt"].split(",")[0], image["data-focus"])] = served.getpixel(
            (served.width // 2, served.height // 2)
        )
        if image["data-focus"] == "point":
            sun = where_the_sun_shows(served.width, served.height)
            assert close(served.getpixel(sun), SUN, 30), (image["src"], sun, served.getpixel(sun))
    # In the shapes narrower than the photo the sun is in the middle; from the centre it is not.
    for shape in ("Square", "Portrait 3:4", "Tall 9:16"):
        assert close(middles[(shape, "point")], SUN, 30) and not close(middles[(shape, "center")], SUN, 30), shape
