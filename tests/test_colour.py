"""Colour: embedded profiles become sRGB, every input mode keeps its tone and transparency."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import colour, pipeline
from tests.support import icc
from tests.support.images import close, decode, encode

ADOBE_RGB = (Path(__file__).parent / "fixtures" / "compatibleWithAdobeRGB1998.icc").read_bytes()
# Flat patches in colours that the wide gamuts move visibly, all inside sRGB after conversion.
PATCHES = [(200, 100, 50), (50, 180, 90), (60, 90, 200), (128, 128, 128)]


def patches(size: tuple[int, int] = (400, 100), mode: str = "RGB") -> Image.Image:
    image = Image.new(mode, size)
    step = size[0] // len(PATCHES)
    for index, colour_ in enumerate(PATCHES):
        image.paste(colour_ if mode == "RGB" else (*colour_, 255), (index * step, 0, (index + 1) * step, size[1]))
    return image


def patch_colours(image: Image.Image) -> list[tuple]:
    rgb = image.convert("RGB")
    step = rgb.width // len(PATCHES)
    return [rgb.getpixel((index * step + step // 2, rgb.height // 2)) for index in range(len(PATCHES))]


def render(data: bytes, output: str | None = None, **options) -> Image.Image:
    result = pipeline.render(data, RenditionSpec("k", **options), output, Limits())
    return decode(result.body)


# -- profiles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "expected"),
    [(icc.display_p3(), icc.p3_to_srgb), (ADOBE_RGB, icc.adobe_to_srgb)],
    ids=["display-p3", "adobe-rgb"],
)
@pytest.mark.parametrize("output", ["jpg", "png", "webp", "avif"])
def test_wide_gamut_originals_are_converted_to_srgb(profile: bytes, expected, output: str) -> None:
    original = encode(patches(), "JPEG", quality=98, subsampling=0, icc_profile=profile)
    image = render(original, output, width=200)
    assert "icc_profile" not in image.info  # untagged: sRGB by definition
    for actual, source in zip(patch_colours(image), PATCHES, strict=True):
        assert close(actual, expected(source), 5), (source, actual, expected(source))
    # Unconverted, the first patch would be off by ≥ 15 in some channel: the test can tell.
    assert any(abs(a - b) >= 15 for a, b in zip(expected(PATCHES[0]), PATCHES[0], strict=True))


def test_profile_in_a_png_with_alpha_is_converted_and_alpha_kept() -> None:
    rgba = patches(mode="RGBA")
    rgba.paste((0, 0, 0, 0), (0, 0, 400, 20))
    image = render(encode(rgba, "PNG", icc_profile=icc.display_p3()), "png", width=200)
    assert "icc_profile" not in image.info
    assert image.convert("RGBA").getpixel((10, 2))[3] == 0
    for actual, source in zip(patch_colours(image.convert("RGBA").crop((0, 20, 200, 50))), PATCHES, strict=True):
        assert close(actual, icc.p3_to_srgb(source), 2)


def test_srgb_tagged_and_untagged_originals_cost_no_conversion() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tagged = Image.new("RGB", (8, 8), (200, 100, 50))
    tagged.info["icc_profile"] = srgb
    assert colour.to_srgb(tagged) is tagged  # no pixel work at all
    untagged = Image.new("RGB", (8, 8), (200, 100, 50))
    assert colour.to_srgb(untagged) is untagged
    image = render(encode(patches(), "PNG", icc_profile=srgb), "png", width=200)
    assert patch_colours(image) == PATCHES and "icc_profile" not in image.info


def test_a_broken_or_mismatched_profile_is_ignored() -> None:
    for profile in (b"not a profile at all", icc.cmyk_profile()):  # garbage; CMYK on RGB pixels
        image = render(encode(patches(), "PNG", icc_profile=profile), "png", width=200)
        assert patch_colours(image) == PATCHES


def test_cmyk_jpeg_is_converted_through_its_profile() -> None:
    # Inks alone (C, M, Y, K); with the profile they print as the press colours in icc.INKS,
    # which Pillow's naive formula (cyan → 0, 255, 255) would not give.
    cmyk = Image.new("CMYK", (400, 100))
    for index, ink in enumerate(((255, 0, 0, 0), (0, 255, 0, 0), (0, 0, 255, 0), (0, 0, 0, 255))):
        cmyk.paste(ink, (index * 100, 0, (index + 1) * 100, 100))
    image = render(encode(cmyk, "JPEG", quality=98, icc_profile=icc.cmyk_profile()), width=200)
    assert image.mode == "RGB" and "icc_profile" not in image.info
    for actual, expected in zip(patch_colours(image), icc.INKS.values(), strict=True):
        assert close(actual, expected, 6), (actual, expected)


def test_plain_and_adobe_inverted_cmyk_jpegs_both_decode_right() -> None:
    cyan = Image.new("CMYK", (64, 64), (255, 0, 0, 0))
    adobe = encode(cyan, "JPEG", quality=98)  # libjpeg writes Adobe APP14 and inverted values
    assert b"\xff\xee\x00\x0eAdobe" in adobe[:300]
    # A plain CMYK JPEG (no APP14, values as they are): Pillow would read it inverted.
    inverted = Image.new("CMYK", (64, 64), (0, 255, 255, 255))
    plain = strip_adobe_marker(encode(inverted, "JPEG", quality=98))
    for data in (adobe, plain):
        assert close(render(data, "png", width=32).convert("RGB").getpixel((16, 16)), (0, 255, 255), 6)


def strip_adobe_marker(data: bytes) -> bytes:
    start = data.index(b"\xff\xee")
    length = int.from_bytes(data[start + 2 : start + 4], "big")
    return data[:start] + data[start + 2 + length :]


def test_grey_with_a_grey_profile_stays_grey() -> None:
    gray_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc.grey_profile(gamma=1.0))).tobytes()
    image = render(encode(Image.new("L", (64, 64), 128), "PNG", icc_profile=gray_profile), "png", width=32)
    assert image.mode == "L"
    # Linear grey 128/255 is sRGB 188: the profile was applied, and the result is still grey.
    assert abs(image.getpixel((16, 16)) - round(icc.linear_to_srgb(128 / 255) * 255)) <= 1


# -- input modes ---------------------------------------------------------------------------------


def test_grey_with_alpha_keeps_both() -> None:
    la = Image.new("LA", (100, 100), (90, 255))
    la.paste((90, 0), (0, 0, 50, 100))
    image = render(encode(la, "PNG"), "png", width=50)
    assert image.mode in ("LA", "P") and image.convert("LA").getpixel((40, 25)) == (90, 255)
    assert image.convert("LA").getpixel((5, 25))[1] == 0
    flat = render(encode(la, "PNG"), "jpg", width=50)
    assert flat.mode == "L" and abs(flat.getpixel((5, 25)) - 255) <= 3 and abs(flat.getpixel((40, 25)) - 90) <= 3


def test_rgba_to_jpeg_is_flattened_on_the_background() -> None:
    rgba = Image.new("RGBA", (100, 100), (255, 0, 0, 128))
    image = render(encode(rgba, "PNG"), "jpg", width=50, background="0000ff")
    assert image.mode == "RGB" and close(image.getpixel((25, 25)), (128, 0, 127), 4)


def test_palette_is_resampled_in_rgb_not_by_index() -> None:
    # Index 0 black, 1 white, 2 red: nearest-neighbour on indices could only give those three.
    palette = Image.new("P", (100, 10), 0)
    palette.putpalette([0, 0, 0, 255, 255, 255, 255, 0, 0])
    palette.paste(1, (50, 0, 100, 10))
    image = render(encode(palette, "PNG"), "png", width=33).convert("RGB")
    middle = image.getpixel((16, 1))
    assert 40 <= middle[0] <= 215 and middle[0] == middle[1] == middle[2]  # a grey, not red


def test_sixteen_bit_grey_with_alpha() -> None:
    import struct
    import zlib

    row = b"\x00" + struct.pack(">HH", 32768, 65535) * 8
    header = struct.pack(">IIBBBBB", 8, 8, 16, 4, 0, 0, 0)  # colour type 4: grey + alpha

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * 8)) + chunk(b"IEND", b"")
    image = render(data, "png", width=4).convert("LA")
    assert abs(image.getpixel((2, 2))[0] - 128) <= 1 and image.getpixel((2, 2))[1] == 255
