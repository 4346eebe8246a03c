"""The measurements behind the encoder defaults: `.venv/bin/python bench/tune.py jpg|webp|avif|quality`.

For one format, encodes the benchmark originals (bench/quality.py) at 640 px with each variant of
the encoder settings over a range of qualities, and prints each variant's bytes at equal SSIM
relative to the first (median over images, at SSIM 0.90, 0.93 and 0.96) and its one-thread encode
time at 400 px. `quality` prints the median SSIM and size of each format's default-quality
candidates over all originals and widths, which is how the default qualities were matched.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

import quality as bench  # noqa: E402

from resizer import encoders  # noqa: E402

Variant = dict[str, object]
FILES = ("BytheWater.jpg", "Kite.jpg", "Path.jpg", "ColorfulCups.jpg", "text.png", "gradient.png")
QUALITIES = {"jpg": (40, 55, 70, 80, 88, 94), "webp": (40, 55, 70, 80, 88, 94), "avif": (30, 40, 50, 60, 70, 80)}
PIL_FORMATS = {"jpg": "JPEG", "webp": "WEBP", "avif": "AVIF"}
TABLES = encoders.JPEG_TABLES
VARIANTS: dict[str, dict[str, Variant]] = {
    "jpg": {
        "libjpeg tables, baseline, 4:2:0": {"optimize": True},
        "libjpeg tables, progressive, 4:2:0": {"optimize": True, "progressive": True},
        "libjpeg tables, progressive, 4:4:4": {"optimize": True, "progressive": True, "subsampling": "4:4:4"},
        "our tables, progressive, 4:2:0": {"optimize": True, "progressive": True, "qtables": TABLES},
    },
    "webp": {f"method {m}": {"method": m} for m in (4, 5, 6)},
    "avif": {
        f"speed {speed}, {sub}{', tune=ssim' if tune else ''}": {
            "speed": speed,
            "subsampling": sub,
            **({"advanced": {"tune": "ssim"}} if tune else {}),
        }
        for speed in (8, 7, 6)
        for sub in ("4:2:0", "4:4:4")
        for tune in (False, True)
    },
}


def flat(image: Image.Image) -> Image.Image:
    if image.mode != "RGBA":
        return image.convert("RGB")
    return Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")


def curve(image: Image.Image, fmt: str, params: Variant) -> list[bench.Sample]:
    points = []
    for q in QUALITIES[fmt]:
        out = io.BytesIO()
        image.save(out, PIL_FORMATS[fmt], quality=q, **params)
        decoded = Image.open(io.BytesIO(out.getvalue()))
        points.append(bench.Sample("v", "", image.width, fmt, q, len(out.getvalue()), bench.ssim(image, decoded)))
    return points


def encode_ms(images: list[Image.Image], fmt: str, params: Variant) -> float:
    times = []
    for image in images:
        for _ in range(3):
            started = time.perf_counter()
            image.save(io.BytesIO(), PIL_FORMATS[fmt], quality=QUALITIES[fmt][3], max_threads=1, **params)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def variants(fmt: str) -> None:
    images = {f: flat(bench.reference(bench.ORIGINALS / f, 640)) for f in FILES}
    small = [image.resize((400, 250), Image.Resampling.LANCZOS) for image in images.values()][:3]
    curves = {}
    print(f"| {fmt} variant | bytes at SSIM 0.90 | 0.93 | 0.96 | encode 400 px, 1 thread |")
    print("|---|---|---|---|---|")
    for name, params in VARIANTS[fmt].items():
        curves[name] = {f: curve(image, fmt, params) for f, image in images.items()}
        base = next(iter(curves.values()))
        ratios = [relative(curves[name], base, target) for target in (0.90, 0.93, 0.96)]
        timing = encode_ms(small, fmt, params)  # max_threads: AVIF only; the others ignore it
        print(f"| {name} | " + " | ".join(f"{r:.3f}" for r in ratios) + f" | {timing:.1f} ms |", flush=True)


def relative(curves: dict[str, list], base: dict[str, list], target: float) -> float:
    return statistics.median(bench.bytes_at(curves[f], target)[0] / bench.bytes_at(base[f], target)[0] for f in FILES)


def qualities() -> None:
    cases = [(f, w, bench.reference(bench.ORIGINALS / f, w)) for f in bench.prepare() for w in bench.WIDTHS]

    def libjpeg(image: Image.Image, q: int) -> bytes:
        out = io.BytesIO()
        flat(image).save(out, "JPEG", quality=q, optimize=True)
        return out.getvalue()

    def ours(fmt: str) -> Callable[[Image.Image, int], bytes]:
        return lambda image, q: encoders.encode(flat(image) if fmt == "jpg" else image.copy(), fmt, q)

    print("| encoder | quality | median SSIM | mean SSIM | median size |")
    print("|---|---|---|---|---|")
    for label, encode, candidates in (
        ("libjpeg (the peers' default)", libjpeg, (80,)),
        ("resizer jpg", ours("jpg"), (76, 78, 80, 82)),
        ("resizer webp", ours("webp"), (76, 80, 84)),
        ("resizer avif", ours("avif"), (50, 55, 60)),
    ):
        for q in candidates:
            bodies = [(ref, encode(ref, q)) for _, _, ref in cases]
            scores = [bench.ssim(ref, Image.open(io.BytesIO(body))) for ref, body in bodies]
            size = statistics.median(len(body) for _, body in bodies) / 1024
            mean = statistics.mean(scores)
            print(f"| {label} | {q} | {statistics.median(scores):.4f} | {mean:.4f} | {size:.1f} KB |", flush=True)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "quality"
    bench.prepare()
    qualities() if which == "quality" else variants(which)
