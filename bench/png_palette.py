"""PNG bytes and encode time before and after palettes for few-coloured pictures:
`.venv/bin/python bench/png_palette.py [--runs N]`.

The demo's two PNGs (demo/images.py) and the generated set of tests/support/graphics.py, rendered
in-process at 150, 300 and 640 px wide (and at full size for the demo's), then encoded by the
previous PNG encoder (an exact palette when ≤ 256 colours do, else truecolour) and by the current
one (imaging/palette.py). The error columns compare the output with the truecolour pixels: mean
and 99.9th percentile of the per-channel difference of premultiplied RGBA, in levels of 255, and
SSIM (on white and on black for alpha; bench/quality.py's) when numpy is installed (`.[bench]`).
Encode times are medians of N runs, in CPU time: compare the two columns of one row. A second
table measures Floyd–Steinberg dithering against none (RGB only: Pillow dithers no RGBA palette).
Prints markdown tables for docs/quality.md.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo import images as demo
from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import colour, encoders, geometry, palette, pipeline
from tests.support import graphics

try:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from quality import ssim  # numpy: the bench extra
except ImportError:
    ssim = None

WIDTHS = (150, 300, 640)
LIMITS = Limits()


def originals() -> dict[str, tuple[bytes, tuple[int | None, ...]]]:
    """Name → (PNG bytes, widths); None is the full size."""
    demo_pngs = demo.encoded()
    generated = {
        "logo": graphics.logo(),
        "screenshot": graphics.screenshot(),
        "icon": graphics.icon(),
        "shadowed icon": graphics.shadowed_icon(),
        "photo-like": graphics.photo_like(),
    }
    out = {key.split("/")[-1]: (demo_pngs[key], (*WIDTHS, None)) for key in ("demo/badge.png", "demo/fractal.png")}
    for name, image in generated.items():
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        out[name] = (buffer.getvalue(), WIDTHS)
    return out


def truecolour(data: bytes, width: int | None) -> Image.Image:
    """The rendition's pixels as the encoder gets them (these originals are untagged sRGB)."""
    image = pipeline.open_image(data, LIMITS)
    spec = RenditionSpec("bench", width=width) if width else RenditionSpec("bench")
    plan = geometry.plan(pipeline.oriented_size(image), spec)
    return pipeline.resize(colour.normalize_mode(pipeline.decode(image, plan)), plan)


def previous(image: Image.Image) -> bytes:
    """The PNG encoder before palettes for few-coloured pictures."""
    return encoders.png_body(palette.exact(image))


def current(image: Image.Image) -> bytes:
    return encoders.encode(image.copy(), "png", None)


def timed(image: Image.Image, runs: int) -> tuple[bytes, bytes, float, float]:
    """Both encoders, alternately, in CPU time (a shared machine's other load does not count, and
    what is left of it, cache and clock, hits both alike). Pillow encodes on the calling thread."""
    before, after, before_ms, after_ms = set(), set(), [], []
    for _ in range(runs):
        for encode, bodies, times in ((previous, before, before_ms), (current, after, after_ms)):
            started = time.process_time()
            bodies.add(encode(image))
            times.append((time.process_time() - started) * 1000)
    assert len(before) == len(after) == 1, "the encoders must be deterministic"
    return before.pop(), after.pop(), statistics.median(before_ms), statistics.median(after_ms)


def errors(image: Image.Image, body: bytes) -> str:
    out = Image.open(io.BytesIO(body))
    if out.mode != "P":
        return "0 | 0 | 1"
    measured = palette.fidelity(image, out)
    similarity = f"{ssim(image, out.convert(image.mode)):.4f}" if ssim else "–"
    return f"{measured.mean:.2f} | {measured.tail} | {similarity}"


def bytes_table(pictures: dict, runs: int) -> list[str]:
    rows = [
        "| picture | width | colours | before | after | after/before | after is | mean err | 99.9 % err | SSIM "
        "| encode before | encode after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, (data, widths) in pictures.items():
        for width in widths:
            image = truecolour(data, width)
            before, after, before_ms, after_ms = timed(image, runs)
            distinct = image.getcolors(1 << 24)
            kind = Image.open(io.BytesIO(after)).mode
            rows.append(
                f"| {name} | {shown(width, image)} | {len(distinct or ())} | {len(before):,} "
                f"| {len(after):,} | {len(after) / len(before):.2f} | {'palette' if kind == 'P' else kind} "
                f"| {errors(image, after)} | {before_ms:.1f} ms | {after_ms:.1f} ms |"
            )
    return rows


def shown(width: int | None, image: Image.Image) -> str:
    if width is None:
        return f"full ({image.width})"
    return str(width) if width == image.width else f"{width} ({image.width}: never enlarged)"


def dithering_table(pictures: dict) -> list[str]:
    rows = [
        "| picture | width | undithered bytes | mean err | dithered bytes | mean err | dithered passes the gate |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ("fractal.png", "logo", "screenshot"):
        data, _ = pictures[name]
        for width in (300, 640):
            image = truecolour(data, width)
            plain = image.quantize(256, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
            dithered = image.quantize(palette=plain, dither=Image.Dither.FLOYDSTEINBERG)
            a, b = palette.fidelity(image, plain), palette.fidelity(image, dithered)
            rows.append(
                f"| {name} | {width} | {len(encoders.png_body(plain)):,} | {a.mean:.2f} "
                f"| {len(encoders.png_body(dithered)):,} | {b.mean:.2f} | {'yes' if b.faithful else 'no'} |"
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="encodes per picture and encoder (median)")
    args = parser.parse_args()
    pictures = originals()
    print("\n".join(bytes_table(pictures, args.runs)))
    print()
    print("\n".join(dithering_table(pictures)))


if __name__ == "__main__":
    main()
