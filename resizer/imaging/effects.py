"""Effects on the resized picture: blur (bl_), sharpen (sh_) and pixelate (px_), in that order.

They run after the resize, the padding and the flattening (the contract's order: resize with its
`bg_`, then blur, sharpen, pixelate, watermark), so their sizes are output pixels and a padded
picture is treated as one picture. Each step returns its input when its option is not set.

A picture with alpha is filtered premultiplied (`RGBa`, `La`): a transparent pixel carries no
colour into its neighbours, so a blurred or pixelated edge fades out instead of going dark
(transparent pixels are usually stored as black).

Blur and sharpen are built from Pillow's cheapest whole-picture operations (crops, `blend`,
`invert`, `reduce`) rather than its filters: on a 400 px rendition a 3×3 `Kernel` costs ≈1.8 ms
and `GaussianBlur` 3.5–4 ms, a `blend` 0.13 ms (docs/performance.md, "Effects"). A blur also
lets the resize before it be cheaper (see DECODE_ONTO_OUTPUT_FROM).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from decimal import Decimal

from PIL import Image, ImageChops, ImageFilter

from resizer.core.spec import RenditionSpec

PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}

# bl_ below sigma 2 is a separable kernel of 3 or 5 taps an axis, its taps Pillow's GaussianBlur's
# (three passes of a 3-tap box: the same variance, the taps beyond ±2 folded onto ±2), each tap
# pair an average of two shifted crops and each mix a `blend`: 0.7–1.5 ms at 400 px against
# Pillow's 3.5–4. Up to sigma 1.1 one pass; above, two passes of sigma / √2 (one pass falls to
# 36 dB at 1.4 on the grainy photo). The outer taps are left out up to sigma 0.6, where they
# weigh under 0.5 %. On 400 and 1280 px renditions of the demo's dusk photo and fractal and the
# benchmark's grainy photo: within 44.5–58.8 dB PSNR of Pillow's (`bench/effects.py accuracy`).
# `blend` truncates: the vertical pass runs on the inverted picture, whose truncation rounds the
# other way, so the two cancel instead of darkening the picture by ≈0.7 levels. Each of these
# steps makes a new picture; a large one is fresh memory every time (≈13 ms of page faults for
# sh_ at 1280 px, as much as the filtering), so a picture taller than STRIP_ROWS is smoothed in
# bands of that many rows (and their reach above and below), whose memory is reused.
BLUR_DIRECT_BELOW = 2
ONE_PASS_UP_TO = 1.1
STRIP_ROWS = 128
THREE_TAPS_UP_TO = 0.6

# bl_ from sigma 2 up blurs a copy 1/f the size (Pillow's `reduce`, an exact f × f average) by
# the sigma left over, and scales it back up (bilinear): the same Gaussian, its variance counted
# as the average's ((f² − 1) / 12) plus the upscale's (f² / 6) plus the small blur's, at a quarter
# to a sixty-fourth of the work, within 45–61 dB PSNR of Pillow's GaussianBlur, bl_2 to bl_50
# (`bench/effects.py accuracy`). f stays at most sigma / 2 (the small copy keeps only detail that
# a blur of at least one of its pixels smooths) and at most 8. Below sigma 2 a smaller copy
# aliases (34 dB at 1.0 on the grainy photo).
BLUR_MOST_REDUCTION = 8

# A blur hides what the resize spends on sharpness, so from bl_0.8 a JPEG may be decoded at the
# DCT scale that lands on the output size (no Lanczos headroom, pipeline.LANCZOS_HEADROOM), and
# from bl_1.2 a downscale is bilinear rather than Lanczos: on 300–1280 px renditions of the
# same three pictures the whole render with bl_ stays within 44.6 dB PSNR of Pillow's
# GaussianBlur of the plain render (`bench/effects.py accuracy`), and the dusk photo renders at
# 400 px in half the time (decoded at 1/8, onto the output: no resize at all) and resamples at
# 1280 px in a third of it. Lower, they show: the coarser decode 41 dB at bl_0.6, the bilinear
# downscale 41 dB at bl_1, both on the grainy photo. Between, from bl_0.7, the downscale is
# bicubic (support 2 where Lanczos' is 3): 45.0 dB at worst (grainy photo, 300 px), and the dusk
# photo's bl_0.7 at 400 px costs what a plain render does instead of +15 %; at bl_0.6, whose
# three taps already leave a little out, it falls to 38.6 dB. An upscale stays Lanczos: a
# bilinear one would blur by more than the sigma asked.
DECODE_ONTO_OUTPUT_FROM = Decimal("0.8")
BICUBIC_FROM = Decimal("0.7")
BILINEAR_FROM = Decimal("1.2")

# sh_ is an unsharp mask over the 1-pixel neighbourhood, out = in + a × (in − B ∗ in), B the 3×3
# binomial (the Gaussian of a pixel's reach, sigma ≈ 0.7), the separable blur above with taps
# ¼ ½ ¼, mixed back by one extrapolating `blend`: ≈1.2 ms in a 400 px render where the same 3×3
# `Kernel` costs ≈1.8 and Pillow's UnsharpMask (3 box passes, then the mix) 5–7, and 13 ms at
# 1280 px against 18; within 50 dB PSNR of that Kernel (`blend` truncates where the Kernel
# rounds: at most half a level darker on average).
# a = n × 0.0165: on 400 px renditions of the demo's dusk photo and fractal and the benchmark's
# grainy photo, sh_100 multiplies the RMS of the Laplacian (the picture's contrast at the pixel
# scale) by 2.00, 1.96 and 2.05, so it doubles local contrast (UnsharpMask at radius 1 and 150 %:
# 2.00, 1.95, 2.14; `bench/effects.py accuracy`). No threshold: the resize has already averaged
# the source's noise away, and a threshold would make the gain jump at that step of contrast.
# Like Pillow's kernels it leaves the picture's outermost pixels as they are.
SHARPEN_PER_STEP = 0.0165
BINOMIAL_NEAR = 0.25


def apply(image: Image.Image, spec: RenditionSpec) -> Image.Image:
    """bl_, sh_ and px_ of `spec`, in the contract's order."""
    image = blur(image, spec.blur)
    image = sharpen(image, spec.sharpen)
    return pixelate(image, spec.pixelate)


