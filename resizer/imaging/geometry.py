"""Where the pixels go, computed once from the original's size and the spec, before any pixel work.

Sizes are exact fractions so that derived dimensions round half up exactly as the contract says,
never enlarge beyond the picture, and are at least 1.

The picture that w/h/c/g/dpr work on is the upright original after `t_` (a box found in the
pixels, passed in as `trim`), `r_`, `fl_` and `cr_`: a `Frame`. The plan keeps its boxes in that
picture's coordinates and maps them back onto the upright original (`Plan.window`), so the
pipeline resamples straight from the decoded original and turns only the small result: no
full-size rotation, and the JPEG shrink-on-load is chosen for the region, not the whole original.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from resizer.core.spec import RenditionSpec

Size = tuple[Fraction, Fraction]
Box = tuple[Fraction, Fraction, Fraction, Fraction]  # left, top, right, bottom
IntBox = tuple[int, int, int, int]
QUARTER_TURNS = frozenset({90, 270})  # rotations that swap width and height
HALF = Fraction(1, 2)

# Where a compass gravity anchors the crop (fill) or the image on its canvas (pad), as fractions
# of the slack on each axis.
ANCHORS = {
    "center": (HALF, HALF),
    "north": (HALF, Fraction(0)),
    "northeast": (Fraction(1), Fraction(0)),
    "east": (Fraction(1), HALF),
    "southeast": (Fraction(1), Fraction(1)),
    "south": (HALF, Fraction(1)),
    "southwest": (Fraction(0), Fraction(1)),
    "west": (Fraction(0), HALF),
    "northwest": (Fraction(0), Fraction(0)),
}


def round_half_up(value: Fraction) -> int:
    return max(1, int(value + HALF))


@dataclass(frozen=True)
class Frame:
    """The picture w/h/c/g work on, inside the upright original: the `trim` box of the upright
    original, turned clockwise by `rotate`, mirrored left–right when `flip`, then cut to `crop`
    (a box of that turned picture). All in the upright original's pixels; `crop` may cut through
    pixels (cr_ fractions are exact), the trim box never does."""

    upright: tuple[int, int]
    trim: IntBox
    rotate: int
    flip: bool
    crop: Box

    @property
    def turned(self) -> Size:
        """The size of the picture after t_, r_ and fl_ (what cr_'s fractions refer to)."""
        return _turned(self.trim, self.rotate)

    @property
    def size(self) -> Size:
        left, top, right, bottom = self.crop
        return right - left, bottom - top

    @property
    def identity(self) -> bool:
        whole = (0, 0, *self.upright)
        return self.trim == whole and self.rotate == 0 and not self.flip and self.crop == whole

    def to_upright(self, box: Box) -> Box:
        """A box of the picture (its own coordinates) as the box of the upright original it shows."""
        left, top, right, bottom = box
        x, y = self.crop[0], self.crop[1]
        left, top, right, bottom = left + x, top + y, right + x, bottom + y
        if self.flip:
            width = self.turned[0]
            left, right = width - right, width - left
        width, height = self.trim[2] - self.trim[0], self.trim[3] - self.trim[1]
        # Undo the clockwise turn: a point (x, y) of the trimmed picture is at (height - y, x)
        # after 90°, (width - x, height - y) after 180° and (y, width - x) after 270°.
        if self.rotate == 90:
            left, top, right, bottom = top, height - right, bottom, height - left
        elif self.rotate == 180:
            left, top, right, bottom = width - right, height - bottom, width - left, height - top
        elif self.rotate == 270:
            left, top, right, bottom = width - bottom, left, width - top, right
        x, y = self.trim[0], self.trim[1]
        return left + x, top + y, right + x, bottom + y


def frame(upright: tuple[int, int], spec: RenditionSpec, trim: IntBox | None = None) -> Frame:
    """The picture of `spec` in an upright original of `upright` pixels, `trim` being t_'s box."""
    box = trim or (0, 0, *upright)
    width, height = _turned(box, spec.rotate)
    if spec.region is None:
        crop = (Fraction(0), Fraction(0), width, height)
    else:
        x, y, w, h = (Fraction(value) for value in spec.region)  # Decimal → exact Fraction
        crop = (x * width, y * height, (x + w) * width, (y + h) * height)
    return Frame(upright, box, spec.rotate, spec.flip == "h", crop)


def _turned(trim: IntBox, rotate: int) -> Size:
    width, height = Fraction(trim[2] - trim[0]), Fraction(trim[3] - trim[1])
    return (height, width) if rotate in QUARTER_TURNS else (width, height)


@dataclass(frozen=True)
class Plan:
    source: Size  # the picture's size (the upright original's, or its region's after t/r/fl/cr)
    region: Box  # the part of `source` that is used (fill crops; otherwise all of it)
    size: tuple[int, int]  # what the region is resized to
    canvas: tuple[int, int]  # the output's size (larger than `size` only for pad)
    offset: tuple[int, int]  # where the resized region sits on the canvas
    frame: Frame  # where `source` lies in the upright original

    @property
    def scale(self) -> Fraction:
        """Output pixels per source pixel (at most 1: never enlarge)."""
        return Fraction(self.size[0]) / (self.region[2] - self.region[0])

    @property
    def window(self) -> Box:
        """The region as a box of the upright original: what is resampled."""
        return self.frame.to_upright(self.region)

    @property
    def resized(self) -> tuple[int, int]:
        """The size the window is resampled to, before r_ turns it (the upright original's axes)."""
        return (self.size[1], self.size[0]) if self.frame.rotate in QUARTER_TURNS else self.size


def plan(source: tuple[int, int], spec: RenditionSpec, anchor: tuple | None = None, trim: IntBox | None = None) -> Plan:
    """The geometry for `spec` on an original of `source` pixels (after EXIF orientation).

    `trim` is t_'s box, found in the pixels; `anchor` overrides the gravity's anchor (g_auto
    computes one from the pixels).
    """
    placed = frame(source, spec, trim)
    width, height = placed.size
    box_w, box_h = spec.target
    if box_w is None and box_h is None:
        size = (round_half_up(width), round_half_up(height))
        return Plan(placed.size, (Fraction(0), Fraction(0), width, height), size, size, (0, 0), placed)
    if spec.crop == "fit" or box_w is None or box_h is None:
        return _fit(placed, box_w, box_h)
    # Never enlarge: shrink the box, keeping its aspect ratio, until it fits inside the picture.
    shrink = min(Fraction(1), width / box_w, height / box_h)
    box = (round_half_up(box_w * shrink), round_half_up(box_h * shrink))
    point = spec.focal_point
    if spec.crop == "fill":
        return _fill(placed, box, anchor or _gravity(spec), point if anchor is None else None)
    # c_pad with g_fp: the point's fractions are the anchor, as a compass gravity's are (fp:0:0 is
    # northwest, fp:1:0.5 east): the picture is placed, not cut, so there is no window to centre
    # the point in, and a fill of the same point clamps to the same edges.
    return _pad(placed, box, anchor or _gravity(spec))


def _gravity(spec: RenditionSpec) -> tuple[Fraction, Fraction]:
    point = spec.focal_point
    if point is not None:
        return Fraction(point[0]), Fraction(point[1])
    return ANCHORS.get(spec.gravity, ANCHORS["center"])


def _fit(placed: Frame, box_w: int | None, box_h: int | None) -> Plan:
    width, height = placed.size
    scales = [Fraction(1)]
    if box_w is not None:
        scales.append(box_w / width)
    if box_h is not None:
        scales.append(box_h / height)
    scale = min(scales)
    size = (round_half_up(width * scale), round_half_up(height * scale))
    return Plan(placed.size, (Fraction(0), Fraction(0), width, height), size, size, (0, 0), placed)


def _fill(placed: Frame, box: tuple[int, int], anchor: tuple, point: tuple | None) -> Plan:
    width, height = placed.size
    scale = max(box[0] / width, box[1] / height)
    region_w, region_h = box[0] / scale, box[1] / scale
    fx, fy = (Fraction(value) for value in anchor)
    if point is not None:  # g_fp: the window's centre on the point, as far as the picture allows
        fx = _centred(Fraction(point[0]), width, region_w)
        fy = _centred(Fraction(point[1]), height, region_h)
    left, top = (width - region_w) * fx, (height - region_h) * fy
    return Plan(placed.size, (left, top, left + region_w, top + region_h), box, box, (0, 0), placed)


def _centred(point: Fraction, length: Fraction, window: Fraction) -> Fraction:
    """The anchor (a fraction of the slack) that puts `point` (a fraction of `length`) at the
    window's centre, clamped so that the window stays inside the picture."""
    slack = length - window
    if slack <= 0:
        return HALF
    return min(Fraction(1), max(Fraction(0), (point * length - window / 2) / slack))


def _pad(placed: Frame, box: tuple[int, int], anchor: tuple) -> Plan:
    width, height = placed.size
    fx, fy = (Fraction(value) for value in anchor)
    scale = min(box[0] / width, box[1] / height)
    size = (min(box[0], round_half_up(width * scale)), min(box[1], round_half_up(height * scale)))
    offset = (math.floor((box[0] - size[0]) * fx), math.floor((box[1] - size[1]) * fy))
    return Plan(placed.size, (Fraction(0), Fraction(0), width, height), size, box, offset, placed)
