"""Render time of the common path: `.venv/bin/python bench/render_time.py [FORMAT] [RUNS]`.

A photo-like 4000×3000 JPEG (q90, ≈3.7 MB) rendered in-process to 400 px wide (`w_400`), JPEG by
default: shrink-on-load, resize, colour, encode. Prints the median and minimum of RUNS renders.
Pin it to one core for comparable figures: `taskset -c 1 .venv/bin/python bench/render_time.py`.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import pipeline


def photo(size: tuple[int, int] = (4000, 3000)) -> bytes:
    """Smooth colour fields plus grain: a photograph's entropy, made without a file."""
    coarse = Image.effect_noise((size[0] // 16, size[1] // 16), 64).convert("RGB")
    fields = coarse.resize(size, Image.Resampling.BICUBIC)
    grain = Image.effect_noise(size, 20).convert("RGB")
    out = io.BytesIO()
    Image.blend(fields, grain, 0.3).save(out, "JPEG", quality=90)
    return out.getvalue()


def main() -> None:
    fmt = sys.argv[1] if len(sys.argv) > 1 else "jpg"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    data, spec = photo(), RenditionSpec("bench", width=400)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = pipeline.render(data, spec, fmt, Limits())
        times.append((time.perf_counter() - started) * 1000)
    median, best = statistics.median(times), min(times)
    size = f"{result.size[0]}x{result.size[1]}"
    print(f"{fmt} 4000x3000 -> {size}: median {median:.1f} ms, min {best:.1f} ms, {len(result.body)} B")


if __name__ == "__main__":
    main()
