"""The heaviest originals the source limits admit, one of each kind, for bench/corpus.py to measure:

    .venv/bin/python bench/at_limits.py OUT [--pixels 25000000] [--frames 100]
    .venv/bin/python bench/corpus.py OUT --fresh 40 --setting RESIZER_MAX_SOURCE_PIXELS=25000000 …

Public corpora hold few large files, and memory is decided by the largest: here every still is
just under `--pixels` (RESIZER_MAX_SOURCE_PIXELS) in each format and pixel layout the decoders
treat differently (JPEG baseline, progressive, CMYK, EXIF-rotated; PNG 8 and 16 bits, grey, palette;
GIF; WebP lossy and lossless; AVIF; HEIF), and animations hold `--frames` (RESIZER_MAX_FRAMES)
frames, either of a 1000×1000 canvas or of the largest canvas with two frames. Flat and
gradient content keeps every file far under RESIZER_MAX_SOURCE_BYTES, as an attacker's would be.
"""

from __future__ import annotations

import argparse
import io
import math
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

Maker = Callable[[tuple[int, int], int], bytes]


def picture(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Gradients and a grid of lines: cheap to compress, not flat enough for an encoder to skip."""
    width, height = size
    red = Image.linear_gradient("L").resize(size)
    green = Image.linear_gradient("L").rotate(90).resize(size)
    blue = Image.radial_gradient("L").resize(size)
    image = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 97):
        draw.line((x, 0, x, height), fill=(255, 255, 0), width=3)
    for y in range(0, height, 89):
        draw.line((0, y, width, y), fill=(0, 0, 0), width=2)
    if mode == "RGBA":
        image.putalpha(Image.linear_gradient("L").resize(size))
    return image if mode in ("RGB", "RGBA") else image.convert(mode)


def save(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def exif_rotated(size: tuple[int, int], _: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # served upright: the optimised rendition transposes every pixel
    return save(picture(size), "JPEG", quality=85, exif=exif.tobytes())


def png16(size: tuple[int, int], _: int) -> bytes:
    """16-bit RGBA, written as raw rows: Pillow saves no 16-bit colour PNG itself."""
    import zlib

    width, height = size
    row = bytes(range(256)) * (width * 8 // 256 + 1)
    rows = b"".join(b"\0" + row[: width * 8] for _ in range(height))
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([16, 6, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 6)) + _chunk(b"IEND")


def _chunk(kind: bytes, data: bytes = b"") -> bytes:
    import zlib

    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def heif(size: tuple[int, int], _: int) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return save(picture(size), "HEIF", quality=50)


def animation(fmt: str, canvas: tuple[int, int] | None) -> Maker:
    """`frames` distinct frames (Pillow merges identical ones) of a 1000×1000 canvas or of `canvas`."""

    def make(size: tuple[int, int], frames: int) -> bytes:
        shape = canvas or size
        count = frames if canvas else 2
        base = picture(shape).convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
        sequence = [base.point(lambda v, i=i: (v + i) % 64) for i in range(count)]
        if fmt == "GIF":
            return save(sequence[0], "GIF", save_all=True, append_images=sequence[1:], duration=40, loop=0)
        sequence = [frame.convert("RGB") for frame in sequence]
        extra = {"lossless": True, "method": 0} if fmt == "WEBP" else {"compress_level": 1}
        return save(sequence[0], fmt, save_all=True, append_images=sequence[1:], duration=40, loop=0, **extra)

    return make


KINDS: dict[str, Maker] = {
    "jpeg-baseline.jpg": lambda size, _: save(picture(size), "JPEG", quality=85),
    "jpeg-progressive.jpg": lambda size, _: save(picture(size), "JPEG", quality=85, progressive=True),
    "jpeg-cmyk.jpg": lambda size, _: save(picture(size, "CMYK"), "JPEG", quality=85),
    "jpeg-exif-rotated.jpg": exif_rotated,
    "png-rgb.png": lambda size, _: save(picture(size), "PNG", compress_level=9),
    "png-rgba.png": lambda size, _: save(picture(size, "RGBA"), "PNG", compress_level=9),
    "png-rgba16.png": png16,
    "png-grey16.png": lambda size, _: save(picture(size, "L").convert("I;16"), "PNG", compress_level=9),
    "png-palette.png": lambda size, _: save(picture(size, "P"), "PNG", transparency=0, compress_level=9),
    "gif-still.gif": lambda size, _: save(picture(size, "P"), "GIF"),
    "webp-lossy.webp": lambda size, _: save(picture(size), "WEBP", quality=80, method=0),
    "webp-lossless.webp": lambda size, _: save(picture(size, "RGBA"), "WEBP", lossless=True, method=0),
    "avif.avif": lambda size, _: save(picture(size), "AVIF", quality=40, speed=10),
    "heif.heic": heif,
    "anim-frames.gif": animation("GIF", (1000, 1000)),
    "anim-frames.png": animation("PNG", (1000, 1000)),
    "anim-frames.webp": animation("WEBP", (1000, 1000)),
    "anim-canvas.gif": animation("GIF", None),
    "anim-canvas.png": animation("PNG", None),
    "anim-canvas.webp": animation("WEBP", None),
}


def largest(pixels: int, aspect: float = 1.5, side_limit: int = 16383) -> tuple[int, int]:
    """The largest 3:2 size under `pixels` (and WebP's 16383 per side)."""
    height = min(side_limit, int(math.sqrt(pixels / aspect)))
    width = min(side_limit, pixels // height)
    return width, height


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--pixels", type=int, default=25_000_000, help="RESIZER_MAX_SOURCE_PIXELS")
    parser.add_argument("--frames", type=int, default=100, help="RESIZER_MAX_FRAMES")
    parser.add_argument("--only", nargs="*", help="these kinds only (file names above)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    size = largest(args.pixels)
    for name, make in KINDS.items():
        if args.only and name not in args.only:
            continue
        try:
            data = make(size, args.frames)
        except ImportError as exc:  # pillow-heif is optional (the heif extra)
            print(f"{name}: skipped ({exc})", file=sys.stderr)
            continue
        (args.out / name).write_bytes(data)
        print(f"{name}: {len(data) / (1 << 20):.1f} MiB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
