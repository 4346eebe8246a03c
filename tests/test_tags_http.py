"""What the tags advertise is what the service serves: every URL they write, requested from real uvicorn."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django.test import override_settings
from PIL import Image

import resizer
from tests.support.images import decode, encode, jpeg
from tests.support.markup import Document, srcset

KEY = "tags/café, \"quoted\" & <tagged> 'x'.jpg"
FORMATS = {"image/avif": "AVIF", "image/webp": "WEBP", None: "JPEG"}


def test_every_candidate_the_picture_tag_writes_is_served_at_its_advertised_width(start_server, data_dir: Path) -> None:
    original = data_dir / "originals" / KEY
    original.parent.mkdir(parents=True)
    original.write_bytes(jpeg((1000, 700)))
    server = start_server({"RESIZER_DATA_DIR": str(data_dir), "RESIZER_SIGNING_KEY": "http-secret"})
    with override_settings(RESIZER_SIGNING_KEY="http-secret", RESIZER_BASE_URL=server.base):
        html = resizer.image_picture(
            KEY, "320,640,960,1280", formats="avif,webp", original_size="1000x700", alt="x", placeholder=True
        )
    document = Document(html)
    (img,) = document.all("img")
    checked = 0
    for element in [*document.all("source"), img]:
        candidates = srcset(element.attrs["srcset"])
        assert [w for _, w in candidates] == [320, 640, 960, 1000]  # w_1280 of a 1000-wide original is 1000
        for url, width in candidates:
            assert url.startswith(server.base)
            response = server.get(urlsplit(url).path)
            assert response.status == 200, (url, response.body[:200])
            image = decode(response.body)
            assert image.format == FORMATS[element.attrs.get("type")]
            assert image.width == width, url
            checked += 1
    assert checked == 12
    main = decode(server.get(urlsplit(img.attrs["src"]).path).body)
    assert main.size == (int(img.attrs["width"]), int(img.attrs["height"])) == (1000, 700)
    placeholder = img.attrs["style"].split('url("', 1)[1].split('")', 1)[0]
    tiny = server.get(urlsplit(placeholder).path)
    assert tiny.status == 200 and decode(tiny.body).size == (32, 22) and len(tiny.body) < 2000


def test_image_url_and_srcset_of_a_transparent_png_served_as_advertised(start_server, data_dir: Path) -> None:
    key = "tags/badge.png"
    (data_dir / "originals" / "tags").mkdir(parents=True)
    (data_dir / "originals" / key).write_bytes(encode(Image.new("RGBA", (500, 300), (10, 20, 30, 0)), "PNG"))
    server = start_server({"RESIZER_DATA_DIR": str(data_dir)})
    for url, width in srcset(resizer.image_srcset(key, "200,400,800", original_size=(500, 300))):
        image = decode(server.get(url).body)
        # One colour: a lossless palette PNG whose tRNS keeps the transparency.
        assert (image.format, image.mode, image.width) == ("PNG", "P", width)
        assert image.convert("RGBA").getpixel((0, 0))[3] == 0
    assert [w for _, w in srcset(resizer.image_srcset(key, "200,400,800", original_size=(500, 300)))] == [200, 400, 500]
    square = decode(server.get(resizer.image_url(key, w=100, h=100, c="fill", f="webp")).body)
    assert (square.format, square.size) == ("WEBP", (100, 100))
