"""`g_auto`: content-aware cropping for `c_fill`, from an energy map of a small copy.

A fill crop slides a window along one axis only (the other axis is used whole), so the question is
one-dimensional: where along that axis does the window hold the most detail? Energy is edge
strength (where the subject's detail is) plus a little colour saturation (subjects are often more
colourful than sky, wall or studio backdrop), measured on a copy ≈96 px long, so the cost is
well under a millisecond whatever the original's size. Ties go to the position nearest the centre,
so a featureless picture crops like `g_center`.
"""

from __future__ import annotations

from fractions import Fraction

from PIL import Image, ImageFilter, ImageOps

from resizer.core.spec import RenditionSpec
from resizer.imaging import geometry, transform

SAMPLE = 96  # the analysed copy's long side
SATURATION_WEIGHT = 0.25
TIE = 0.01  # scores within 1 % of the best count as equal


def refine(image: Image.Image, plan: geometry.Plan, spec: RenditionSpec) -> geometry.Plan:
    """Re-plan a fill crop around the image's content; every other plan is returned as it is."""
    if spec.gravity != "auto" or spec.crop != "fill":
        return plan
    width, height = plan.source
    left, top, right, bottom = plan.region
    horizontal = (width - (right - left)) > (height - (bottom - top))
    slack = width - (right - left) if horizontal else height - (bottom - top)
    if slack < 1:
        return plan
    share = (right - left) / width if horizontal else (bottom - top) / height
    picture = transform.picture(image, plan, SAMPLE)  # the region after t_/r_/fl_/cr_, as it is output
    anchor = best_position(profile(energy(picture), horizontal), share)
    placed = (anchor, Fraction(1, 2)) if horizontal else (Fraction(1, 2), anchor)
    return geometry.plan(plan.frame.upright, spec, anchor=placed, trim=plan.frame.trim)


def energy(image: Image.Image) -> Image.Image:
    """Per-pixel interest of a small copy, as an L image."""
    scale = SAMPLE / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    small = rgb.resize(size, Image.Resampling.BOX) if scale < 1 else rgb
    saturation = small.convert("HSV").getchannel("S")
    return Image.blend(edges(small), saturation, SATURATION_WEIGHT)


def edges(small: Image.Image) -> Image.Image:
    """FIND_EDGES sees an edge all along the frame's own border: blank it out. A copy two pixels
    or fewer across is all border (a 256×1 strip): it has no edges to find."""
    if min(small.size) <= 2:
        return Image.new("L", small.size, 0)
    return ImageOps.expand(ImageOps.crop(small.convert("L").filter(ImageFilter.FIND_EDGES), 1), 1, 0)


def profile(energy: Image.Image, horizontal: bool) -> list[float]:
    """Mean energy of each column (horizontal slack) or row (vertical slack)."""
    size = (energy.width, 1) if horizontal else (1, energy.height)
    return [float(v) for v in energy.resize(size, Image.Resampling.BOX).tobytes()]


def best_position(values: list[float], share: float) -> Fraction:
    """Where the window (`share` of the axis) holds the most energy, as a fraction of the slack."""
    window = max(1, min(len(values), round(share * len(values))))
    positions = len(values) - window
    if positions <= 0:
        return Fraction(1, 2)
    sums = [sum(values[:window])]
    for start in range(1, positions + 1):
        sums.append(sums[-1] - values[start - 1] + values[start + window - 1])
    best = max(sums)
    candidates = [p for p, score in enumerate(sums) if score >= best * (1 - TIE)]
    chosen = min(candidates, key=lambda p: abs(Fraction(p, positions) - Fraction(1, 2)))
    return Fraction(chosen, positions)
