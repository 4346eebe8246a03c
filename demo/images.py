"""Sample originals for the demo, drawn with Pillow so the quick start needs no downloads."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFilter


def landscape(width: int = 3200, height: int = 2000) -> Image.Image:
    """A dusk landscape: graded sky, a sun, three ridges of hills."""
    sky = Image.linear_gradient("L").resize((width, height))
    top, bottom = (32, 44, 110), (250, 160, 90)
    bands = [sky.point(lambda v, a=a, b=b: a + (b - a) * v // 255) for a, b in zip(top, bottom, strict=True)]
    image = Image.merge("RGB", bands)
    draw = ImageDraw.Draw(image)
    sun = (int(width * 0.68), int(height * 0.52), int(height * 0.11))
    draw.ellipse((sun[0] - sun[2], sun[1] - sun[2], sun[0] + sun[2], sun[1] + sun[2]), fill=(255, 220, 150))
    for depth, colour in enumerate([(92, 60, 96), (60, 40, 74), (28, 22, 44)]):
        base = height * (0.55 + 0.14 * depth)
        points = [(0, height)]
        for x in range(0, width + 40, 40):
            wave = math.sin(x / width * (4 + 3 * depth) + depth) * 0.5 + math.sin(x / width * 17 + depth * 2) * 0.15
            points.append((x, base - wave * height * 0.12))
        points.append((width, height))
        draw.polygon(points, fill=colour)
    return image.filter(ImageFilter.GaussianBlur(1.2))


def fractal(width: int = 2400, height: int = 1600) -> Image.Image:
    """The Mandelbrot set, coloured."""
    grey = Image.effect_mandelbrot((width, height), (-2.2, -1.1, 1.1, 1.1), 120)
    red = grey.point(lambda v: min(255, v * 3))
    green = grey.point(lambda v: min(255, max(0, v * 2 - 40)))
    blue = grey.point(lambda v: 255 - v if v else 30)
    return Image.merge("RGB", [red, green, blue])


def badge(size: int = 1200) -> Image.Image:
    """A transparent PNG: rings and a star on a clear background."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for index, colour in enumerate([(224, 62, 82, 255), (250, 200, 60, 230), (60, 160, 220, 200)]):
        inset = size * (0.04 + index * 0.12)
        draw.ellipse((inset, inset, size - inset, size - inset), outline=colour, width=int(size * 0.05))
    centre, radius = size / 2, size * 0.2
    star = [
        (centre + radius * (1 if i % 2 == 0 else 0.45) * math.sin(i * math.pi / 5),
         centre - radius * (1 if i % 2 == 0 else 0.45) * math.cos(i * math.pi / 5))
        for i in range(10)
    ]  # fmt: skip
    draw.polygon(star, fill=(255, 255, 255, 255))
    return image


def portrait(width: int = 1800, height: int = 2400) -> Image.Image:
    """A tall dusk scene (the demo stores it sideways with EXIF orientation 6, as phones do)."""
    return landscape(width, height)


def encoded() -> dict[str, bytes]:
    """Key → bytes of each sample original."""
    out: dict[str, bytes] = {}
    buffer = io.BytesIO()
    landscape().save(buffer, "JPEG", quality=92)
    out["demo/dusk.jpg"] = buffer.getvalue()
    buffer = io.BytesIO()
    fractal().save(buffer, "PNG")
    out["demo/fractal.png"] = buffer.getvalue()
    buffer = io.BytesIO()
    badge().save(buffer, "PNG")
    out["demo/badge.png"] = buffer.getvalue()
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated 90° clockwise: viewers must rotate it back
    portrait().transpose(Image.Transpose.ROTATE_90).save(buffer, "JPEG", quality=90, exif=exif)
    out["demo/phone photo.jpg"] = buffer.getvalue()
    return out