def decodes_onto_output(spec: RenditionSpec) -> bool:
    """Whether the resize before this rendition's effects may start from a JPEG decoded onto the
    output size (see DECODE_ONTO_OUTPUT_FROM)."""
    return spec.blur is not None and spec.blur >= DECODE_ONTO_OUTPUT_FROM


def downscale_filter(spec: RenditionSpec) -> Image.Resampling:
    """The filter of a downscale before this rendition's effects (see BICUBIC_FROM)."""
    if spec.blur is None or spec.blur < BICUBIC_FROM:
        return Image.Resampling.LANCZOS
    return Image.Resampling.BICUBIC if spec.blur < BILINEAR_FROM else Image.Resampling.BILINEAR


# -- blur --------------------------------------------------------------------------------------


def blur(image: Image.Image, sigma: Decimal | None) -> Image.Image:
    if sigma is None:
        return image
    return premultiplied(image, functools.partial(gaussian, sigma=float(sigma)))


def gaussian(picture: Image.Image, sigma: float) -> Image.Image:
    """A Gaussian blur of standard deviation `sigma` pixels (Pillow's GaussianBlur radius is the
    standard deviation): separable small kernels below sigma 2, a smaller copy from there."""
    factor = reduction(sigma)
    if factor == 1:
        return small_gaussian(picture, sigma)
    spread = (factor * factor - 1) / 12 + factor * factor / 6
    small = picture.reduce(factor).filter(ImageFilter.GaussianBlur(math.sqrt(sigma * sigma - spread) / factor))
    box = (0, 0, picture.width / factor, picture.height / factor)  # the copy's pixels over the picture's
    return small.resize(picture.size, Image.Resampling.BILINEAR, box=box)


def reduction(sigma: float) -> int:
    if sigma < BLUR_DIRECT_BELOW:
        return 1
    return min(BLUR_MOST_REDUCTION, max(2, math.floor(sigma / 2)))


def small_gaussian(picture: Image.Image, sigma: float) -> Image.Image:
    """One pass, or two of sigma / √2, of the separable kernel of `taps`, over the picture with
    its edge pixels repeated outwards (as Pillow's GaussianBlur treats its edges)."""
    passes = 1 if sigma <= ONE_PASS_UP_TO else 2
    near, far = taps(sigma / math.sqrt(passes))
    reach = 2 if far else 1
    work = extended(picture, reach * passes)
    for _ in range(passes):
        work = smoothed(work, near, far)
    return work


