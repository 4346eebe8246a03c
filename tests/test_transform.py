"""t_, r_, fl_, cr_ and g_fp: on the pixels of generated pictures whose parts have known colours.

Each option is checked where the contract puts it: trim on the upright original, then rotate,
flip and the crop box, then the resize on the region as if it were the original.
"""

from __future__ import annotations

import io
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from PIL import Image, ImageChops

import resizer
from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import geometry, pipeline, smartcrop, transform
from resizer.links import rendered_size
from tests.conftest import Backend
from tests.support.images import close, decode, encode, frames_of, jpeg, png, quadrants, record_loads
from tests.support.markup import Document
from tests.test_smartcrop import scene, subject_share

LIMITS = Limits()
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)
BORDER = (100, 120, 140)
INNER = (37, 23, 337, 203)  # where the content sits in the bordered pictures: 300 × 180
HALF_RIGHT = (Decimal("0.5"), Decimal(0), Decimal("0.5"), Decimal(1))


def render(data: bytes, output: str | None = "png", **options: object) -> Image.Image:
    result = pipeline.render(data, RenditionSpec("k", **options), output, LIMITS)
    image = decode(result.body)
    assert image.size == result.size
    return image


def colours_at_corners(image: Image.Image) -> list[tuple]:
    """The colour an eighth of the way in from each corner: top-left, top-right, bottom-left, bottom-right."""
    w, h = image.size
    rgb = image.convert("RGB")
    return [rgb.getpixel((x, y)) for y in (h // 8, h * 7 // 8) for x in (w // 8, w * 7 // 8)]


def assert_corners(image: Image.Image, expected: tuple[tuple, ...]) -> None:
    for actual, colour in zip(colours_at_corners(image), expected, strict=True):
        assert close(actual, colour), (colours_at_corners(image), expected)


def bordered(content: Image.Image | None = None, size: tuple[int, int] = (400, 250)) -> Image.Image:
    """Quadrants (or `content`) at INNER on a flat BORDER."""
    picture = Image.new("RGB", size, BORDER)
    picture.paste(content or quadrants((INNER[2] - INNER[0], INNER[3] - INNER[1])), INNER[:2])
    return picture


def exif_jpeg(upright: Image.Image, orientation: int, transpose: Image.Transpose, quality: int = 95) -> bytes:
    """`upright` stored as a camera would store it for this EXIF orientation."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(upright.transpose(transpose), "JPEG", quality=quality, exif=exif, subsampling=0)


# -- t_ ------------------------------------------------------------------------------------------


def test_trim_cuts_the_border_to_the_exact_inner_box() -> None:
    picture = bordered()
    image = render(encode(picture, "PNG"), trim=1).convert("RGB")
    assert image.size == (300, 180)
    assert ImageChops.difference(image, picture.crop(INNER)).getbbox() is None  # every pixel, exactly


def test_trim_tolerance_takes_border_noise_within_it_and_keeps_what_is_beyond() -> None:
    tolerance = 10
    picture = bordered()
    noise = random.Random(7)
    for x in range(picture.width):
        for y in range(picture.height):
            if not (INNER[0] <= x < INNER[2] and INNER[1] <= y < INNER[3]) and (x, y) != (0, 0):
                picture.putpixel((x, y), tuple(c + noise.randint(-tolerance, tolerance) for c in BORDER))
    # On each outermost row and column, a pixel exactly `tolerance` away, in one channel.
    for point in ((200, 0), (399, 100), (200, 249), (0, 100)):
        picture.putpixel(point, (BORDER[0] + tolerance, BORDER[1], BORDER[2]))
    data = encode(picture, "PNG")
    trimmed = render(data, trim=tolerance).convert("RGB")
    assert trimmed.size == (300, 180)
    assert ImageChops.difference(trimmed, picture.crop(INNER)).getbbox() is None
    assert render(data, trim=tolerance - 1).size == (400, 250)  # a difference of 10 is beyond 9
    # A spot one step beyond the tolerance, left of the content, is content: the box reaches it.
    picture.putpixel((5, 100), (BORDER[0], BORDER[1] - tolerance - 1, BORDER[2]))
    assert render(encode(picture, "PNG"), trim=tolerance).size == (INNER[2] - 5, 180)


def test_a_picture_that_would_be_trimmed_away_is_left_whole() -> None:
    picture = Image.new("RGB", (120, 80), BORDER)
    picture.putpixel((30, 40), (BORDER[0] + 30, *BORDER[1:]))  # one spot 30 away
    assert render(encode(picture, "PNG"), trim=29).size == (1, 1)  # the spot alone
    image = render(encode(picture, "PNG"), trim=30)  # every pixel within the tolerance: nothing left
    assert image.size == (120, 80)
    assert image.convert("RGB").getpixel((30, 40)) == (BORDER[0] + 30, *BORDER[1:])


def test_trim_counts_alpha() -> None:
    # The same colour everywhere; only the alpha tells the content from the border.
    picture = Image.new("RGBA", (200, 100), (200, 0, 0, 0))
    picture.paste((200, 0, 0, 255), (50, 20, 150, 70))
    image = render(encode(picture, "PNG"), trim=1)
    assert image.size == (100, 50)
    assert image.convert("RGBA").getpixel((50, 25)) == (200, 0, 0, 255)
    # Alpha within the tolerance is border like any other channel.
    faint = Image.new("RGBA", (200, 100), (200, 0, 0, 0))
    faint.paste((200, 0, 0, 5), (50, 20, 150, 70))
    faint.paste((200, 0, 0, 255), (60, 30, 70, 40))
    assert render(encode(faint, "PNG"), trim=5).size == (10, 10)


def test_trim_compares_with_the_upright_pictures_top_left_pixel() -> None:
    # Upright, the top-left is border and a spot sits at the top-right corner. The camera stored it
    # turned (EXIF 6), so the stored top-left pixel is that spot: trimming against it would keep
    # everything, trimming against the upright corner keeps the content and the spot.
    upright = bordered()
    upright.paste((255, 255, 0), (380, 0, 400, 20))
    data = exif_jpeg(upright, 6, Image.Transpose.ROTATE_90, quality=98)
    image = render(data, trim=30).convert("RGB")
    assert image.size == (400 - INNER[0], INNER[3])  # from the content's left to the spot's right
    assert close(image.getpixel((image.width - 5, 5)), (255, 255, 0))
    assert close(image.getpixel((image.width - 5, 100)), BORDER)  # right of the content, below the spot


def content_jpeg(size: tuple[int, int], at: tuple[int, int], content: Image.Image) -> bytes:
    picture = Image.new("RGB", size, BORDER)
    picture.paste(content, at)
    return encode(picture, "JPEG", quality=95)


def decoded_at(data: bytes, denominator: int) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (image.width // denominator, image.height // denominator))
    image.load()
    return image


def test_trim_on_a_jpeg_shrunk_on_load_maps_the_box_back_without_losing_content(monkeypatch) -> None:
    # The content's left edge is a faint strip, 3 pixels of the 8 that a 1/8 decode blends into
    # one: 15 from the border there, within the tolerance; the strong colours start a block later.
    inner = (205, 157, 1391, 1013)
    content = quadrants((inner[2] - inner[0], inner[3] - inner[1]))
    content.paste((BORDER[0] + 40, *BORDER[1:]), (0, 0, 3, content.height))
    data = content_jpeg((1600, 1200), inner[:2], content)
    full = transform.trim_box([decoded_at(data, 1)], 20, (1600, 1200))
    shrunk = transform.trim_box([decoded_at(data, 8)], 20, (1600, 1200))
    assert decoded_at(data, 8).size == (200, 150)
    # The full decode finds the content (give or take the codec's ringing at its edges) …
    assert all(abs(a - b) <= 4 for a, b in zip(full, inner, strict=True)), full
    # … and the box found at 1/8, in full-size pixels, holds all of the content, faint edge
    # included (not every pixel of the codec's ringing around it), with at most two blocks of
    # border more on each side.
    assert shrunk[0] <= min(full[0], inner[0]) and shrunk[1] <= min(full[1], inner[1])
    assert shrunk[2] >= inner[2] and shrunk[3] >= inner[3]
    assert all(abs(a - b) <= 16 for a, b in zip(shrunk, full, strict=True)), (shrunk, full)

    # Through the pipeline: decoded shrunk, and the same picture as the full-size box gives.
    loaded = record_loads(monkeypatch)
    image = render(data, "png", trim=20, width=200).convert("RGB")
    monkeypatch.undo()
    assert max(width for width, _ in loaded) < 1600  # never decoded at full size
    exact = render(encode(decoded_at(data, 1).crop(full), "PNG"), "png", width=200).convert("RGB")
    assert image.width == exact.width == 200 and abs(image.height - exact.height) <= 1
    for actual, expected in zip(colours_at_corners(image), (RED, GREEN, BLUE, WHITE), strict=True):
        assert close(actual, expected), colours_at_corners(image)


@pytest.mark.parametrize("width", [200, 400, 800])
def test_trim_on_a_jpeg_shrunk_on_load_leaves_no_line_of_border_along_the_edges(width: int) -> None:
    """Content on whole 8 × 8 blocks, decoded at 1/8, 1/4 and 1/2: every pixel of the output's
    outermost rows and columns is the content's colour, none a blend with the border (growing
    the box by a decoded pixel on every side left a line of border colour along each edge)."""
    colour = (230, 60, 40)
    content = Image.new("RGB", (2800, 1680), colour)
    data = content_jpeg((3200, 2000), (200, 160), content)
    image = render(data, "png", trim=20, width=width).convert("RGB")
    assert image.size == (width, width * 3 // 5)
    w, h = image.size
    edges = [(x, y) for x in range(w) for y in (0, h - 1)] + [(x, y) for y in range(h) for x in (0, w - 1)]
    worst = max(max(abs(a - b) for a, b in zip(image.getpixel(xy), colour, strict=True)) for xy in edges)
    assert worst <= 16, worst


def test_trim_that_leaves_little_of_a_shrunk_jpeg_decodes_it_again_finer(monkeypatch) -> None:
    stripes = Image.new("L", (400, 300), 0)
    for x in range(0, 400, 4):
        stripes.paste(255, (x, 0, x + 2, 300))  # detail that a 1/8 decode averages to grey
    data = content_jpeg((4000, 3000), (1800, 1350), stripes.convert("RGB"))
    loaded = record_loads(monkeypatch)
    image = render(data, "png", trim=10, width=400).convert("L")
    monkeypatch.undo()
    # Decoded at 1/8 for the untrimmed plan, where a box of about 420 × 330 was found; then in
    # full, as that trimmed geometry wants, and the box found again there: the content (give or
    # take a column of the codec's ringing), as trimming a full decode finds it.
    assert (500, 375) in loaded and max(loaded) == (4000, 3000)
    exact = transform.trim_box([decoded_at(data, 1)], 10, (4000, 3000))
    assert all(abs(a - b) <= 1 for a, b in zip(exact, (1800, 1350, 2200, 1650), strict=True)), exact
    assert image.size == geometry.plan((4000, 3000), RenditionSpec("k", trim=10, width=400), trim=exact).size
    row = [image.getpixel((x, image.height // 2)) for x in range(100, 300)]
    assert max(row) - min(row) > 150  # the stripes are there, not a grey blur


# -- r_ and fl_ ----------------------------------------------------------------------------------

# Quadrants: red top-left, green top-right, blue bottom-left, white bottom-right; after each turn
# and mirror, the colours at the four corners (top-left, top-right, bottom-left, bottom-right).
TURNS = [
    ({"rotate": 90}, (BLUE, RED, WHITE, GREEN)),
    ({"rotate": 180}, (WHITE, BLUE, GREEN, RED)),
    ({"rotate": 270}, (GREEN, WHITE, RED, BLUE)),
    ({"flip": "h"}, (GREEN, RED, WHITE, BLUE)),
    ({"rotate": 90, "flip": "h"}, (RED, BLUE, GREEN, WHITE)),
    ({"rotate": 180, "flip": "h"}, (BLUE, WHITE, RED, GREEN)),  # fl_v
    ({"rotate": 270, "flip": "h"}, (WHITE, GREEN, BLUE, RED)),
]


@pytest.mark.parametrize(("options", "expected"), TURNS)
def test_rotate_and_flip_put_each_quadrant_where_it_belongs(options: dict, expected: tuple) -> None:
    image = render(png((400, 300)), **options)
    assert image.size == ((300, 400) if options.get("rotate") in (90, 270) else (400, 300))
    assert_corners(image, expected)
    resized = render(png((400, 300)), width=150, **options)  # the box applies to the turned picture
    assert resized.width == 150 and resized.height == (200 if options.get("rotate") in (90, 270) else 113)
    assert_corners(resized, expected)


@pytest.mark.parametrize(("options", "expected"), TURNS)
def test_rotate_and_flip_follow_the_exif_orientation(options: dict, expected: tuple) -> None:
    data = exif_jpeg(quadrants((400, 300)), 6, Image.Transpose.ROTATE_90)  # stored 300×400
    image = render(data, "jpg", **options)
    assert image.size == ((300, 400) if options.get("rotate") in (90, 270) else (400, 300))
    assert_corners(image, expected)


def test_rotation_is_an_exact_transpose() -> None:
    picture = Image.effect_noise((64, 48), 90).convert("RGB")
    image = render(encode(picture, "PNG"), rotate=90)
    turned = picture.transpose(Image.Transpose.ROTATE_270)  # Pillow turns counter-clockwise
    assert list(image.convert("RGB").get_flattened_data()) == list(turned.get_flattened_data())


# -- cr_ -----------------------------------------------------------------------------------------


def region(x: str, y: str, w: str, h: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(value) for value in (x, y, w, h))


@pytest.mark.parametrize(
    ("options", "size", "expected"),
    [
        ({"region": HALF_RIGHT}, (200, 300), (GREEN, GREEN, WHITE, WHITE)),
        ({"region": region("0", "0.5", "0.5", "0.5")}, (200, 150), (BLUE,) * 4),
        ({"region": region("0.25", "0.25", "0.5", "0.5")}, (200, 150), (RED, GREEN, BLUE, WHITE)),
        # After r_90 (300×400: blue, red / white, green), the left half is blue over white.
        ({"rotate": 90, "region": region("0", "0", "0.5", "1")}, (150, 400), (BLUE, BLUE, WHITE, WHITE)),
        # After r_90/fl_h (red, blue / green, white), the bottom half.
        (
            {"rotate": 90, "flip": "h", "region": region("0", "0.5", "1", "0.5")},
            (300, 200),
            (GREEN, WHITE, GREEN, WHITE),
        ),
        ({"region": HALF_RIGHT, "width": 100}, (100, 150), (GREEN, GREEN, WHITE, WHITE)),
        ({"region": HALF_RIGHT, "width": 100, "height": 100, "crop": "fill"}, (100, 100), (GREEN, GREEN, WHITE, WHITE)),
    ],
)
def test_crop_box_selects_the_region(options: dict, size: tuple, expected: tuple) -> None:
    image = render(png((400, 300)), **options)
    assert image.size == size
    assert_corners(image, expected)
    upright = render(exif_jpeg(quadrants((400, 300)), 6, Image.Transpose.ROTATE_90), "jpg", **options)
    assert upright.size == size  # the fractions are of the upright picture, not of the stored one
    assert_corners(upright, expected)


def test_crop_box_cuts_whole_pixels_exactly_and_fractions_exactly() -> None:
    picture = Image.effect_noise((400, 300), 90).convert("RGB")
    image = render(encode(picture, "PNG"), region=region("0.1", "0.2", "0.5", "0.5")).convert("RGB")
    assert list(image.get_flattened_data()) == list(picture.crop((40, 60, 240, 210)).get_flattened_data())
    # 0.3333 of 400 is 133.32 pixels: 133 wide, and the plan keeps the exact box.
    plan = geometry.plan((400, 300), RenditionSpec("k", region=region("0", "0", "0.3333", "1")))
    assert plan.window == (0, 0, Fraction(13332, 100), 300) and plan.size == (133, 300)


def test_crop_box_is_never_enlarged_past_the_region() -> None:
    assert render(png((400, 300)), width=1000, region=HALF_RIGHT).size == (200, 300)
    assert render(png((400, 300)), width=1000, height=1000, crop="fill", region=HALF_RIGHT).size == (200, 200)
    assert render(png((400, 300)), width=1000, height=500, crop="pad", region=HALF_RIGHT).size == (200, 100)
    assert render(png((400, 300)), width=100, dpr=Decimal(4), region=HALF_RIGHT, rotate=90).size == (150, 400)


def test_a_small_region_of_a_large_jpeg_is_still_shrunk_on_load(monkeypatch) -> None:
    middle = region("0.2", "0.2", "0.6", "0.6")
    plan = geometry.plan((4000, 3000), RenditionSpec("k", width=240, region=middle))
    assert plan.window == (800, 600, 3200, 2400)
    assert pipeline.denominator(plan) == 8  # 2400 → 240: a tenth, from the region's scale
    # A region so small that its output needs every pixel: decoded in full.
    corner = RenditionSpec("k", width=200, region=region("0", "0", "0.05", "0.05"))
    assert pipeline.denominator(geometry.plan((4000, 3000), corner)) == 1
    data = jpeg((4000, 3000))
    loaded = record_loads(monkeypatch)
    image = render(data, "jpg", width=240, region=middle)
    monkeypatch.undo()
    assert max(loaded) == (500, 375)
    assert image.size == (240, 180)
    assert_corners(image, (RED, GREEN, BLUE, WHITE))  # the middle of the picture, all four quadrants


# -- g_fp ----------------------------------------------------------------------------------------

SPOT = (255, 0, 255)


def spotted(size: tuple[int, int], centre: tuple[int, int]) -> bytes:
    picture = Image.new("RGB", size, (40, 40, 40))
    picture.paste(SPOT, (centre[0] - 4, centre[1] - 4, centre[0] + 4, centre[1] + 4))
    return encode(picture, "PNG")


def spot_at(image: Image.Image) -> tuple[float, float]:
    mask = ImageChops.difference(image.convert("RGB"), Image.new("RGB", image.size, SPOT)).convert("L")
    left, top, right, bottom = mask.point(lambda v: 255 if v < 30 else 0).getbbox()
    return (left + right) / 2, (top + bottom) / 2


@pytest.mark.parametrize(
    ("size", "point", "gravity", "at"),
    [
        ((600, 200), (420, 100), "fp:0.7:0.5", (100, 100)),  # room on both sides: the spot at the centre
        ((200, 600), (100, 150), "fp:0.5:0.25", (100, 100)),
        ((600, 200), (570, 100), "fp:0.95:0.5", (170, 100)),  # near the right edge: the window stops there
        ((600, 200), (30, 100), "fp:0.05:0.5", (30, 100)),  # near the left edge
        ((200, 600), (100, 570), "fp:0.5:0.95", (100, 170)),  # near the bottom
    ],
)
def test_fill_places_the_window_around_the_focal_point(size, point, gravity, at) -> None:
    image = render(spotted(size, point), width=200, height=200, crop="fill", gravity=gravity)
    assert image.size == (200, 200)
    assert spot_at(image) == pytest.approx(at, abs=1)


def test_focal_point_is_a_fraction_of_the_region() -> None:
    # The right half (300..600) of a 600×200 picture; the spot at 450 is the region's 0.5.
    options = {"crop": "fill", "region": HALF_RIGHT}
    image = render(spotted((600, 200), (450, 100)), width=100, height=100, gravity="fp:0.5:0.5", **options)
    assert spot_at(image) == pytest.approx((50, 50), abs=1)
    image = render(spotted((600, 200), (525, 100)), width=100, height=200, gravity="fp:0.75:0.5", **options)
    assert spot_at(image) == pytest.approx((50, 100), abs=1)  # region's 225 of 300: the window 175..275


@pytest.mark.parametrize(
    ("gravity", "compass"),
    [("fp:0:0", "northwest"), ("fp:1:0", "northeast"), ("fp:1:0.5", "east"), ("fp:0:1", "southwest")],
)
def test_pad_anchors_the_picture_at_the_focal_point_like_a_compass_gravity(gravity: str, compass: str) -> None:
    options = {"width": 200, "height": 200, "crop": "pad", "background": "000000"}
    for size in ((400, 200), (200, 400)):
        data = encode(Image.new("RGB", size, SPOT), "PNG")
        by_point = render(data, gravity=gravity, **options).convert("RGB")
        by_compass = render(data, gravity=compass, **options).convert("RGB")
        assert ImageChops.difference(by_point, by_compass).getbbox() is None


def test_pad_anchor_between_the_edges() -> None:
    options = {"width": 200, "height": 200, "crop": "pad", "background": "000000", "gravity": "fp:0.5:0.25"}
    image = render(encode(Image.new("RGB", (400, 200), SPOT), "PNG"), **options).convert("RGB")
    # 100 rows of slack: a quarter of it above the picture.
    assert ImageChops.difference(image, Image.new("RGB", (200, 200), (0, 0, 0))).getbbox() == (0, 25, 200, 125)


def test_g_auto_looks_at_the_region_after_rotate_and_crop() -> None:
    # The subject is in the left part of the stored picture; r_180 turns it to the right, and cr_
    # keeps the right half: g_auto's window lies inside that half, over the subject.
    original = scene((1200, 600), (150, 300), 120)
    options = {"width": 200, "height": 400, "crop": "fill", "gravity": "auto", "rotate": 180, "region": HALF_RIGHT}
    spec = RenditionSpec("k", **options)
    plan = smartcrop.refine(original, geometry.plan(original.size, spec), spec)
    left, _, right, _ = plan.window  # in the stored picture's pixels: the left half, around x = 150
    assert 0 <= left <= 40 and 260 <= right <= 600  # the disc spans 30 … 270
    # The disc covers a quarter of the 300 × 600 window; the rendition shows (nearly) all of it.
    assert subject_share(render(encode(original, "PNG"), **options)) > 0.8 * 0.25


# -- animation -----------------------------------------------------------------------------------


def animation(frames: list[Image.Image]) -> bytes:
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0, disposal=2)


def test_every_frame_is_turned_and_cropped() -> None:
    frames = [quadrants((200, 100)), quadrants((200, 100)).transpose(Image.Transpose.ROTATE_180)]
    spec = RenditionSpec("k", rotate=90, flip="h", region=HALF_RIGHT)
    result = pipeline.render(animation(frames), spec, None, LIMITS)
    out = frames_of(result.body)
    assert len(out) == 2 and all(frame.size == (50, 200) for frame in out)
    # r_90/fl_h gives red, blue / green, white; its right half is blue over white …
    assert_corners(out[0], (BLUE, BLUE, WHITE, WHITE))
    # … and of the frame turned upside down (r_270/fl_h in all: white, green / blue, red), green over red.
    assert_corners(out[1], (GREEN, GREEN, RED, RED))


def test_an_animation_is_trimmed_to_one_box_that_holds_every_frames_content() -> None:
    first, second = Image.new("RGB", (120, 80), (0, 0, 0)), Image.new("RGB", (120, 80), (0, 0, 0))
    first.paste(RED, (10, 10, 50, 40))
    second.paste(BLUE, (70, 30, 100, 70))
    data = animation([first, second])
    out = frames_of(pipeline.render(data, RenditionSpec("k", trim=1), None, LIMITS).body)
    assert [frame.size for frame in out] == [(90, 60), (90, 60)]  # the union: 10..100 × 10..70
    assert out[0].getpixel((5, 5)) == RED and out[0].getpixel((80, 50)) == (0, 0, 0)
    assert out[1].getpixel((80, 50)) == BLUE and out[1].getpixel((5, 5)) == (0, 0, 0)
    # A still of it shows the first frame: its own box.
    assert render(data, "png", trim=1).size == (40, 30)


# -- sizes known without the pixels --------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "size"),
    [
        ({"region": HALF_RIGHT}, (200, 300)),
        ({"region": region("0.1", "0.2", "0.3333", "0.5"), "width": 70}, (70, 79)),  # 133.32 × 150
        ({"rotate": 90, "width": 150}, (150, 200)),
        ({"rotate": 270, "region": region("0", "0", "0.5", "0.75"), "height": 100}, (50, 100)),
        ({"rotate": 90, "region": HALF_RIGHT, "width": 500, "height": 100, "crop": "fill"}, (150, 30)),
        ({"rotate": 90, "flip": "h", "region": HALF_RIGHT, "width": 500, "height": 500, "crop": "pad"}, (150, 150)),
        ({"region": HALF_RIGHT, "width": 33, "dpr": Decimal("1.5")}, (50, 75)),  # 49.5 → 50 wide
    ],
)
def test_rendered_size_is_the_size_the_pipeline_renders(options: dict, size: tuple[int, int]) -> None:
    spec = RenditionSpec("k", **options)
    assert rendered_size(spec, (400, 300)) == render(png((400, 300)), **options).size == size


def test_the_picture_tag_writes_the_size_of_a_cropped_and_turned_rendition() -> None:
    markup = resizer.image_picture("a.jpg", [4000], original_size="400x300", r=90, cr="0.5:0:0.5:1")
    (img,) = Document(markup).all("img")
    assert (img.attrs["width"], img.attrs["height"]) == ("150", "400")  # the right half of 300 × 400


def test_the_tags_claim_no_size_for_a_trimmed_rendition() -> None:
    # t_'s box is found in the pixels, which the tags never read.
    assert rendered_size(RenditionSpec("k", trim=10, width=100), (400, 300)) is None
    (trimmed,) = Document(resizer.image_picture("a.jpg", [100], original_size="400x300", t=10)).all("img")
    assert "width" not in trimmed.attrs and "height" not in trimmed.attrs


# -- over HTTP -----------------------------------------------------------------------------------


def test_trim_rotate_crop_and_focal_point_over_http(fs_backend: Backend, key_prefix: str) -> None:
    fs_backend.put_original(f"{key_prefix}/bordered.png", encode(bordered(), "PNG"))
    reply = fs_backend.server.get(f"/media/t_1/r_90/cr_0:0.5:1:0.5/w_90/{key_prefix}/bordered.png")
    assert reply.status == 200, reply.body
    image = decode(reply.body)
    # Trimmed to 300×180, turned to 180×300 (blue, red / white, green), the bottom half: 180×150 → 90×75.
    assert (image.format, image.size) == ("PNG", (90, 75))
    assert_corners(image, (WHITE, GREEN, WHITE, GREEN))
    fs_backend.put_original(f"{key_prefix}/spot.png", spotted((600, 200), (420, 100)))
    reply = fs_backend.server.get(f"/media/w_200/h_200/c_fill/g_fp:0.7:0.5/{key_prefix}/spot.png")
    assert reply.status == 200, reply.body
    assert spot_at(decode(reply.body)) == pytest.approx((100, 100), abs=1)
