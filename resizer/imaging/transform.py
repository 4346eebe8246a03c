"""The picture steps before and around the resize: t_ (finding the trim box), r_ and fl_ (exact
transposes) and resampling the plan's window of the decoded original.

Only t_ looks at pixels before the geometry is known; everything else follows the plan
(geometry.py), whose boxes are in the upright original's pixels. The decoded image may be
smaller than that (JPEG shrink-on-load), so boxes are mapped onto it here.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from fractions import Fraction

from PIL import Image, ImageChops

from resizer.imaging import geometry

# Pillow's ROTATE_n turns counter-clockwise; r_ turns clockwise.
CLOCKWISE = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


# -- t_ ------------------------------------------------------------------------------------------


def trim_box(pictures: Iterable[Image.Image], tolerance: int, upright: tuple[int, int]) -> geometry.IntBox | None:
    """t_: the smallest box of the upright original that holds every pixel of every picture that
    differs from the first picture's top-left pixel by more than `tolerance` in some channel.

    `pictures` are the decoded, upright frames (one for a still); one box serves them all, the
    union, so no frame loses content and every frame keeps the same size. None when no pixel
    differs (the picture is left whole) or when the box is the whole picture.
    """
    found: geometry.IntBox | None = None
    corner, mode = None, None
    for picture in pictures:
        if corner is None:
            corner, mode = picture.getpixel((0, 0)), picture.mode
        shrunk = picture.size != upright
        inner = content_box(picture if picture.mode == mode else picture.convert(mode), corner, tolerance, shrunk)
        if inner is not None:
            found = union(found, full_size(inner, picture.size, upright))
    return None if found == (0, 0, *upright) else found


def content_box(
    image: Image.Image, corner: object, tolerance: int, shrunk: bool = False
) -> tuple[int, int, int, int] | None:
    """The box of the pixels that differ from `corner` by more than `tolerance` in any channel
    (alpha included): one difference, one lookup table, one bounding box, all in Pillow's C.

    On a picture `shrunk` on load each side then takes one more row or column where that line
    holds a pixel more than half the tolerance off `corner`: such a pixel blends a block of the
    original that content only partly covers (see full_size); a line of border is left out.
    """
    difference = ImageChops.difference(image, Image.new(image.mode, image.size, corner))  # type: ignore[arg-type]
    beyond = difference.point(_table(tolerance, len(image.getbands())))
    box = beyond.getbbox(alpha_only=False)
    if box is None or not shrunk:
        return box
    left, top, right, bottom = box
    width, height = image.size

    def partial(line: tuple[int, int, int, int]) -> bool:
        extrema = difference.crop(line).getextrema()
        highs = [high for _, high in extrema] if isinstance(extrema[0], tuple) else [extrema[1]]
        return max(highs) > tolerance // 2  # type: ignore[operator]

    left -= left > 0 and partial((left - 1, top, left, bottom))
    top -= top > 0 and partial((left, top - 1, right, top))
    right += right < width and partial((right, top, right + 1, bottom))
    bottom += bottom < height and partial((left, bottom, right, bottom + 1))
    return left, top, right, bottom


@functools.cache
def _table(tolerance: int, bands: int) -> list[int]:
    """point()'s lookup table: 0 for a difference within the tolerance, 255 beyond it, per band."""
    return ([0] * (tolerance + 1) + [255] * (255 - tolerance)) * bands


def full_size(box: tuple[int, int, int, int], decoded: tuple[int, int], upright: tuple[int, int]) -> geometry.IntBox:
    """A box found on the decoded picture as a box of the full-size upright original.

    Decoded at a reduced JPEG scale, each decoded pixel blends a block of the original: content
    that covers only part of the block at the box's edge can blend to within the tolerance, and
    content_box has taken in such a line when it is more than half the tolerance off. The box is
    rounded outwards: it keeps at most a decoded pixel of border on a side, and only where a block
    holds content (a border whose lines all decode within half the tolerance is cut off whole;
    growing every side by a decoded pixel left a line of border colour along each edge of the
    output).
    """
    if decoded == upright:
        return box
    left, top, right, bottom = box
    sx, sy = Fraction(upright[0], decoded[0]), Fraction(upright[1], decoded[1])
    return (
        math.floor(left * sx),
        math.floor(top * sy),
        min(upright[0], math.ceil(right * sx)),
        min(upright[1], math.ceil(bottom * sy)),
    )


def union(one: geometry.IntBox | None, other: geometry.IntBox) -> geometry.IntBox:
    if one is None:
        return other
    return (min(one[0], other[0]), min(one[1], other[1]), max(one[2], other[2]), max(one[3], other[3]))


# -- the window, resampled and turned ------------------------------------------------------------


def on_decoded(box: geometry.Box, decoded: tuple[int, int], upright: tuple[int, int]) -> geometry.Box:
    """A box of the upright original on the decoded image, which may be smaller (draft)."""
    sx, sy = Fraction(decoded[0], upright[0]), Fraction(decoded[1], upright[1])
    left, top, right, bottom = box
    return left * sx, top * sy, right * sx, bottom * sy


def sample(
    image: Image.Image, plan: geometry.Plan, downscale: Image.Resampling = Image.Resampling.LANCZOS
) -> Image.Image:
    """The plan's window of the decoded upright image at the planned size, in the upright axes,
    with `downscale` where it shrinks in both axes (Lanczos elsewhere).

    A window of whole pixels at its own size is cut, not resampled, so t_, r_ and cr_ alone keep
    every pixel exact.
    """
    box = on_decoded(plan.window, image.size, plan.frame.upright)
    size = plan.resized
    if box == (0, 0, *image.size) and image.size == size:
        return image
    if all(value.denominator == 1 for value in box) and (box[2] - box[0], box[3] - box[1]) == size:
        return image.crop(tuple(int(value) for value in box))
    width, height = box[2] - box[0], box[3] - box[1]
    shrinks = width > size[0] and height > size[1]
    resample = downscale if shrinks else Image.Resampling.LANCZOS
    return image.resize(size, resample, box=tuple(float(v) for v in box), reducing_gap=3.0)


def turn(image: Image.Image, placed: geometry.Frame) -> Image.Image:
    """r_ then fl_, on what is already resampled (transposes are exact, and cheap on the small
    output: the same pixels as turning the original first)."""
    if placed.rotate in CLOCKWISE:
        image = image.transpose(CLOCKWISE[placed.rotate])
    if placed.flip:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return image


def picture(image: Image.Image, plan: geometry.Plan, longest: int) -> Image.Image:
    """The picture w/h/c/g work on (after t/r/fl/cr), turned as the output is, at most `longest`
    pixels long: what g_auto analyses. The decoded image itself when there is no such step."""
    if plan.frame.identity:
        return image
    box = on_decoded(plan.frame.to_upright((Fraction(0), Fraction(0), *plan.source)), image.size, plan.frame.upright)
    width, height = box[2] - box[0], box[3] - box[1]
    scale = min(Fraction(1), longest / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = image.resize(size, Image.Resampling.BOX, box=tuple(float(v) for v in box))
    return turn(small, plan.frame)
