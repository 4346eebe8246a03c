"""The reusable app in another Django site (examples/site): its pages render, their URLs are served.

The example has its own settings (sqlite in a temporary directory, uploads into the folder this
test's resizer reads its originals from); it knows nothing of the service's settings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.images import close, decode
from tests.support.markup import Document, srcset
from tests.support.server import ROOT

SITE = ROOT / "examples" / "site"
SECRET = "example-secret"


def in_site(data_dir: Path, base_url: str, *command: str, succeeds: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESIZER_", "AWS_", "DJANGO_"))}
    env.update(
        EXAMPLE_DATA_DIR=str(data_dir),
        RESIZER_BASE_URL=base_url,
        RESIZER_SIGNING_KEY=SECRET,
        DJANGO_SETTINGS_MODULE="example.settings",
        PYTHONPATH=os.pathsep.join([str(SITE), str(ROOT)]),
    )
    result = subprocess.run([sys.executable, *command], cwd=SITE, env=env, capture_output=True, text=True, timeout=120)
    assert (result.returncode == 0) == succeeds, result.stderr[-3000:]
    return result


def test_a_bad_setting_is_named_by_the_checks_though_a_model_warms_on_save(data_dir: Path) -> None:
    """gallery/models.py calls warm_on_save as the models load, before the checks run."""
    result = in_site(data_dir, "cdn.example.com", "manage.py", "check", succeeds=False)
    assert "resizer.E001" in result.stderr and "RESIZER_BASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_example_site_renders_signed_responsive_markup_that_the_service_serves(start_server, data_dir: Path) -> None:
    server = start_server({"RESIZER_DATA_DIR": str(data_dir), "RESIZER_SIGNING_KEY": SECRET})
    result = in_site(data_dir, server.base, "-m", "tests.support.example_site")
    report = json.loads(result.stdout)
    assert report["status"] == {"django": 200, "jinja": 200}
    # resizer's ImageField records the upright size of the sideways phone photo.
    assert report["photos"] == [["photos/phone_photo.jpg", 600, 900], ["photos/wide.png", 1200, 500]]

    django_page, jinja_page = (Document(report["pages"][name]) for name in ("django", "jinja"))
    assert [e.attrs for e in django_page.elements] == [e.attrs for e in jinja_page.elements]
    pictures = [e for e in django_page.all("img") if "loading" in e.attrs]
    assert [(img.attrs["width"], img.attrs["height"]) for img in pictures] == [("600", "900"), ("960", "400")]
    assert pictures[0].attrs["alt"] == 'Upright, "at last" & <safe>'

    # Before any request from here: the upload hook warmed 320 and 640 in WebP, in the background
    # (examples/site/gallery/models.py).
    assert report["drained"] is True
    renditions = data_dir / "renditions" / "photos"
    warmed = sorted(str(p.relative_to(renditions)) for p in renditions.rglob("*") if p.is_file())
    assert warmed == [f"{key}/w_{w},f_webp.webp" for key in ("phone_photo.jpg", "wide.png") for w in (320, 640)]

    requested = 0
    for element in django_page.elements:
        if not element.attrs.get("srcset", "").endswith("w"):  # x descriptors (the 2× thumbnail) aside
            continue
        for url, width in srcset(element.attrs["srcset"]):
            assert url.startswith(server.base + "/media/s_")
            image = decode(server.get(urlsplit(url).path).body)
            assert image.width == width, url
            requested += 1
    # The 600-wide photo has 2 widths per format (w_640 and w_960 are both 600 wide), the wide one 3;
    # each also has the 160/320/480 srcset.
    assert requested == (3 * 2 + 3) + (3 * 3 + 3)
    upright = decode(server.get(urlsplit(pictures[0].attrs["src"]).path).body)
    assert upright.size == (600, 900)


def test_warm_from_a_model_field_in_the_example_site(start_server, data_dir: Path) -> None:
    server = start_server({"RESIZER_DATA_DIR": str(data_dir), "RESIZER_SIGNING_KEY": SECRET})
    in_site(data_dir, server.base, "-m", "tests.support.example_site")
    manage = str(SITE / "manage.py")
    result = in_site(
        data_dir, server.base, manage, "resizer_warm", "--model", "gallery.Photo.image", "--widths", "100,640"
    )
    # 640 in the original's format was not warmed on upload (WebP was); 100 is new; the wide PNG's is.
    assert "4 renditions of 2 originals" in result.stdout
    assert "resizer_warm: 4 rendered, 0 already stored, 0 failed" in result.stdout
    assert (data_dir / "renditions" / "photos" / "wide.png" / "w_100.png").is_file()


def test_an_editors_crop_and_focal_point_are_stored_and_go_into_every_url(start_server, data_dir: Path) -> None:
    server = start_server({"RESIZER_DATA_DIR": str(data_dir), "RESIZER_SIGNING_KEY": SECRET})
    report = json.loads(in_site(data_dir, server.base, "-m", "tests.support.framing_site").stdout)
    assert report["stored"] == ["0.05:0.05:0.9:0.4", "0.85:0.25"]  # read back, canonical
    assert report["refused"] == {
        "crop": ["The crop box must lie inside the picture: x + w and y + h at most 1."],
        "focus": ["Expected x:y, two fractions from 0 to 1 with at most 4 decimals (0.3:0.4)."],
    }
    assert report["status"] == {"django": 200, "jinja": 200} and report["drained"] == [True, True]

    # Every URL of the photo carries the crop, and the focal point as a fraction of the crop:
    # ((0.85 - 0.05) / 0.9, (0.25 - 0.05) / 0.4).
    django_page, jinja_page = (Document(report["pages"][name]) for name in ("django", "jinja"))
    assert [e.attrs for e in django_page.elements] == [e.attrs for e in jinja_page.elements]
    urls = [url for element in django_page.elements for url in urls_of(element.attrs)]
    # 3 widths × (AVIF, WebP, the <img>), its src and placeholder, the thumbnail 1× and 2×, the srcset and its src.
    assert len(urls) == 3 * 3 + 2 + 2 + 4
    for url in urls:
        path = urlsplit(url).path
        assert "/cr_0.05:0.05:0.9:0.4/w_" in path and "/g_fp:0.8889:0.5/" in path, path
    # The <img> reserves the crop's shape: 1080×320 at 960 wide.
    picture = next(e for e in django_page.all("img") if "loading" in e.attrs)
    assert (picture.attrs["width"], picture.attrs["height"]) == ("960", "284")

    # warm_on_save: the upload warmed the uncropped renditions, the new crop and point the new URLs.
    renditions = data_dir / "renditions" / "photos" / "framed.png"
    warmed = sorted(p.name for p in renditions.iterdir())
    cropped = "cr_0.05:0.05:0.9:0.4,w_{},g_fp:0.8889:0.5,f_webp.webp"
    assert warmed == sorted([*(f"w_{w},f_webp.webp" for w in (320, 640)), *(cropped.format(w) for w in (320, 640))])

    # The admin view that signs the editor's previews: for staff, for the page's image only.
    previews = report["previews"]
    assert previews["anonymous"][0] == 302  # to the admin's login
    status, body = previews["framed"]
    assert status == 200
    answer = json.loads(body)["previews"]
    assert [(p["label"], p["width"], p["height"]) for p in answer] == [
        ("Square", 160, 160), ("16:9", 284, 160), ("Portrait 3:4", 120, 160)
    ]  # fmt: skip
    assert urlsplit(answer[0]["url"]).path.startswith("/media/s_")
    assert urlsplit(answer[0]["url"]).path.endswith(
        "/cr_0.1:0.2:0.5:0.5/w_160/h_160/c_fill/g_fp:0.4:0.4/photos/framed.png"
    )
    assert previews["invalid"] == [
        400,
        json.dumps({"error": "crop: the crop box must lie inside the picture: x + w and y + h at most 1"}),
    ]
    assert previews["forged"][0] == 400 and "reload" in previews["forged"][1]

    # resizer_warm --model: the row's crop and point too (w_320 in WebP is stored already).
    manage = str(SITE / "manage.py")
    args = ("resizer_warm", "--model", "gallery.Photo.image", "--widths", "100,320", "--formats", "webp")
    result = in_site(data_dir, server.base, manage, *args)
    assert "resizer_warm: 1 rendered, 1 already stored, 0 failed" in result.stdout
    assert (renditions / cropped.format(100)).is_file()


def urls_of(attrs: dict[str, str]) -> list[str]:
    """An element's image URLs: src, each srcset candidate (w or x descriptors), a placeholder."""
    found = [attrs["src"]] if "src" in attrs else []
    found.extend(item.split()[0] for item in filter(None, attrs.get("srcset", "").split(",")))
    if 'url("' in attrs.get("style", ""):
        found.append(attrs["style"].split('url("')[1].split('")')[0])
    return found


