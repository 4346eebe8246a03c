"""The quick start's demo: seeded originals, a page at / whose every image is a real rendition."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from tests.support.images import decode
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
