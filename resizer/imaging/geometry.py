"""Where the pixels go, computed once from the original's size and the spec, before any pixel work.

Sizes are exact fractions so that derived dimensions round half up exactly as the contract says,
never enlarge beyond the original, and are at least 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from resizer.core.spec import RenditionSpec

Box = tuple[float, float, float, float]

# Where a compass gravity anchors the crop (fill) or the image on its canvas (pad), as fractions
# of the slack on each axis.
ANCHORS = {
    "center": (Fraction(1, 2), Fraction(1, 2)),
    "north": (Fraction(1, 2), 0),
    "northeast": (1, 0),
    "east": (1, Fraction(1, 2)),
    "southeast": (1, 1),
    "south": (Fraction(1, 2), 1),
    "southwest": (0, 1),
    "west": (0, Fraction(1, 2)),
    "northwest": (0, 0),
}


def round_half_up(value: Fraction) -> int:
    return max(1, int(value + Fraction(1, 2)))


@dataclass(frozen=True)
class Plan:
    source: tuple[int, int]  # the original's size, oriented
    region: Box  # the part of the source that is used (fill crops; otherwise all of it)
    size: tuple[int, int]  # what the region is resized to
    canvas: tuple[int, int]  # the output's size (larger than `size` only for pad)
    offset: tuple[int, int]  # where the resized region sits on the canvas

    @property
    def scale(self) -> Fraction:
        """Output pixels per source pixel (at most 1: never enlarge)."""
        return Fraction(self.size[0]) / Fraction(self.region[2] - self.region[0])

    @property
    def resizes(self) -> bool:
        return self.size != self.source or self.region != (0, 0, *self.source)


def plan(source: tuple[int, int], spec: RenditionSpec, anchor: tuple | None = None) -> Plan:
    """The geometry for `spec` on a source of `source` pixels (after orientation).

    `anchor` overrides the gravity's anchor (g_auto computes one from the pixels).
    """
    width, height = source
    box_w, box_h = spec.target
    if box_w is None and box_h is None:
        return Plan(source, (0, 0, width, height), source, source, (0, 0))
    if spec.crop == "fit" or box_w is None or box_h is None:
        return _fit(source, box_w, box_h)
    fx, fy = anchor or ANCHORS.get(spec.gravity, ANCHORS["center"])
    # Never enlarge: shrink the box, keeping its aspect ratio, until it fits inside the original.
    shrink = min(Fraction(1), Fraction(width, box_w), Fraction(height, box_h))
    box = (round_half_up(box_w * shrink), round_half_up(box_h * shrink))
    if spec.crop == "fill":
        return _fill(source, box, fx, fy)
    return _pad(source, box, fx, fy)


def _fit(source: tuple[int, int], box_w: int | None, box_h: int | None) -> Plan:
    width, height = source
    scales = [Fraction(1)]
    if box_w is not None:
        scales.append(Fraction(box_w, width))
    if box_h is not None:
        scales.append(Fraction(box_h, height))
    scale = min(scales)
    size = (round_half_up(width * scale), round_half_up(height * scale))
    return Plan(source, (0, 0, width, height), size, size, (0, 0))


def _fill(source: tuple[int, int], box: tuple[int, int], fx: Fraction, fy: Fraction) -> Plan:
    width, height = source
    scale = max(Fraction(box[0], width), Fraction(box[1], height))
    region_w, region_h = box[0] / scale, box[1] / scale
    left, top = (width - region_w) * fx, (height - region_h) * fy
    region = (float(left), float(top), float(left + region_w), float(top + region_h))
    return Plan(source, region, box, box, (0, 0))


def _pad(source: tuple[int, int], box: tuple[int, int], fx: Fraction, fy: Fraction) -> Plan:
    width, height = source
    scale = min(Fraction(box[0], width), Fraction(box[1], height))
    size = (min(box[0], round_half_up(width * scale)), min(box[1], round_half_up(height * scale)))
    offset = (int((box[0] - size[0]) * fx), int((box[1] - size[1]) * fy))
    return Plan(source, (0, 0, width, height), size, box, offset)
