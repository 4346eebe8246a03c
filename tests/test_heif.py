"""HEIC/HEIF originals through pillow-heif (the `heif` extra, installed with the test extra)."""

from __future__ import annotations

from PIL import Image

from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import decoders, pipeline
from tests.support.images import close, decode, encode, quadrants

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def test_heif_is_on_the_decoder_allow_list_when_installed() -> None:
    import pillow_heif  # noqa: F401 - the test extra installs it; without it HEIF stays refused

    assert "HEIF" in decoders.allowed()


def test_heic_original_is_served_as_jpeg_by_default() -> None:
    original = encode(quadrants((400, 300)), "HEIF", quality=95)
    result = pipeline.render(original, RenditionSpec("k", width=200), None, Limits())
    image = decode(result.body)
    assert result.format == "jpg" and image.format == "JPEG" and image.size == (200, 150)
    rgb = image.convert("RGB")
    for point, colour in (((25, 19), RED), ((175, 19), GREEN), ((25, 131), BLUE), ((175, 131), WHITE)):
        assert close(rgb.getpixel(point), colour, 30), (point, rgb.getpixel(point))


def test_heic_with_alpha_defaults_to_png_and_keeps_it() -> None:
    rgba = Image.new("RGBA", (200, 100), (0, 0, 255, 255))
    rgba.paste((0, 0, 0, 0), (0, 0, 100, 100))
    result = pipeline.render(encode(rgba, "HEIF", quality=95), RenditionSpec("k", width=100), "webp", Limits())
    image = decode(result.body).convert("RGBA")
    assert image.getpixel((10, 25))[3] <= 8 and close(image.getpixel((90, 25)), (0, 0, 255, 255), 30)
    default = pipeline.render(encode(rgba, "HEIF", quality=95), RenditionSpec("k", width=100), None, Limits())
    assert default.format == "png"
