"""Effects on the resized picture: blur (bl_), sharpen (sh_) and pixelate (px_), in that order.

They run after the resize, the padding and the flattening (the contract's order: resize with its
`bg_`, then blur, sharpen, pixelate, watermark), so their sizes are output pixels and a padded
picture is treated as one picture. Each step returns its input when its option is not set.

A picture with alpha is filtered premultiplied (`RGBa`, `La`): a transparent pixel carries no
colour into its neighbours, so a blurred or pixelated edge fades out instead of going dark
(transparent pixels are usually stored as black).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from decimal import Decimal

from PIL import Image, ImageFilter

from resizer.core.spec import RenditionSpec

PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}

# bl_ from sigma 2 up blurs a copy 1/f the size (Pillow's `reduce`, an exact f × f average) by
# the sigma left over, and scales it back up (bilinear): the same Gaussian, its variance counted
# as the average's ((f² − 1) / 12) plus the upscale's (f² / 6) plus the small blur's, at a quarter
# to a sixty-fourth of the work. Pillow's GaussianBlur costs 40–60 ns a pixel whatever the sigma
# (3 box passes); on 400 and 1280 px renditions of the demo's dusk photo, its fractal and the
# benchmark's grainy photo this is 1.5–4× faster and within 45–61 dB PSNR of it, bl_2 to bl_50
# (`bench/effects.py accuracy`). f stays at most sigma / 2 (the small copy keeps only detail that
# a blur of at least one of its pixels smooths) and at most 8.
BLUR_DIRECT_BELOW = 2
BLUR_MOST_REDUCTION = 8

# sh_ is an unsharp mask over the 1-pixel neighbourhood, out = in + a × (in − B ∗ in), B the 3×3
# binomial (the Gaussian of a pixel's reach, sigma ≈ 0.7), applied as one 3×3 kernel: a third of
# the time of Pillow's UnsharpMask (which blurs in 3 box passes, then mixes), at 400 px ≈2 ms
# against ≈5–7. a = n × 0.0165: on 400 px renditions of the demo's dusk photo and fractal and the
# benchmark's grainy photo, sh_100 multiplies the RMS of the Laplacian (the picture's contrast at
# the pixel scale) by 1.98, 1.96 and 2.05, so it doubles local contrast (UnsharpMask at radius 1
# and 150 %: 2.00, 1.95, 2.14; `bench/effects.py accuracy`). No threshold: the resize has already
# averaged the source's noise away, and a threshold would make the gain jump at that step of
# contrast. Pillow's kernels leave the picture's outermost pixels as they are.
SHARPEN_PER_STEP = 0.0165
BINOMIAL_3 = (1, 2, 1, 2, 4, 2, 1, 2, 1)  # / 16


def apply(image: Image.Image, spec: RenditionSpec) -> Image.Image:
    """bl_, sh_ and px_ of `spec`, in the contract's order."""
    image = blur(image, spec.blur)
    image = sharpen(image, spec.sharpen)
    return pixelate(image, spec.pixelate)


def blur(image: Image.Image, sigma: Decimal | None) -> Image.Image:
    if sigma is None:
        return image
    return premultiplied(image, functools.partial(gaussian, sigma=float(sigma)))


def gaussian(picture: Image.Image, sigma: float) -> Image.Image:
    """A Gaussian blur of standard deviation `sigma` pixels (Pillow's GaussianBlur radius is the
    standard deviation), through a smaller copy from sigma 2 up (see BLUR_DIRECT_BELOW)."""
    factor = reduction(sigma)
    if factor == 1:
        return picture.filter(ImageFilter.GaussianBlur(sigma))
    spread = (factor * factor - 1) / 12 + factor * factor / 6
    small = picture.reduce(factor).filter(ImageFilter.GaussianBlur(math.sqrt(sigma * sigma - spread) / factor))
    box = (0, 0, picture.width / factor, picture.height / factor)  # the copy's pixels over the picture's
    return small.resize(picture.size, Image.Resampling.BILINEAR, box=box)


def reduction(sigma: float) -> int:
    if sigma < BLUR_DIRECT_BELOW:
        return 1
    return min(BLUR_MOST_REDUCTION, max(2, math.floor(sigma / 2)))


def sharpen(image: Image.Image, amount: int | None) -> Image.Image:
    if amount is None:
        return image
    gain = amount * SHARPEN_PER_STEP
    weights = [(1 + gain if index == 4 else 0) - gain * weight / 16 for index, weight in enumerate(BINOMIAL_3)]
    kernel = ImageFilter.Kernel((3, 3), weights, scale=1)
    return premultiplied(image, lambda picture: picture.filter(kernel))


def pixelate(image: Image.Image, side: int | None) -> Image.Image:
    """Blocks of side × side output pixels from the top-left corner; those on the right and bottom
    edges are cut to the picture. `reduce` is the box filter that averages exactly each block
    (also the partial ones at the edges), where a BOX resize to ⌈w/n⌉ would average windows of
    w / ⌈w/n⌉ pixels that drift off the blocks."""
    if side is None:
        return image

    def blocks(picture: Image.Image) -> Image.Image:
        small = picture.reduce(side)
        big = small.resize((small.width * side, small.height * side), Image.Resampling.NEAREST)
        return big.crop((0, 0, picture.width, picture.height))

    return premultiplied(image, blocks)


def premultiplied(image: Image.Image, step: Callable[[Image.Image], Image.Image]) -> Image.Image:
    """`step` applied to the picture with its colour premultiplied by its alpha, then back."""
    working = PREMULTIPLIED.get(image.mode)
    if working is None or opaque(image):
        return step(image)
    return step(image.convert(working)).convert(image.mode)


def opaque(image: Image.Image) -> bool:
    # Premultiplying an opaque picture changes nothing but costs two conversions.
    return image.getchannel("A").getextrema() == (255, 255)
