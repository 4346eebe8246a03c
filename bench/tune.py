"""The measurements behind the encoder defaults: `.venv/bin/python bench/tune.py MODE`.

MODE is jpg, webp, avif, aom (libaom options beyond Pillow's own, at our AVIF settings), webpconfig
(libwebp's WebPConfig, which Pillow does not expose, through `pip install webp==0.4.0`), quality or
headroom.

For one format, encodes the benchmark originals (bench/quality.py) at 640 px with each variant of
the encoder settings over a range of qualities, and prints each variant's bytes at equal SSIM
relative to the first (median over images, at SSIM 0.90, 0.93 and 0.96) and its one-thread encode
time at 400 px. `headroom` prints, for outputs less than LANCZOS_HEADROOM below a JPEG DCT scale,
the SSIM of decoding at that scale (as thumbor does) and at the next finer one (as resizer does).
`quality` prints the median SSIM and size of each format's default-quality candidates over all
originals and widths, which is how the default qualities were matched.
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

from resizer.imaging import encoders  # noqa: E402

Variant = dict[str, object] | Callable[[Image.Image, int], bytes]  # Pillow save options, or an encoder
FILES = ("BytheWater.jpg", "Kite.jpg", "Path.jpg", "ColorfulCups.jpg", "text.png", "gradient.png")
QUALITIES = {"jpg": (40, 55, 70, 80, 88, 94), "webp": (40, 55, 70, 80, 88, 94), "avif": (30, 40, 50, 60, 70, 80)}
QUALITIES["aom"], QUALITIES["webpconfig"] = QUALITIES["avif"], QUALITIES["webp"]
PIL_FORMATS = {"jpg": "JPEG", "webp": "WEBP", "avif": "AVIF", "aom": "AVIF", "webpconfig": "WEBP"}
TABLES = encoders.JPEG_TABLES
VARIANTS: dict[str, dict[str, Variant]] = {
    "jpg": {
        "libjpeg tables, baseline, 4:2:0": {"optimize": True},
        "libjpeg tables, progressive, 4:2:0": {"optimize": True, "progressive": True},
        "libjpeg tables, progressive, 4:4:4": {"optimize": True, "progressive": True, "subsampling": "4:4:4"},
        "our tables, progressive, 4:2:0": {"optimize": True, "progressive": True, "qtables": TABLES},
        **{
            f"our tables, progressive, 4:2:0, smooth {smooth}": {
                "optimize": True,
                "progressive": True,
                "qtables": TABLES,
                "smooth": smooth,
            }
            for smooth in (10, 20, 35)
        },
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
    "aom": {
        name: {"speed": encoders.AVIF_SPEED, "subsampling": "4:4:4", "advanced": {"tune": "ssim", **options}}
        for name, options in {
            "ours (speed 7, 4:4:4, tune=ssim)": {},
            "enable-qm=1": {"enable-qm": "1"},
            "enable-chroma-deltaq=1": {"enable-chroma-deltaq": "1"},
            "enable-qm=1, enable-chroma-deltaq=1": {"enable-qm": "1", "enable-chroma-deltaq": "1"},
            "sharpness=2": {"sharpness": "2"},
            "deltaq-mode=0": {"deltaq-mode": "0"},
            "aq-mode=1": {"aq-mode": "1"},
        }.items()
    },
}


def webp_config(**fields: int) -> Callable[[Image.Image, int], bytes]:
    """libwebp with WebPConfig fields set (sns_strength, filter_strength, …), method 4 as ours."""

    def encode(image: Image.Image, quality: int) -> bytes:
        import webp  # only this mode needs it

        config = webp.WebPConfig.new(quality=quality)
        config.method = encoders.WEBP_METHOD
        for field, value in fields.items():
            setattr(config.ptr, field, value)
        return webp.WebPPicture.from_pil(image).encode(config).buffer()

    return encode


VARIANTS["webpconfig"] = {
    "Pillow, method 4 (ours)": {"method": encoders.WEBP_METHOD},
    "libwebp defaults (sns 50, filter 60)": webp_config(),
    "sns_strength 0": webp_config(sns_strength=0),
    "sns_strength 80": webp_config(sns_strength=80),
    "sns_strength 100": webp_config(sns_strength=100),
    "preset photo (sns 80, filter 30, sharpness 3)": webp_config(
        sns_strength=80, filter_strength=30, filter_sharpness=3
    ),
    "sns_strength 80, autofilter": webp_config(sns_strength=80, autofilter=1),
    "segments 1": webp_config(segments=1),
}


def encoded(image: Image.Image, fmt: str, quality: int, params: Variant, **extra: object) -> bytes:
    if callable(params):
        return params(image, quality)
    out = io.BytesIO()
    image.save(out, PIL_FORMATS[fmt], quality=quality, **params, **extra)
    return out.getvalue()


def flat(image: Image.Image) -> Image.Image:
    if image.mode != "RGBA":
        return image.convert("RGB")
    return Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")


def curve(image: Image.Image, fmt: str, params: Variant) -> list[bench.Sample]:
    points = []
    for q in QUALITIES[fmt]:
        body = encoded(image, fmt, q, params)
        points.append(
            bench.Sample("v", "", image.width, fmt, q, len(body), bench.ssim(image, Image.open(io.BytesIO(body))))
        )
    return points


def encode_ms(images: list[Image.Image], fmt: str, params: Variant) -> float:
    times = []
    for image in images:
        for _ in range(3):
            started = time.perf_counter()
            encoded(image, fmt, QUALITIES[fmt][3], params, max_threads=1)
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


def headroom() -> None:
    """What shrink-on-load onto (almost) the target size costs in SSIM against a full decode."""

    def render(path: Path, width: int, denominator: int) -> Image.Image:
        image = Image.open(path)
        if denominator > 1:
            image.draft(image.mode, (image.width // denominator, image.height // denominator))
        height = round(image.height * width / image.width)
        return image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)

    print("| original | width | DCT scale ÷ width | SSIM at that scale | at the next finer |")
    print("|---|---|---|---|---|")
    for name in bench.WALLPAPERS:
        path = bench.ORIGINALS / f"{name}.jpg"
        for denominator in (8, 4):
            scaled = Image.open(path).width // denominator
            for ratio in (1.24, 1.12, 1.01):
                width = int(scaled / ratio)
                reference = bench.reference(path, width)
                coarse, fine = (bench.ssim(reference, render(path, width, d)) for d in (denominator, denominator // 2))
                print(f"| {name} | {width} | {ratio} | {coarse:.4f} | {fine:.4f} |", flush=True)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "quality"
    bench.prepare()
    {"quality": qualities, "headroom": headroom}.get(which, lambda: variants(which))()
