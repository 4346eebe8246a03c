"""What shrink-on-load onto (almost) the target size costs: `.venv/bin/python bench/tune.py headroom`.

For outputs less than LANCZOS_HEADROOM below a JPEG DCT scale of 2560-px wallpapers (bench/sets.py),
prints the similarity to a full-decode Lanczos reference of decoding at that scale (as thumbor does)
and at the next finer one (as resizer does): RGB-averaged SSIM, as first measured, and SSIMULACRA2.
The encoder settings are chosen by bench/quality.py (table A, docs/quality.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

import metrics  # noqa: E402
import sets  # noqa: E402

WALLPAPERS = [p for p in sets.PICTURES if p.source.endswith("contents/images/2560x1600.jpg")]


def render(path: Path, width: int, denominator: int) -> Image.Image:
    image = Image.open(path)
    if denominator > 1:
        image.draft(image.mode, (image.width // denominator, image.height // denominator))
    height = round(image.height * width / image.width)
    return image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)


def headroom() -> None:
    print("| original | width | DCT scale ÷ width | SSIM at that scale | at the next finer | SSIMULACRA2 | finer |")
    print("|---|---|---|---|---|---|---|")
    for picture in WALLPAPERS:
        for denominator in (8, 4):
            scaled = Image.open(picture.path).width // denominator
            for ratio in (1.24, 1.12, 1.01):
                width = int(scaled / ratio)
                reference = render(picture.path, width, 1)
                coarse, fine = (render(picture.path, width, d) for d in (denominator, denominator // 2))
                ssim = [metrics.ssim_rgb(reference, image) for image in (coarse, fine)]
                s2 = [metrics.ssimulacra2(reference, image) for image in (coarse, fine)]
                cells = [f"{ssim[0]:.4f}", f"{ssim[1]:.4f}", f"{s2[0]:.1f}", f"{s2[1]:.1f}"]
                print(f"| {picture.name} | {width} | {ratio} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    sets.make()
    headroom()
