"""wm_: the mark in its corner at its size and opacity, read once per process, checked at start-up."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from PIL import Image

from resizer.conf import config
from resizer.core.errors import StorageFailed
from resizer.core.policy import Limits, Policy, sign
from resizer.core.spec import Grammar, RenditionSpec
from resizer.core.watermarks import Watermark
from resizer.imaging import pipeline
from resizer.imaging.overlay import Overlay
from resizer.server.service import Service
from resizer.stores.base import Stat
from resizer.stores.objects import FileObjects
from tests.support.images import decode, encode
from tests.support.prom import scrape

MAGENTA, WHITE = (255, 0, 255), (255, 255, 255)
MARK_KEY = "marks/logo.png"


def mark_png(size: tuple[int, int] = (200, 100)) -> bytes:
    """An opaque magenta block inside a transparent 10-pixel frame (the frame shows that the
    mark's own alpha is kept, and the block where the opacity went)."""
    mark = Image.new("RGBA", size, (0, 0, 0, 0))
    mark.paste((*MAGENTA, 255), (10, 10, size[0] - 10, size[1] - 10))
    return encode(mark, "PNG", compress_level=0)  # ≈80 KB: larger than the originals


def white(size: tuple[int, int] = (800, 600)) -> bytes:
    return encode(Image.new("RGB", size, WHITE), "PNG")


def overlay(**placement: object) -> Overlay:
    return Overlay.decode(Watermark("logo", MARK_KEY, **placement), mark_png())


def blend(opacity: float) -> tuple[int, int, int]:
    return tuple(round(m * opacity + w * (1 - opacity)) for m, w in zip(MAGENTA, WHITE, strict=True))


def close(actual: tuple, expected: tuple, tolerance: int = 2) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


def assert_mark(image: Image.Image, box: tuple[int, int, int, int], colour: tuple[int, int, int]) -> None:
    """The mark's opaque block fills `box` (mark coordinates scaled) and nothing else is marked."""
    rgb = image.convert("RGB")
    left, top, right, bottom = box
    inside = [(left + 2, top + 2), (right - 3, bottom - 3), ((left + right) // 2, (top + bottom) // 2)]
    outside = [(left - 2, top + 2), (right + 1, bottom - 3), (left + 2, top - 2), (right - 3, bottom + 1)]
    for point in inside:
        assert close(rgb.getpixel(point), colour), (point, rgb.getpixel(point), colour)
    for point in outside:
        if 0 <= point[0] < rgb.width and 0 <= point[1] < rgb.height:
            assert close(rgb.getpixel(point), WHITE), (point, rgb.getpixel(point))
    # Marked: clearly off white (Lanczos rings a pixel or two past the block's edge, faintly).
    every = ((x, y) for x in range(rgb.width) for y in range(rgb.height))
    marked = [xy for xy in every if not close(rgb.getpixel(xy), WHITE, 16)]
    xs, ys = [x for x, _ in marked], [y for _, y in marked]
    assert abs(min(xs) - left) <= 1 and abs(max(xs) + 1 - right) <= 1, (min(xs), max(xs), box)
    assert abs(min(ys) - top) <= 1 and abs(max(ys) + 1 - bottom) <= 1, (min(ys), max(ys), box)


# -- in-process: placement, size, opacity ------------------------------------------------------

# A 400×300 output: the 200×100 mark at scale 0.25 is 100×50, its block 90×40 (5-pixel frame);
# the margin 0.05 × 300 = 15 pixels.
PLACED = [
    ("southeast", (400 - 15 - 100 + 5, 300 - 15 - 50 + 5)),
    ("northwest", (15 + 5, 15 + 5)),
    ("north", (150 + 5, 15 + 5)),
    ("east", (400 - 15 - 100 + 5, 125 + 5)),
    ("center", (150 + 5, 125 + 5)),
    ("southwest", (15 + 5, 300 - 15 - 50 + 5)),
]


@pytest.mark.parametrize(("gravity", "corner"), PLACED, ids=[row[0] for row in PLACED])
def test_the_mark_sits_at_its_gravity_at_its_size_and_opacity(gravity: str, corner: tuple[int, int]) -> None:
    mark = overlay(gravity=gravity, opacity=0.5, scale=0.25, margin=0.05)
    result = pipeline.render(white(), RenditionSpec("k", 400, watermark="logo"), "png", Limits(), mark)
    image = decode(result.body)
    assert image.size == (400, 300)
    assert_mark(image, (*corner, corner[0] + 90, corner[1] + 40), blend(0.5))


def test_a_mark_is_never_enlarged_past_its_own_size() -> None:
    """At 1600 px wide, scale 0.25 would be 400 px: the 200 px mark stays 200 px."""
    mark = overlay(gravity="northwest", scale=0.25, margin=0)
    image = decode(
        pipeline.render(white((1600, 1200)), RenditionSpec("k", watermark="logo"), "png", Limits(), mark).body
    )
    assert_mark(image, (10, 10, 190, 90), MAGENTA)


def test_a_mark_over_a_transparent_picture_keeps_the_picture_clear_elsewhere() -> None:
    clear = encode(Image.new("RGBA", (800, 600), (0, 0, 0, 0)), "PNG")
    mark = overlay(gravity="southeast", opacity=0.5, margin=0.05)
    image = decode(pipeline.render(clear, RenditionSpec("k", 400, watermark="logo"), "png", Limits(), mark).body)
    rgba = image.convert("RGBA")
    assert rgba.getpixel((335, 260)) == (*MAGENTA, 128)  # the block: its colour at half alpha
    assert rgba.getpixel((10, 10))[3] == 0 and rgba.getpixel((286, 236))[3] == 0  # its frame: clear


def test_a_mark_is_prepared_once_per_output_size() -> None:
    mark = overlay()
    for width, fmt in [(400, "png"), (400, "jpg"), (400, "webp"), (300, "png"), (300, "jpg")]:
        pipeline.render(white(), RenditionSpec("k", width, watermark="logo"), fmt, Limits(), mark)
    assert mark.preparations == 2


# -- in-process: read once, through the service ------------------------------------------------


class Counting:
    """The originals storage, counting the reads of each key (a real FileObjects underneath);
    `down` makes it answer as an unreachable storage does."""

    def __init__(self, root: Path) -> None:
        self.objects = FileObjects(FileSystemStorage(location=str(root)))
        self.reads: dict[str, int] = {}
        self.down = False

    def read(self, name: str, max_bytes: int | None = None) -> bytes | None:
        if self.down:
            raise StorageFailed("storage unreachable")
        self.reads[name] = self.reads.get(name, 0) + 1
        return self.objects.read(name, max_bytes)

    def write(self, name: str, body: bytes, content_type: str, cache_control: str) -> None:
        self.objects.write(name, body, content_type, cache_control)

    def ping(self) -> None:
        self.objects.ping()

    def prepare(self) -> None:
        self.objects.prepare()

    def stat(self, name: str) -> Stat | None:
        return self.objects.stat(name)

    def list(self, prefix: str):
        return self.objects.list(prefix)

    def delete(self, names: list[str]) -> None:
        self.objects.delete(names)


def watermarked_service(root: Path, **placement: object) -> tuple[Service, Counting]:
    (root / "originals" / "marks").mkdir(parents=True, exist_ok=True)
    (root / "originals" / MARK_KEY).write_bytes(mark_png())
    photo = white()
    (root / "originals" / "photo.png").write_bytes(photo)
    marks = {"logo": Watermark("logo", MARK_KEY, **placement)}
    settings = replace(
        config(),
        grammar=Grammar(watermarks=marks),
        policy=Policy(),
        # The mark (≈80 KB) is larger than any original may be here: it counts toward no source limit.
        limits=Limits(max_source_bytes=len(photo)),
        originals_cache=None,
        watermarks=marks,
    )
    originals = Counting(root / "originals")
    renditions = FileObjects(FileSystemStorage(location=str(root / "renditions")))
    assert len(mark_png()) > len(photo)
    return Service(settings, originals, renditions), originals


PATHS = ["w_400/wm_logo/photo.png", "w_300/wm_logo/photo.png", "w_400/wm_logo/f_webp/photo.png", "w_200/photo.png"]


def test_the_mark_is_read_once_at_start_up_and_never_per_request(tmp_path: Path) -> None:
    service, originals = watermarked_service(tmp_path, gravity="northwest", margin=0)

    async def run() -> list:
        await service.start()
        assert originals.reads == {MARK_KEY: 1}
        first = [await service.respond("GET", path) for path in PATHS]
        together = await asyncio.gather(*(service.respond("GET", f"w_{w}/wm_logo/photo.png") for w in (150, 160, 170)))
        return first + list(together)

    replies = asyncio.run(run())
    assert [reply.status for reply in replies] == [200] * 7, [reply.body[:80] for reply in replies]
    assert originals.reads[MARK_KEY] == 1
    assert_mark(decode(replies[0].body), (5, 5, 95, 45), MAGENTA)
    assert service.overlays["logo"].preparations == 5  # 400 (png and webp), 300, 150, 160, 170


def test_a_storage_down_at_start_up_is_not_fatal_and_the_first_request_reads_the_mark(tmp_path: Path) -> None:
    service, originals = watermarked_service(tmp_path)

    async def run() -> list:
        originals.down = True
        await service.start()  # logged, not raised: /readyz keeps the pod out until storage answers
        originals.down = False
        return list(await asyncio.gather(*(service.respond("GET", path) for path in PATHS)))

    replies = asyncio.run(run())
    assert [reply.status for reply in replies] == [200] * 4
    assert originals.reads[MARK_KEY] == 1  # concurrent first requests share one read


# -- real uvicorn ------------------------------------------------------------------------------


def env_for(data_dir: Path, marks: dict, **more: str) -> dict[str, str]:
    return {"RESIZER_DATA_DIR": str(data_dir), "RESIZER_WATERMARKS": json.dumps(marks), **more}


def test_a_watermark_through_uvicorn_in_its_corner_read_at_start_up_only(start_server, data_dir: Path) -> None:
    (data_dir / "originals" / "marks").mkdir()
    (data_dir / "originals" / MARK_KEY).write_bytes(mark_png())
    (data_dir / "originals" / "photo.png").write_bytes(white())
    marks = {"logo": {"key": MARK_KEY, "g": "southeast", "opacity": 0.5, "scale": 0.25, "margin": 0.05}}
    server = start_server(env_for(data_dir, marks, RESIZER_ORIGINALS_CACHE_BYTES="0"))
    assert scrape(server)['resizer_bytes_in_total{store="originals"}'] == len(mark_png())  # read at start-up
    (data_dir / "originals" / MARK_KEY).unlink()  # never read again: the prepared mark is the process's
    answers = [server.get(f"/media/w_{width}/wm_logo/f_png/photo.png") for width in (400, 300, 200)]
    assert [answer.status for answer in answers] == [200, 200, 200], answers[0].body
    assert_mark(decode(answers[0].body), (290, 240, 380, 280), blend(0.5))
    assert scrape(server)['resizer_bytes_in_total{store="originals"}'] == len(mark_png()) + 3 * len(white())


def test_a_preset_with_a_mark_presets_only_and_signing_mark_every_picture(start_server, data_dir: Path) -> None:
    """docs/urls.md's recipe: every URL the site can have is signed, from a preset that carries wm_."""
    (data_dir / "originals" / "marks").mkdir()
    (data_dir / "originals" / MARK_KEY).write_bytes(mark_png())
    (data_dir / "originals" / "photo.png").write_bytes(white())
    marks = {"logo": {"key": MARK_KEY, "g": "southeast", "opacity": 0.5, "margin": 0.05}}
    env = env_for(
        data_dir,
        marks,
        RESIZER_PRESETS=json.dumps({"listing": "w_400/wm_logo/f_png"}),
        RESIZER_PRESETS_ONLY="true",
        RESIZER_SIGNING_KEY="listing-secret",
    )
    server = start_server(env)
    signed = server.get(f"/media/s_{sign('p_listing/photo.png', b'listing-secret')}/p_listing/photo.png")
    assert signed.status == 200
    assert_mark(decode(signed.body), (290, 240, 380, 280), blend(0.5))
    unmarked = server.get(f"/media/s_{sign('w_400/f_png/photo.png', b'listing-secret')}/w_400/f_png/photo.png")
    assert unmarked.status == 403  # a signed URL without the preset: refused, so no picture escapes the mark
    assert server.get("/media/p_listing/photo.png").status == 403  # unsigned


@pytest.mark.parametrize(
    ("stored", "problem"),
    [
        (None, f"no image '{MARK_KEY}' in the originals storage"),
        (b"not a picture", f"'{MARK_KEY}' cannot be decoded as an image"),
    ],
    ids=["missing", "undecodable"],
)
def test_a_watermark_that_cannot_be_used_stops_the_service_with_one_line_naming_it(
    start_server, data_dir: Path, stored: bytes | None, problem: str
) -> None:
    if stored is not None:
        (data_dir / "originals" / "marks").mkdir()
        (data_dir / "originals" / MARK_KEY).write_bytes(stored)
    marks = {"logo": {"key": MARK_KEY}, "fine": {"key": "photo.png"}}
    (data_dir / "originals" / "photo.png").write_bytes(white())
    with pytest.raises(RuntimeError, match="uvicorn exited") as failed:
        start_server(env_for(data_dir, marks))
    log = str(failed.value)
    naming = [line for line in log.splitlines() if "logo" in line]
    assert len(naming) == 1, log
    assert naming[0].startswith("ERROR:") and f"RESIZER_WATERMARKS: watermark 'logo': {problem}" in naming[0]
    assert "Application startup failed. Exiting." in log
    assert "Traceback" not in log


def test_a_rendition_that_names_a_mark_is_never_made_without_it() -> None:
    with pytest.raises(ValueError, match="wm_logo"):
        pipeline.render(white(), RenditionSpec("k", 400, watermark="logo"), "png", Limits())
    other = Overlay.decode(Watermark("stamp", MARK_KEY), mark_png())
    with pytest.raises(ValueError, match="wm_logo"):
        pipeline.render(white(), RenditionSpec("k", 400, watermark="logo"), "png", Limits(), other)
