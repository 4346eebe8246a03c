"""What each effect costs beside a plain render: `.venv/bin/python bench/effects.py [RUNS] [PHOTO]`;
and how exact the fast blur and sharpen are: `.venv/bin/python bench/effects.py accuracy`.

In-process, the whole render (decode with shrink-on-load, resize, effect, encode to JPEG) of the
demo's dusk photo (3200×2000 JPEG, `PHOTO=dusk`, the default) or the benchmark's grainy photo
(4000×3000, `PHOTO=grain`, bench/render_time.py) at 400 and 1280 px wide. Every variant runs RUNS
times (default 15), round-robin so that a busy moment of the machine spreads over all of them;
the table shows each median and its cost over the plain render's. The watermark is prepared once
before timing, as a serving process has it after its first request of a size. `mb_` is set to
70 % of the plain render's bytes, so the encoder has to search. Pin it to one core for
comparable figures: `taskset -c 1 .venv/bin/python bench/effects.py`.

`accuracy` compares, on 400 and 1280 px renditions of the demo's dusk photo and fractal and the
grainy photo, bl_ (effects.gaussian: small separable kernels, a smaller copy from sigma 2) with
Pillow's GaussianBlur of the same sigma (PSNR, dB); the whole render with bl_ (which may decode
and resample more coarsely) with Pillow's GaussianBlur of the plain render, at 300 to 1280 px; and
the RMS of the Laplacian after sh_100 and after Pillow's UnsharpMask at radius 1 and 150 % with
the one before (×: what "doubles local contrast" means here), and sh_100 with the 3×3 kernel it
stands for (PSNR).
"""

from __future__ import annotations

import io
import math
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from render_time import photo  # noqa: E402

from demo.images import encoded, fractal, landscape  # noqa: E402
from resizer.core.policy import Limits  # noqa: E402
from resizer.core.spec import RenditionSpec  # noqa: E402
from resizer.core.watermarks import Watermark  # noqa: E402
from resizer.imaging import effects, pipeline  # noqa: E402
from resizer.imaging.overlay import Overlay  # noqa: E402

WIDTHS = (400, 1280)
LIMITS = Limits()