def test_the_served_renditions_show_the_editors_region(start_server, data_dir: Path) -> None:
    server = start_server({"RESIZER_DATA_DIR": str(data_dir), "RESIZER_SIGNING_KEY": SECRET})
    report = json.loads(in_site(data_dir, server.base, "-m", "tests.support.framing_site").stdout)
    page = Document(report["pages"]["django"])
    picture, thumbnail = [e for e in page.all("img") if e.attrs.get("alt") == "Four colours"]
    # The 640-wide rendition of the crop: the top band only, red on the left, green on the right.
    url = dict((width, url) for url, width in srcset(picture.attrs["srcset"]))[640]
    band = decode(server.get(urlsplit(url).path).body).convert("RGB")
    assert band.size == (640, 190)  # 1080×320 at 640 wide
    for x in (10, 300):
        assert close(band.getpixel((x, 95)), (255, 0, 0)), (x, band.getpixel((x, 95)))
    for x in (340, 630):
        assert close(band.getpixel((x, 95)), (0, 255, 0)), (x, band.getpixel((x, 95)))
    # The square thumbnail: its window placed on the focal point, far right in the band, all green.
    square = decode(server.get(urlsplit(thumbnail.attrs["src"]).path).body).convert("RGB")
    assert square.size == (200, 200)
    for x in (2, 100, 197):
        for y in (2, 100, 197):
            assert close(square.getpixel((x, y)), (0, 255, 0)), (x, y, square.getpixel((x, y)))
