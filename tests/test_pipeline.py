"""The Pillow pipeline on generated originals: dimensions, mode, format and pixels."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PIL import Image

from resizer.core.errors import Unprocessable
from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import pipeline
from tests.support.images import close, decode, encode, jpeg, png, quadrants, record_loads

LIMITS = Limits()
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def render(data: bytes, output: str | None = None, **options) -> Image.Image:
    result = pipeline.render(data, RenditionSpec("k", **options), output, LIMITS)
    image = decode(result.body)
    assert image.size == result.size
    assert pipeline.CONTENT_TYPES[result.format] == Image.MIME[image.format]
    return image


def corners(image: Image.Image) -> list[tuple]:
    w, h = image.size
    rgb = image.convert("RGB")
    return [
        rgb.getpixel((x, y))
        for x, y in ((w // 8, h // 8), (w * 7 // 8, h // 8), (w // 8, h * 7 // 8), (w * 7 // 8, h * 7 // 8))
    ]


def assert_quadrants(image: Image.Image) -> None:
    for actual, expected in zip(corners(image), (RED, GREEN, BLUE, WHITE), strict=True):
        assert close(actual, expected), (actual, expected)


# -- geometry ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "size"),
    [
        ({"width": 200}, (200, 150)),
        ({"height": 150}, (200, 150)),
        ({"width": 200, "height": 50}, (67, 50)),  # fit inside the box
        ({"width": 100, "dpr": Decimal(2)}, (200, 150)),
        ({"width": 133, "dpr": Decimal("1.5")}, (200, 150)),  # 199.5 → 200
        ({"width": 800}, (400, 300)),  # never enlarge
        ({"width": 800, "height": 10000}, (400, 300)),
        ({"width": 200, "height": 200, "crop": "fill"}, (200, 200)),
        ({"width": 1000, "height": 500, "crop": "fill"}, (400, 200)),  # box shrunk to fit, aspect kept
        ({"width": 200, "height": 200, "crop": "pad"}, (200, 200)),
        ({"width": 200, "crop": "fill"}, (200, 150)),  # one side only: fit
        ({"width": 1, "height": 1, "crop": "fill"}, (1, 1)),
        ({"width": 1}, (1, 1)),  # 0.75 → 1: at least one pixel
    ],
)
def test_output_dimensions(options, size) -> None:
    assert render(jpeg((400, 300)), **options).size == size


def test_fit_keeps_the_picture() -> None:
    assert_quadrants(render(png(), width=200))


@pytest.mark.parametrize(
    ("gravity", "top", "bottom"),
    [
        # A 400×300 quadrant image filled into 100×300 keeps one vertical strip of it.
        ("west", RED, BLUE),
        ("northwest", RED, BLUE),
        ("southwest", RED, BLUE),
        ("east", GREEN, WHITE),
        ("southeast", GREEN, WHITE),
    ],
)
def test_fill_crops_from_the_gravity(gravity, top, bottom) -> None:
    image = render(png((400, 300)), "png", width=100, height=300, crop="fill", gravity=gravity).convert("RGB")
    assert image.size == (100, 300)
    assert close(image.getpixel((50, 20)), top)
    assert close(image.getpixel((50, 280)), bottom)


def test_fill_centre_crop_straddles_the_middle() -> None:
    image = render(png((400, 300)), "png", width=100, height=300, crop="fill").convert("RGB")
    assert close(image.getpixel((10, 20)), RED) and close(image.getpixel((90, 20)), GREEN)


@pytest.mark.parametrize(
    ("gravity", "kept"),
    [("north", (RED, GREEN)), ("south", (BLUE, WHITE)), ("center", None)],
)
def test_fill_crops_vertically(gravity, kept) -> None:
    image = render(png((400, 300)), "png", width=400, height=100, crop="fill", gravity=gravity).convert("RGB")
    assert image.size == (400, 100)
    if kept:
        assert close(image.getpixel((20, 50)), kept[0]) and close(image.getpixel((380, 50)), kept[1])
    else:  # the middle strip straddles the horizontal boundary
        assert close(image.getpixel((20, 10)), RED) and close(image.getpixel((20, 90)), BLUE)


def test_auto_gravity_does_not_fail() -> None:
    assert render(jpeg(), width=100, height=100, crop="fill", gravity="auto").size == (100, 100)


def test_pad_centres_on_the_background() -> None:
    image = render(png((400, 200)), "png", width=200, height=200, crop="pad", background="00ff00").convert("RGBA")
    assert image.size == (200, 200)
    assert image.getpixel((100, 10)) == (0, 255, 0, 255)  # padding above
    assert image.getpixel((100, 190)) == (0, 255, 0, 255)  # padding below
    assert close(image.getpixel((10, 60)), (*RED, 255))


def test_pad_is_transparent_by_default_for_png_and_white_for_jpeg() -> None:
    transparent = render(png((400, 200)), "png", width=200, height=200, crop="pad")
    # A lossless palette PNG (few colours) keeps its alpha in tRNS.
    assert transparent.mode in ("RGBA", "P") and transparent.convert("RGBA").getpixel((100, 10))[3] == 0
    white = render(png((400, 200)), "jpg", width=200, height=200, crop="pad")
    assert white.mode == "RGB" and close(white.getpixel((100, 10)), WHITE, 4)


def test_pad_with_gravity_puts_the_image_at_the_edge() -> None:
    image = render(png((400, 200)), "png", width=200, height=200, crop="pad", gravity="north", background="000000")
    assert close(image.convert("RGB").getpixel((10, 10)), RED)
    assert image.convert("RGB").getpixel((100, 190)) == (0, 0, 0)


# -- formats -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "output", "fmt"),
    [
        (jpeg(), None, "JPEG"),
        (png(), None, "PNG"),
        (encode(quadrants(), "WEBP", quality=95), None, "WEBP"),
        (encode(quadrants(), "AVIF", quality=95), None, "AVIF"),
        (encode(quadrants(), "GIF"), None, "GIF"),
        (jpeg(), "png", "PNG"),
        (jpeg(), "webp", "WEBP"),
        (jpeg(), "avif", "AVIF"),
        (jpeg(), "gif", "GIF"),
        (png(), "jpg", "JPEG"),
    ],
)
def test_output_format(original: bytes, output: str | None, fmt: str) -> None:
    image = render(original, output, width=200)
    assert image.format == fmt
    assert image.size == (200, 150)
    assert_quadrants(image)


@pytest.mark.parametrize(
    ("original", "mode"), [(jpeg(), "RGB"), (png(), "RGB"), (encode(quadrants().convert("L"), "PNG"), "L")]
)
def test_a_jpeg_rendition_is_right_with_either_jpeg_encoder(jpeg_encoder: str, original: bytes, mode: str) -> None:
    image = render(original, "jpg", width=200)
    assert (image.format, image.mode, image.size) == ("JPEG", mode, (200, 150))
    if mode == "RGB":
        assert_quadrants(image)
    else:
        assert [image.getpixel(point) for point in ((20, 20), (180, 130))] == [pytest.approx(76, abs=3), 255]


def test_jpeg_quality_is_honoured_and_progressive_through_libjpeg(jpeg_encoder: str) -> None:
    photo = Image.effect_noise((400, 300), 60).convert("RGB")
    low = pipeline.render(encode(photo, "JPEG", quality=95), RenditionSpec("k", quality=20), None, LIMITS)
    high = pipeline.render(encode(photo, "JPEG", quality=95), RenditionSpec("k", quality=95), None, LIMITS)
    assert decode(low.body).info.get("progressive") == (1 if jpeg_encoder == "libjpeg" else None)  # pyjpegli: baseline
    assert decode(high.body).info.get("progressive") == 1  # 4:4:4 from q90: libjpeg either way
    assert len(low.body) < len(high.body) / 2


def test_metadata_is_stripped() -> None:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (1.0, 2.0, 3.0)}  # GPS
    original = jpeg(exif=exif, icc_profile=b"")
    image = render(original, width=100)
    assert "exif" not in image.info
    assert not image.getexif()


# -- input modes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(orientation: int) -> None:
    # Draw the upright picture, then store it as a camera would for this orientation.
    upright = quadrants((400, 300))
    inverse = {
        1: None,
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    stored = upright if inverse is None else upright.transpose(inverse)
    exif = Image.Exif()
    exif[0x0112] = orientation
    image = render(encode(stored, "JPEG", quality=95, exif=exif), width=200)
    assert image.size == (200, 150)
    assert_quadrants(image)


@pytest.mark.parametrize(
    ("source", "width", "decoded"),
    [
        ((4000, 3000), 400, 500),  # 1/8: a 12 MP original is never fully decoded for a thumbnail
        ((2560, 1600), 320, 640),  # 1/8 would leave Lanczos less than 1.25×: 1/4
        ((2560, 1600), 640, 1280),  # 1/4 lands on the target: 1/2
        ((2560, 1600), 1280, 2560),  # 1/2 lands on the target: full scale
        ((2560, 1600), 2000, 2560),
    ],
)
def test_jpeg_is_decoded_at_the_coarsest_scale_that_leaves_lanczos_headroom(monkeypatch, source, width, decoded):
    original = jpeg(source)
    decoded_sizes = record_loads(monkeypatch)
    image = render(original, width=width)
    assert image.width == width
    assert max(w for w, h in decoded_sizes) == decoded


def test_alpha_is_kept_in_png_and_flattened_on_white_for_jpeg() -> None:
    rgba = Image.new("RGBA", (200, 100), (255, 0, 0, 0))
    rgba.paste((0, 0, 255, 255), (100, 0, 200, 100))
    kept = render(encode(rgba, "PNG"), width=100)
    assert kept.mode in ("RGBA", "P")  # truecolour, or a palette with transparency (test_png_palette.py)
    kept = kept.convert("RGBA")
    assert kept.getpixel((10, 10))[3] == 0 and kept.getpixel((90, 25)) == (0, 0, 255, 255)
    flat = render(encode(rgba, "PNG"), "jpg", width=100)
    assert flat.mode == "RGB" and close(flat.getpixel((10, 10)), WHITE, 4) and close(flat.getpixel((90, 25)), BLUE)
    black = render(encode(rgba, "PNG"), "jpg", width=100, background="000000")
    assert close(black.getpixel((10, 10)), (0, 0, 0), 4)


def test_alpha_edges_have_no_dark_fringe() -> None:
    # Transparent black around opaque white: unpremultiplied resampling would grey the edge.
    rgba = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    rgba.paste((255, 255, 255, 255), (50, 50, 150, 150))
    image = render(encode(rgba, "PNG"), width=67).convert("RGBA")
    edge = [image.getpixel((x, 33)) for x in range(image.width) if 0 < image.getpixel((x, 33))[3] < 255]
    assert edge and all(pixel[:3] == (255, 255, 255) or min(pixel[:3]) >= 250 for pixel in edge)


def test_cmyk_jpeg_becomes_rgb() -> None:
    cmyk = quadrants().convert("CMYK")
    image = render(encode(cmyk, "JPEG", quality=95), width=200)
    assert image.mode == "RGB"
    assert_quadrants(image)


def test_sixteen_bit_grey_png_keeps_its_tone() -> None:
    grey16 = Image.new("I;16", (64, 64), 32768)
    image = render(encode(grey16, "PNG"), width=32)
    assert image.mode == "L"
    assert abs(image.getpixel((16, 16)) - 128) <= 1


def test_sixteen_bit_rgb_png_keeps_its_colour() -> None:
    import struct
    import zlib

    width = height = 8
    row = b"\x00" + struct.pack(">HHH", 65535, 32768, 0) * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    image = render(data, width=4)
    assert image.mode in ("RGB", "P")  # one colour: a lossless palette PNG
    assert close(image.convert("RGB").getpixel((2, 2)), (255, 128, 0), 2)


def test_palette_with_transparency_keeps_it() -> None:
    palette = Image.new("P", (100, 100), 0)
    palette.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    palette.paste(1, (50, 0, 100, 100))
    data = encode(palette, "PNG", transparency=0)
    image = render(data, width=50)
    assert image.mode in ("RGBA", "P")
    image = image.convert("RGBA")
    assert image.getpixel((5, 25))[3] == 0
    assert close(image.getpixel((45, 25)), (0, 0, 255, 255))
    gif = render(encode(palette, "GIF", transparency=0), "png", width=50)
    assert gif.convert("RGBA").getpixel((5, 25))[3] == 0


def test_one_bit_and_grey_inputs() -> None:
    one = Image.new("1", (100, 100), 0)
    one.paste(1, (50, 0, 100, 100))
    image = render(encode(one, "PNG"), width=50)
    assert image.mode == "L" and image.getpixel((5, 5)) == 0 and image.getpixel((45, 5)) == 255
    grey = render(encode(Image.new("L", (100, 100), 77), "JPEG"), width=50)
    assert grey.mode == "L" and abs(grey.getpixel((25, 25)) - 77) <= 2


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        jpeg()[:200],  # truncated
        encode(quadrants(), "BMP"),
        encode(quadrants(), "TIFF"),
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    ],
    ids=["empty", "text", "truncated", "bmp", "tiff", "svg"],
)
def test_undecodable_or_disallowed_originals_are_422(data: bytes) -> None:
    with pytest.raises(Unprocessable):
        pipeline.render(data, RenditionSpec("k", width=10), None, LIMITS)


def test_pixel_limit_is_decided_from_the_header() -> None:
    with pytest.raises(Unprocessable, match="pixels"):
        pipeline.render(png((400, 300)), RenditionSpec("k", width=10), None, Limits(max_source_pixels=400 * 300 - 1))


def test_frame_limit_is_a_source_limit() -> None:
    frames = [Image.new("L", (8, 8), 40 * i) for i in range(5)]  # distinct, or Pillow merges them
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)
    assert decode(gif).n_frames == 5
    with pytest.raises(Unprocessable, match="5 frames"):
        pipeline.render(gif, RenditionSpec("k", width=4), None, Limits(max_frames=4))
    assert pipeline.render(gif, RenditionSpec("k", width=4), None, Limits(max_frames=5)).size == (4, 4)