def logo() -> Overlay:
    """A 600×200 logo with soft transparency, placed as a site would: southeast, 80 % opaque."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((10, 10, 590, 190), radius=40, fill=(255, 255, 255, 160), outline=(20, 20, 20, 255), width=8)
    draw.ellipse((40, 40, 160, 160), fill=(224, 62, 82, 255))
    for index in range(5):
        draw.rectangle((200 + index * 75, 70, 250 + index * 75, 130), fill=(20, 20, 20, 230))
    return Overlay(Watermark("logo", "marks/logo.png", opacity=0.8), image)


def variants(width: int, plain_bytes: int) -> dict[str, RenditionSpec]:
    base = {"width": width}
    return {
        "plain": RenditionSpec("bench", **base),
        "bl_0.5": RenditionSpec("bench", **base, blur=Decimal("0.5")),
        "bl_0.6": RenditionSpec("bench", **base, blur=Decimal("0.6")),
        "bl_0.7": RenditionSpec("bench", **base, blur=Decimal("0.7")),
        "bl_1.4": RenditionSpec("bench", **base, blur=Decimal("1.4")),
        "bl_2": RenditionSpec("bench", **base, blur=Decimal(2)),
        "bl_20": RenditionSpec("bench", **base, blur=Decimal(20)),
        "sh_50": RenditionSpec("bench", **base, sharpen=50),
        "sh_100": RenditionSpec("bench", **base, sharpen=100),
        "px_16": RenditionSpec("bench", **base, pixelate=16),
        "wm_logo": RenditionSpec("bench", **base, watermark="logo"),
        "mb_70%": RenditionSpec("bench", **base, max_bytes=max(1024, plain_bytes * 7 // 10)),
    }


def timed(run: Callable[[], object]) -> float:
    """CPU time of this thread, in ms: the render's own work, not the time other processes on a
    shared machine held the core (wall time there varies by ±50 % from run to run)."""
    started = time.thread_time()
    run()
    return (time.thread_time() - started) * 1000


def measure(data: bytes, width: int, runs: int, mark: Overlay) -> dict[str, float]:
    plain_bytes = len(pipeline.render(data, RenditionSpec("bench", width), "jpg", LIMITS).body)
    specs = variants(width, plain_bytes)
    for spec in specs.values():  # warm: the mark's preparation for this size, Pillow's imports
        pipeline.render(data, spec, "jpg", LIMITS, mark)
    times: dict[str, list[float]] = {name: [] for name in specs}
    for _ in range(runs):
        for name, spec in specs.items():
            times[name].append(timed(lambda spec=spec: pipeline.render(data, spec, "jpg", LIMITS, mark)))
    return {name: statistics.median(values) for name, values in times.items()}


def psnr(image: Image.Image, reference: Image.Image) -> float:
    rms = ImageStat.Stat(ImageChops.difference(image, reference)).rms
    mse = sum(value * value for value in rms) / len(rms)
    return 10 * math.log10(255 * 255 / max(mse, 1e-9))


def laplacian_rms(image: Image.Image) -> float:
    """The RMS of the 4-neighbour Laplacian of the grey picture, unclipped (plain Python)."""
    grey = image.convert("L")
    width, px = grey.width, grey.tobytes()
    values = [
        px[i - 1] + px[i + 1] + px[i - width] + px[i + width] - 4 * px[i]
        for y in range(1, grey.height - 1)
        for i in range(y * width + 1, y * width + width - 1)
    ]
    mean = sum(values) / len(values)
    return math.sqrt(sum(v * v for v in values) / len(values) - mean * mean)


def accuracy() -> None:
    pictures = {"dusk": landscape(), "fractal": fractal(), "grain": Image.open(io.BytesIO(photo())).convert("RGB")}
    sigmas = (0.3, 0.6, 0.9, 1.2, 1.6, 2, 3, 5, 12, 20, 50)
    print("bl_: PSNR (dB) of effects.gaussian against Pillow's GaussianBlur, on the same picture")
    print("| picture | " + " | ".join(f"bl_{s}" for s in sigmas) + " |")
    print("|---|" + "---|" * len(sigmas))
    for width in WIDTHS:
        for name, picture in pictures.items():
            small = picture.resize((width, round(width * picture.height / picture.width)), Image.Resampling.LANCZOS)
            exact = [small.filter(ImageFilter.GaussianBlur(s)) for s in sigmas]
            cells = [f"{psnr(effects.gaussian(small, s), ref):.1f}" for s, ref in zip(sigmas, exact, strict=True)]
            print(f"| {name} {width} px | " + " | ".join(cells) + " |")
    print()
    rendered_blur()
    print()
    print("sh_100: the RMS of the Laplacian, × the plain picture's (400 px), and PSNR against the 3×3 Kernel")
    print("| picture | sh_100 | UnsharpMask(1, 150 %) | sh_100 against the Kernel |")
    print("|---|---|---|---|")
    for name, picture in pictures.items():
        small = picture.resize((400, round(400 * picture.height / picture.width)), Image.Resampling.LANCZOS)
        base = laplacian_rms(small)
        ours = effects.sharpen(small, 100)
        pillows = laplacian_rms(small.filter(ImageFilter.UnsharpMask(1, 150, 0))) / base
        kernel = small.filter(unsharp_kernel(100))
        print(f"| {name} | ×{laplacian_rms(ours) / base:.2f} | ×{pillows:.2f} | {psnr(ours, kernel):.1f} dB |")


def unsharp_kernel(amount: int) -> ImageFilter.Kernel:
    """sh_ as one 3×3 kernel (Pillow's, which rounds): out = in + a × (in − B ∗ in)."""
    gain = amount * effects.SHARPEN_PER_STEP
    binomial = (1, 2, 1, 2, 4, 2, 1, 2, 1)
    weights = [(1 + gain if index == 4 else 0) - gain * weight / 16 for index, weight in enumerate(binomial)]
    return ImageFilter.Kernel((3, 3), weights, scale=1)


def rendered_blur() -> None:
    """The whole render with bl_ (a coarser JPEG decode, a bicubic or bilinear downscale:
    effects.DECODE_ONTO_OUTPUT_FROM, BICUBIC_FROM, BILINEAR_FROM) against Pillow's GaussianBlur of the plain render, PNG
    out so that no encoder stands between them."""
    sources = {"dusk": encoded()["demo/dusk.jpg"], "fractal": jpeg(fractal()), "grain": photo()}
    sigmas = tuple(Decimal(value) for value in ("0.7", "0.8", "1", "1.2", "1.6", "2", "5", "20"))
    print("bl_: PSNR (dB) of the render with bl_ against Pillow's GaussianBlur of the plain render")
    print("| picture | " + " | ".join(f"bl_{s}" for s in sigmas) + " |")
    print("|---|" + "---|" * len(sigmas))
    for width in (300, 400, 600, 1280):
        for name, data in sources.items():
            plain = png(pipeline.render(data, RenditionSpec("bench", width), "png", LIMITS).body)
            cells = []
            for sigma in sigmas:
                blurred = png(pipeline.render(data, RenditionSpec("bench", width, blur=sigma), "png", LIMITS).body)
                cells.append(f"{psnr(blurred, plain.filter(ImageFilter.GaussianBlur(float(sigma)))):.1f}")
            print(f"| {name} {width} px | " + " | ".join(cells) + " |")


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def png(body: bytes) -> Image.Image:
    return Image.open(io.BytesIO(body)).convert("RGB")


def main() -> None:
    if sys.argv[1:2] == ["accuracy"]:
        accuracy()
        return
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    which = sys.argv[2] if len(sys.argv) > 2 else "dusk"
    data = encoded()["demo/dusk.jpg"] if which == "dusk" else photo()
    source = Image.open(io.BytesIO(data)).size
    mark = logo()
    results = {width: measure(data, width, runs, mark) for width in WIDTHS}
    print(f"{which} {source[0]}×{source[1]} JPEG → JPEG, median of {runs} runs (ms, and cost over plain)")
    header = "| option | " + " | ".join(f"{width} px" for width in WIDTHS) + " |"
    print(header)
    print("|---|" + "---|" * len(WIDTHS))
    for name in results[WIDTHS[0]]:
        cells = []
        for width in WIDTHS:
            value, plain = results[width][name], results[width]["plain"]
            cells.append(f"{value:.1f}" if name == "plain" else f"{value:.1f} ({(value - plain) / plain * 100:+.0f} %)")
        print(f"| `{name}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
