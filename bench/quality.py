"""Bytes and SSIM of resizer, thumbor and ipx on the same originals: `.venv/bin/python bench/quality.py`.

For real photographs (Debian's plasma-workspace-wallpapers, 2560×1600, fetched once with apt-get
download into bench/.cache) and generated cases (alpha, text and line art, gradients), renders
320/640/1280-wide JPEG, WebP and AVIF with each tool, and compares every output against a
high-quality reference downscale of the original (Pillow Lanczos from the full-size decode).

Fair comparison: resizer is measured at its default quality; each peer is swept over qualities and
its bytes are interpolated at resizer's SSIM (log bytes, linear in SSIM). So "saving" is how many
fewer bytes resizer spends for the same SSIM. The peers' own defaults are reported too.
Writes bench/out/quality.json and prints the markdown tables for docs/quality.md.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import math
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]

import peers  # noqa: E402

from resizer.core.policy import Limits  # noqa: E402
from resizer.core.spec import RenditionSpec  # noqa: E402
from resizer.imaging import pipeline  # noqa: E402

ORIGINALS = peers.CACHE / "originals"
OUT = BENCH / "out"
WIDTHS = (320, 640, 1280)
FORMATS = ("jpg", "webp", "avif")
# Each peer's qualities, wide enough to bracket resizer's SSIM at its defaults.
SWEEPS = {
    "jpg": (30, 45, 60, 70, 80, 88, 95),
    "webp": (30, 45, 60, 70, 80, 88, 95),
    "avif": (20, 35, 50, 60, 70, 80, 90),
}
WALLPAPERS = ("BytheWater", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf", "Kite", "OneStandsOut", "Path")
GENERATED = ("alpha.png", "text.png", "gradient.png")


# -- originals -----------------------------------------------------------------------------------


def prepare() -> list[str]:
    """The originals, made once: wallpapers (sRGB profiles stripped, see `strip_icc`) and generated."""
    ORIGINALS.mkdir(parents=True, exist_ok=True)
    missing = [name for name in WALLPAPERS if not (ORIGINALS / f"{name}.jpg").exists()]
    if missing:
        extract_wallpapers(missing)
    for name, make in (("alpha.png", alpha_case), ("text.png", text_case), ("gradient.png", gradient_case)):
        if not (ORIGINALS / name).exists():
            make().save(ORIGINALS / name)
    return [f"{name}.jpg" for name in WALLPAPERS] + list(GENERATED)


def extract_wallpapers(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["apt-get", "download", "plasma-workspace-wallpapers"], cwd=tmp, check=True)
        deb = next(Path(tmp).glob("*.deb"))
        subprocess.run(["dpkg-deb", "-x", deb, Path(tmp) / "x"], check=True)
        for name in names:
            source = Path(tmp) / "x/usr/share/wallpapers" / name / "contents/images/2560x1600.jpg"
            (ORIGINALS / f"{name}.jpg").write_bytes(strip_icc(source.read_bytes()))


def strip_icc(jpeg: bytes) -> bytes:
    """Drop APP2 ICC segments, losslessly. These wallpapers' profiles are all sRGB; thumbor would
    copy them into every output (≈3 KB) and the others would not, which measures metadata policy
    rather than compression."""
    out, pos = bytearray(jpeg[:2]), 2
    while pos < len(jpeg) and jpeg[pos] == 0xFF and jpeg[pos + 1] != 0xDA:
        length = int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
        segment = jpeg[pos : pos + 2 + length]
        if not (jpeg[pos + 1] == 0xE2 and segment[4:16] == b"ICC_PROFILE\0"):
            out += segment
        pos += 2 + length
    return bytes(out + jpeg[pos:])


def alpha_case() -> Image.Image:
    """Anti-aliased shapes with soft shadows on transparency (a logo or product cut-out)."""
    scale = 4
    image = Image.new("RGBA", (2560, 1600), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for index, colour in enumerate(((220, 40, 60), (30, 140, 220), (250, 190, 20), (40, 170, 90))):
        x = 200 + index * 560
        draw.ellipse((x, 300, x + 500, 800), fill=(*colour, 255))
        draw.rounded_rectangle((x + 40, 900, x + 460, 1300), 60, fill=(*colour, 160))
    small = image.resize((2560 // scale, 1600 // scale), Image.Resampling.BOX)
    shadow = small.resize((2560, 1600), Image.Resampling.BICUBIC)
    return Image.alpha_composite(shadow, image)


def text_case() -> Image.Image:
    """Text in several sizes and thin lines on white: what JPEG rings around and 4:2:0 smears."""
    image = Image.new("RGB", (2560, 1600), "white")
    draw = ImageDraw.Draw(image)
    y = 40
    for size, colour in ((120, "black"), (72, (200, 20, 20)), (48, (20, 20, 160)), (32, "black"), (24, (0, 120, 0))):
        font = ImageFont.load_default(size)
        for _ in range(2):
            draw.text((60, y), "Resizer 0123456789 The quick brown fox jumps over the lazy dog", font=font, fill=colour)
            y += int(size * 1.4)
    for x in range(60, 2500, 24):
        draw.line((x, 1150, x + 400, 1560), fill=(0, 0, 0), width=2)
    return image


def gradient_case() -> Image.Image:
    """Smooth two-dimensional colour gradients, where banding shows first."""
    horizontal = Image.linear_gradient("L").rotate(90).resize((2560, 1600))
    vertical = Image.linear_gradient("L").resize((2560, 1600))
    radial = Image.radial_gradient("L").resize((2560, 1600))
    return Image.merge("RGB", (horizontal, vertical, radial))


# -- measuring -----------------------------------------------------------------------------------


@dataclass
class Sample:
    tool: str
    image: str
    width: int
    format: str
    quality: int | None  # None: the tool's default
    bytes: int
    ssim: float


def reference(path: Path, width: int) -> Image.Image:
    original = Image.open(path)
    original.load()
    height = round(original.height * width / original.width)
    return original.resize((width, height), Image.Resampling.LANCZOS)


def as_planes(image: Image.Image) -> list[np.ndarray]:
    """RGB planes; with alpha, composited on white and on black (alpha errors show on one of them)."""
    if "A" not in image.getbands() and "transparency" not in image.info:
        return [np.asarray(image.convert("RGB"), dtype=np.float64)]
    rgba = image.convert("RGBA")
    planes = []
    for background in ((255, 255, 255, 255), (0, 0, 0, 255)):
        base = Image.new("RGBA", rgba.size, background)
        planes.append(np.asarray(Image.alpha_composite(base, rgba).convert("RGB"), dtype=np.float64))
    return planes


def ssim(a: Image.Image, b: Image.Image) -> float:
    """Mean SSIM (Wang et al. 2004) over RGB, 7×7 uniform windows (scikit-image's defaults)."""
    if a.size != b.size:
        b = b.resize(a.size, Image.Resampling.LANCZOS)
    planes_a, planes_b = as_planes(a), as_planes(b)
    if len(planes_a) != len(planes_b):  # JPEG of a transparent original: flattened on white by all
        planes_a, planes_b = planes_a[:1], planes_b[:1]
    scores = [_ssim_plane(x[..., c], y[..., c]) for x, y in zip(planes_a, planes_b, strict=True) for c in range(3)]
    return float(np.mean(scores))


def _ssim_plane(x: np.ndarray, y: np.ndarray, window: int = 7) -> float:
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def mean(values: np.ndarray) -> np.ndarray:
        padded = np.pad(values, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
        w = window
        return (padded[w:, w:] - padded[:-w, w:] - padded[w:, :-w] + padded[:-w, :-w]) / (w * w)

    n = window * window
    mx, my = mean(x), mean(y)
    vx = (mean(x * x) - mx * mx) * n / (n - 1)
    vy = (mean(y * y) - my * my) * n / (n - 1)
    cov = (mean(x * y) - mx * my) * n / (n - 1)
    score = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(score.mean())


def resizer_render(file: str, width: int, fmt: str, quality: int | None) -> bytes:
    spec = RenditionSpec(file, width=width, quality=quality)
    return pipeline.render((ORIGINALS / file).read_bytes(), spec, fmt, Limits()).body


def http_render(peer: peers.Running) -> Callable[[str, int, str, int | None], bytes]:
    def render(file: str, width: int, fmt: str, quality: int | None) -> bytes:
        with urllib.request.urlopen(peer.url(file, width, fmt, quality), timeout=120) as response:
            return response.read()

    return render


# Outputs kept for the side-by-side picture: (image, format, crop box in the 640 px rendition).
CROPS = (
    ("EveningGlow.jpg", "jpg", (300, 180, 460, 280)),
    ("text.png", "webp", (20, 175, 180, 275)),
    ("ColorfulCups.jpg", "avif", (240, 150, 400, 250)),
)
KEPT: dict[tuple[str, str, str], bytes] = {}


def measure(tool: str, render: Callable, files: list[str], qualities: Callable[[str], list]) -> list[Sample]:
    samples = []
    for file in files:
        for width in WIDTHS:
            ref = reference(ORIGINALS / file, width)
            for fmt in FORMATS:
                for quality in qualities(fmt):
                    body = render(file, width, fmt, quality)
                    if width == 640 and quality is None:
                        KEPT[(tool, file, fmt)] = body
                    out = Image.open(io.BytesIO(body))
                    samples.append(Sample(tool, file, width, fmt, quality, len(body), ssim(ref, out)))
        print(f"  {tool}: {file} done", file=sys.stderr)
    return samples


# -- comparing -----------------------------------------------------------------------------------


def bytes_at(curve: list[Sample], target: float) -> tuple[float, bool]:
    """A peer's bytes at SSIM `target`, interpolated in log bytes; False when outside its sweep."""
    points = sorted((s.ssim, math.log(s.bytes)) for s in curve)
    if target <= points[0][0]:
        return math.exp(points[0][1]), target >= points[0][0] - 1e-4
    for (s0, b0), (s1, b1) in itertools.pairwise(points):
        if s0 <= target <= s1:
            t = 0 if s1 == s0 else (target - s0) / (s1 - s0)
            return math.exp(b0 + t * (b1 - b0)), True
    return math.exp(points[-1][1]), False


def compare(samples: list[Sample], tools: list[str]) -> dict:
    ours = [s for s in samples if s.tool == "resizer" and s.quality is None]
    rows = {}
    for fmt in FORMATS:
        cases = [s for s in ours if s.format == fmt]
        row = {"resizer_bytes": statistics.median(s.bytes for s in cases), "resizer_ssim": _median_ssim(cases)}
        for tool in tools:
            savings, outside = [], 0
            for case in cases:
                key = (tool, case.image, case.width, fmt)
                curve = [s for s in samples if s.quality is not None and (s.tool, s.image, s.width, s.format) == key]
                matched, inside = bytes_at(curve, case.ssim)
                outside += not inside
                savings.append(1 - case.bytes / matched)
            defaults = [s for s in samples if s.tool == tool and s.quality is None and s.format == fmt]
            row[tool] = {
                "median_saving": statistics.median(savings),
                "outside_sweep": outside,
                "default_bytes": statistics.median(s.bytes for s in defaults),
                "default_ssim": _median_ssim(defaults),
            }
        rows[fmt] = row
    return rows


def _median_ssim(samples: list[Sample]) -> float:
    return statistics.median(s.ssim for s in samples)


def per_image(samples: list[Sample], tools: list[str]) -> list[str]:
    """Markdown: bytes (SSIM) at each tool's default, per image and format, at 640 px."""
    lines = ["| image | format | " + " | ".join(["resizer", *tools]) + " |", "|---|---|" + "---|" * (1 + len(tools))]
    defaults = {(s.tool, s.image, s.format): s for s in samples if s.quality is None and s.width == 640}
    for image in sorted({s.image for s in samples}):
        for fmt in FORMATS:
            cells = [defaults.get((tool, image, fmt)) for tool in ["resizer", *tools]]
            text = [f"{c.bytes / 1024:.1f} KB ({c.ssim:.4f})" if c else "–" for c in cells]
            lines.append(f"| {image} | {fmt} | " + " | ".join(text) + " |")
    return lines


def summary(rows: dict, tools: list[str]) -> list[str]:
    head = "| format | resizer median bytes (SSIM) | " + " | ".join(
        f"{t} default bytes (SSIM) | saving vs {t} at equal SSIM" for t in tools
    )
    lines = [head + " |", "|---|---|" + "---|---|" * len(tools)]
    for fmt, row in rows.items():
        cells = [f"{row['resizer_bytes'] / 1024:.1f} KB ({row['resizer_ssim']:.4f})"]
        for tool in tools:
            r = row[tool]
            note = f", {r['outside_sweep']} outside sweep" if r["outside_sweep"] else ""
            cells.append(f"{r['default_bytes'] / 1024:.1f} KB ({r['default_ssim']:.4f})")
            cells.append(f"{r['median_saving'] * 100:+.1f} %{note}")
        lines.append(f"| {fmt} | " + " | ".join(cells) + " |")
    return lines


def side_by_side(tools: list[str], path: Path) -> None:
    """A PNG of crops, 2× enlarged (nearest): the reference, then each tool at its default."""
    zoom, label = 2, 16
    columns = ["reference", *tools]
    cell = (160 * zoom, 100 * zoom + label)
    sheet = Image.new("RGB", (cell[0] * len(columns), cell[1] * len(CROPS)), "white")
    draw = ImageDraw.Draw(sheet)
    for row, (file, fmt, box) in enumerate(CROPS):
        for column, tool in enumerate(columns):
            if tool == "reference":
                image, caption = reference(ORIGINALS / file, 640), f"{file} reference"
            elif (tool, file, fmt) in KEPT:
                body = KEPT[(tool, file, fmt)]
                image, caption = Image.open(io.BytesIO(body)), f"{tool} {fmt} {len(body) / 1024:.1f} KB"
            else:
                continue
            flat = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA"))
            crop = flat.convert("RGB").crop(box).resize((160 * zoom, 100 * zoom), Image.Resampling.NEAREST)
            x, y = column * cell[0], row * cell[1]
            sheet.paste(crop, (x, y + label))
            draw.text((x + 4, y + 2), caption, fill="black")
    sheet.save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", default="thumbor,ipx", help="comma list of peers (thumbor, ipx)")
    parser.add_argument("--images", type=int, default=None, help="only the first N originals (quick look)")
    parser.add_argument("--files", default="", help="comma list: only these originals (e.g. text.png)")
    parser.add_argument("--no-sweep", action="store_true", help="peers at their defaults only (no saving column)")
    parser.add_argument("--crops", type=Path, default=OUT / "quality-crops.png", help="side-by-side PNG to write")
    args = parser.parse_args()
    files = [f for f in prepare()[: args.images] if not args.files or f in args.files.split(",")]
    tools = [t for t in args.peers.split(",") if t]
    samples = measure("resizer", resizer_render, files, lambda fmt: [None])
    for tool in tools:
        with peers.PEERS[tool](ORIGINALS) as peer:
            sweep = (lambda fmt: [None]) if args.no_sweep else (lambda fmt: [None, *SWEEPS[fmt]])
            samples += measure(tool, http_render(peer), files, sweep)
    OUT.mkdir(exist_ok=True)
    (OUT / "quality.json").write_text(json.dumps([asdict(s) for s in samples], indent=1))
    side_by_side(["resizer", *tools], args.crops)
    if not args.no_sweep:
        print("\n".join(summary(compare(samples, tools), tools)))
        print()
    print("\n".join(per_image(samples, tools)))


if __name__ == "__main__":
    main()
