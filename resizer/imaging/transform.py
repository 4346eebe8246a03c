"""The picture steps around the resize: r_ and fl_ (exact transposes) and resampling the plan's
window of the decoded original.

They follow the plan (geometry.py), whose boxes are in the upright original's pixels. The decoded
image may be smaller than that (JPEG shrink-on-load), so boxes are mapped onto it here.
"""

from __future__ import annotations

from fractions import Fraction

from PIL import Image

from resizer.imaging import geometry

# Pillow's ROTATE_n turns counter-clockwise; r_ turns clockwise.
CLOCKWISE = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


# -- the window, resampled and turned ------------------------------------------------------------


def on_decoded(box: geometry.Box, decoded: tuple[int, int], upright: tuple[int, int]) -> geometry.Box:
    """A box of the upright original on the decoded image, which may be smaller (draft)."""
    sx, sy = Fraction(decoded[0], upright[0]), Fraction(decoded[1], upright[1])
    left, top, right, bottom = box
    return left * sx, top * sy, right * sx, bottom * sy


def sample(image: Image.Image, plan: geometry.Plan) -> Image.Image:
    """The plan's window of the decoded upright image at the planned size, in the upright axes.

    A window of whole pixels at its own size is cut, not resampled, so t_, r_ and cr_ alone keep
    every pixel exact.
    """
    box = on_decoded(plan.window, image.size, plan.frame.upright)
    size = plan.resized
    if box == (0, 0, *image.size) and image.size == size:
        return image
    if all(value.denominator == 1 for value in box) and (box[2] - box[0], box[3] - box[1]) == size:
        return image.crop(tuple(int(value) for value in box))
    return image.resize(size, Image.Resampling.LANCZOS, box=tuple(float(v) for v in box), reducing_gap=3.0)


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