@functools.cache
def taps(sigma: float) -> tuple[float, float]:
    """The weights of the ±1 and ±2 taps of Pillow's GaussianBlur of `sigma` (three passes of
    the 3-tap box [p, 1 − 2p, p], p = sigma² / 6, for sigma < √2), the ±3 taps folded onto ±2
    (9/4 of their weight, keeping the variance); ±2 left out up to THREE_TAPS_UP_TO."""
    p = sigma * sigma / 6
    kernel = [1.0]
    for _ in range(3):
        wider = [0.0] * (len(kernel) + 2)
        for index, weight in enumerate(kernel):
            wider[index] += weight * p
            wider[index + 1] += weight * (1 - 2 * p)
            wider[index + 2] += weight * p
        kernel = wider
    near, far, farthest = kernel[4:7]
    if sigma <= THREE_TAPS_UP_TO:
        return sigma * sigma / 2, 0.0  # the variance all on ±1
    return near, far + farthest * 9 / 4


def smoothed(picture: Image.Image, near: float, far: float) -> Image.Image:
    """The separable kernel [far, near, 1 − 2·near − 2·far, near, far] along both axes, on the
    pixels it reaches fully: 1 (or 2, with `far`) fewer on each side. The vertical pass runs
    inverted, so that its truncations round up where the horizontal pass's round down. A tall
    picture goes in bands of STRIP_ROWS rows (see there)."""
    reach = 2 if far else 1
    width, height = picture.size
    if height - 2 * reach <= STRIP_ROWS:
        across = along(picture, near, far, vertical=False)
        return ImageChops.invert(along(ImageChops.invert(across), near, far, vertical=True))
    out = Image.new(picture.mode, (width - 2 * reach, height - 2 * reach))
    for top in range(0, height - 2 * reach, STRIP_ROWS):
        bottom = min(top + STRIP_ROWS, height - 2 * reach)
        out.paste(smoothed(picture.crop((0, top, width, bottom + 2 * reach)), near, far), (0, top))
    return out


def along(picture: Image.Image, near: float, far: float, vertical: bool) -> Image.Image:
    width, height = picture.size
    reach = 2 if far else 1

    def shifted(offset: int) -> Image.Image:
        if vertical:
            return picture.crop((0, reach + offset, width, height - reach + offset))
        return picture.crop((reach + offset, 0, width - reach + offset, height))

    out = Image.blend(shifted(0), Image.blend(shifted(-1), shifted(1), 0.5), 2 * near / (1 - 2 * far))
    if far:
        out = Image.blend(out, Image.blend(shifted(-2), shifted(2), 0.5), 2 * far)
    return out


def extended(picture: Image.Image, margin: int) -> Image.Image:
    """The picture with its outermost rows and columns repeated `margin` times outwards."""
    width, height = picture.size
    canvas = Image.new(picture.mode, (width + 2 * margin, height + 2 * margin))
    canvas.paste(picture, (margin, margin))

    def repeat(line: tuple[int, int, int, int], size: tuple[int, int], at: tuple[int, int]) -> None:
        canvas.paste(canvas.crop(line).resize(size, Image.Resampling.NEAREST), at)

    repeat((margin, margin, margin + width, margin + 1), (width, margin), (margin, 0))
    repeat((margin, margin + height - 1, margin + width, margin + height), (width, margin), (margin, margin + height))
    tall = height + 2 * margin
    repeat((margin, 0, margin + 1, tall), (margin, tall), (0, 0))
    repeat((margin + width - 1, 0, margin + width, tall), (margin, tall), (margin + width, 0))
    return canvas


# -- sharpen -----------------------------------------------------------------------------------


def sharpen(image: Image.Image, amount: int | None) -> Image.Image:
    if amount is None:
        return image
    return premultiplied(image, functools.partial(unsharp, gain=amount * SHARPEN_PER_STEP))


def unsharp(picture: Image.Image, gain: float) -> Image.Image:
    """picture + gain × (picture − B ∗ picture) inside its outermost pixels (see SHARPEN_PER_STEP)."""
    width, height = picture.size
    if width < 3 or height < 3:
        return picture
    inner = picture.crop((1, 1, width - 1, height - 1))
    sharpened = picture.copy()
    sharpened.paste(Image.blend(smoothed(picture, BINOMIAL_NEAR, 0.0), inner, 1 + gain), (1, 1))
    return sharpened


# -- pixelate ----------------------------------------------------------------------------------


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
