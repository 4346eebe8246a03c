"""The nine compass gravities, for c_fill (which part of the original survives the crop) and c_pad
(where the picture sits in the box), checked on the pixels.

A fill crop slides its window along one axis only and a pad leaves slack on one axis only, so each
gravity is rendered twice: once with slack across (a wide original) and once with slack down (a tall
one). Together the two show both halves of the gravity's anchor.
"""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops

from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import pipeline
from tests.conftest import Backend
from tests.support.images import close, decode, encode

LIMITS = Limits()
BANDS = ((255, 0, 0), (0, 255, 0), (0, 0, 255))  # first, middle, last third of the slack axis
PICTURE, BACKGROUND = (255, 200, 0), (0, 0, 0)
SIDE = 200  # the box is SIDE × SIDE; originals are three boxes long on their slack axis

# gravity: where it anchors across (0 left, 1 middle, 2 right) and down (0 top, 1 middle, 2 bottom)
GRAVITIES = [
    ("northwest", 0, 0),
    ("north", 1, 0),
    ("northeast", 2, 0),
    ("west", 0, 1),
    ("center", 1, 1),
    ("east", 2, 1),
    ("southwest", 0, 2),
    ("south", 1, 2),
    ("southeast", 2, 2),
]


def banded(wide: bool) -> Image.Image:
    """Three flat colour bands of one box each, side by side (wide) or stacked (tall)."""
    image = Image.new("RGB", (3 * SIDE, SIDE) if wide else (SIDE, 3 * SIDE))
    for index, colour in enumerate(BANDS):
        start = index * SIDE
        image.paste(colour, (start, 0, start + SIDE, SIDE) if wide else (0, start, SIDE, start + SIDE))
    return image


def render(original: Image.Image, **options: object) -> Image.Image:
    result = pipeline.render(encode(original, "PNG"), RenditionSpec("k", **options), "png", LIMITS)
    image = decode(result.body)
    assert image.format == "PNG"
    assert image.size == result.size == (SIDE, SIDE)
    return image.convert("RGB")


def assert_flat(image: Image.Image, colour: tuple[int, int, int]) -> None:
    """The whole output is one band: checked at the corners and the middle."""
    inset = 3  # a band's neighbour may bleed into the outermost pixel or two when resampled
    for point in ((inset, inset), (SIDE - 1 - inset, inset), (SIDE // 2, SIDE // 2), (inset, SIDE - 1 - inset)):
        assert close(image.getpixel(point), colour, 8), (point, image.getpixel(point), colour)


@pytest.mark.parametrize(("gravity", "across", "down"), GRAVITIES)
def test_fill_keeps_the_part_the_gravity_names(gravity: str, across: int, down: int) -> None:
    options = {"width": SIDE, "height": SIDE, "crop": "fill", "gravity": gravity}
    assert_flat(render(banded(wide=True), **options), BANDS[across])
    assert_flat(render(banded(wide=False), **options), BANDS[down])


@pytest.mark.parametrize(("gravity", "across", "down"), GRAVITIES)
def test_pad_puts_the_picture_where_the_gravity_names(gravity: str, across: int, down: int) -> None:
    options = {"width": SIDE, "height": SIDE, "crop": "pad", "gravity": gravity, "background": "000000"}
    slack = SIDE // 2  # a 2:1 picture fitted into the square box leaves half of it empty
    wide = render(Image.new("RGB", (2 * SIDE, SIDE), PICTURE), **options)  # 200×100: slack down
    tall = render(Image.new("RGB", (SIDE, 2 * SIDE), PICTURE), **options)  # 100×200: slack across
    top = down * slack // 2
    left = across * slack // 2
    for image, box in ((wide, (0, top, SIDE, top + slack)), (tall, (left, 0, left + slack, SIDE))):
        # Everything outside the picture's box is exactly the background; inside, the picture.
        assert ImageChops.difference(image, Image.new("RGB", image.size, BACKGROUND)).getbbox() == box
        assert image.getpixel(((box[0] + box[2]) // 2, (box[1] + box[3]) // 2)) == PICTURE


def test_gravity_over_http(fs_backend: Backend, key_prefix: str) -> None:
    fs_backend.put_original(f"{key_prefix}/wide.png", encode(banded(wide=True), "PNG"))
    fs_backend.put_original(f"{key_prefix}/picture.png", encode(Image.new("RGB", (2 * SIDE, SIDE), PICTURE), "PNG"))
    fill = fs_backend.server.get(f"/media/w_{SIDE}/h_{SIDE}/c_fill/g_northeast/{key_prefix}/wide.png")
    assert fill.status == 200, fill.body
    image = decode(fill.body)
    assert (image.format, image.size) == ("PNG", (SIDE, SIDE))
    assert_flat(image.convert("RGB"), BANDS[2])
    pad = fs_backend.server.get(f"/media/w_{SIDE}/h_{SIDE}/c_pad/g_south/bg_000000/{key_prefix}/picture.png")
    assert pad.status == 200, pad.body
    image = decode(pad.body)
    assert (image.format, image.size) == ("PNG", (SIDE, SIDE))
    rgb = image.convert("RGB")
    assert ImageChops.difference(rgb, Image.new("RGB", rgb.size, BACKGROUND)).getbbox() == (0, SIDE // 2, SIDE, SIDE)
