"""Generated PNG originals with few colours (a logo, a screenshot, icons) and a photo-like one.

Shapes are drawn at 4× and box-filtered down, so their edges are anti-aliased as a designer's
export would be. Shared by tests/test_png_palette.py and bench/png_palette.py.
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter, ImageFont

SUPERSAMPLING = 4


Drawing = Callable[[ImageDraw.ImageDraw, int], None]  # draws at a scale of k


def supersampled(size: tuple[int, int], mode: str, background: tuple, draw: Drawing) -> Image.Image:
    k = SUPERSAMPLING
    large = Image.new(mode, (size[0] * k, size[1] * k), background)
    draw(ImageDraw.Draw(large), k)
    return large.resize(size, Image.Resampling.BOX)


def logo(size: tuple[int, int] = (1200, 600)) -> Image.Image:
    """Five flat colours on white with anti-aliased edges (97 colours in all)."""

    def draw(d: ImageDraw.ImageDraw, k: int) -> None:
        d.ellipse((80 * k, 80 * k, 520 * k, 520 * k), fill=(32, 96, 200))
        d.ellipse((180 * k, 180 * k, 420 * k, 420 * k), fill=(255, 255, 255))
        d.polygon([(300 * k, 120 * k), (480 * k, 460 * k), (120 * k, 460 * k)], fill=(240, 160, 30))
        d.rounded_rectangle((600 * k, 200 * k, 1120 * k, 400 * k), 60 * k, fill=(40, 40, 48))
        d.line((620 * k, 470 * k, 1100 * k, 520 * k), fill=(220, 50, 70), width=14 * k)

    return supersampled(size, "RGB", (255, 255, 255), draw)


def screenshot(size: tuple[int, int] = (1280, 800)) -> Image.Image:
    """Flat panels, a button and lines of anti-aliased text, as a screen capture has."""
    image = Image.new("RGB", size, (246, 247, 249))
    d = ImageDraw.Draw(image)
    d.rectangle((0, 0, size[0], 56), fill=(36, 41, 47))
    d.rectangle((0, 56, 240, size[1]), fill=(230, 233, 238))
    small, large = ImageFont.load_default(15), ImageFont.load_default(26)
    d.text((20, 14), "resizer · dashboard", font=large, fill=(255, 255, 255))
    for line in range(14):
        d.text((20, 80 + line * 30), f"Menu item {line}", font=small, fill=(60, 66, 76))
    for line in range(20):
        text = f"The quick brown fox jumps over the lazy dog 0123456789 ({line})"
        d.text((270, 80 + line * 34), text, font=small, fill=(24, 26, 30))
    d.rectangle((900, 90, 1240, 300), fill=(255, 255, 255), outline=(200, 205, 212))
    d.rectangle((920, 240, 1040, 280), fill=(46, 125, 220))
    d.text((936, 248), "Save", font=small, fill=(255, 255, 255))
    return image


def icon(size: int = 512) -> Image.Image:
    """An app icon on transparency: a rounded square, a glyph and a badge, anti-aliased edges."""

    def draw(d: ImageDraw.ImageDraw, k: int) -> None:
        d.rounded_rectangle((40 * k, 40 * k, 472 * k, 472 * k), 96 * k, fill=(88, 86, 214, 255))
        d.ellipse((150 * k, 150 * k, 362 * k, 362 * k), outline=(255, 255, 255, 255), width=28 * k)
        d.line((320 * k, 320 * k, 420 * k, 420 * k), fill=(255, 255, 255, 255), width=36 * k)
        d.ellipse((400 * k, 20 * k, 500 * k, 120 * k), fill=(240, 60, 60, 255))

    return supersampled((size, size), "RGBA", (0, 0, 0, 0), draw)


def shadowed_icon(size: int = 512) -> Image.Image:
    """The icon over a soft drop shadow: a smooth alpha ramp, where a coarse palette bands."""
    shape = icon(size)
    shadow = Image.new("RGBA", shape.size, (0, 0, 0, 0))
    shadow.putalpha(shape.getchannel("A").point(lambda a: a * 90 // 255).filter(ImageFilter.GaussianBlur(12)))
    out = Image.new("RGBA", shape.size, (0, 0, 0, 0))
    out.alpha_composite(shadow, (0, 8))
    out.alpha_composite(shape)
    return out


def photo_like(size: tuple[int, int] = (1600, 1000)) -> Image.Image:
    """Smooth two-dimensional colour gradients under fine grain: where a palette bands."""
    horizontal = Image.linear_gradient("L").rotate(90).resize(size)
    vertical = Image.linear_gradient("L").resize(size)
    radial = Image.radial_gradient("L").resize(size)
    smooth = Image.merge("RGB", (horizontal, vertical, radial))
    noise = Image.effect_noise((size[0] // 4, size[1] // 4), 40).resize(size, Image.Resampling.BICUBIC)
    return Image.blend(smooth, Image.merge("RGB", [noise] * 3), 0.25)
