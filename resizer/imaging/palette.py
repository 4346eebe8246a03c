"""Palette PNGs: exact when a rendition has at most 256 colours, near-exact when it has few.

A downscaled graphic (a logo, an icon, a screenshot) has a handful of flat colours in the original
but thousands after Lanczos, which blends them along every edge: written as truecolour, the
rendition can be larger than its original. Quantized back to 256 colours it is 1.8–11× smaller
(≈3× typically) and looks the same; a photograph quantized to 256 colours bands. So the encoder
tries the palettes below and keeps the smallest body among truecolour and the palettes that pass a
fidelity gate against the truecolour pixels (docs/quality.md, bench/png_palette.py).

How the peers decide: sharp writes a palette only when asked (`png({palette: true})`, libimagequant
at quality 100 and full dithering), and imgproxy when asked (`png_quantize`) or when libvips saw a
palette in the original (its bit depth is kept); neither has a quality floor or compares sizes.
We have no option to ask with and often no palette in the original to go by (the demo's 5-colour
badge is an RGBA PNG), so we decide from the rendition's own pixels and bytes, like pngquant's
`--quality` floor (refuse a palette below it, keep the truecolour file).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

from PIL import Image, ImageChops, features

COLOURS = 256
# The guard: only a rendition with at most one distinct colour per four pixels is tried. Downscaled
# graphics have 0.3–23 % (under 8 % from 150 px up), a photo-like picture 72–100 %, and `getcolors`
# gives up on those within 1–2 ms. The cap bounds the quantizers' time (≈40 ms each at 12k colours).
DISTINCT_SHARE = 4
MAX_DISTINCT = 16384

# The fidelity gate, per channel of premultiplied RGBA (what shows on any background), against the
# truecolour pixels: the mean error at most one level in 255 (a banded gradient or posterised photo
# has 3–6), 99.9 % of channel values within 16 (only isolated anti-aliased pixels may be off by
# more), and every pixel stays fully transparent, translucent or opaque as it was (a palette that
# makes a clear background faintly opaque, an opaque shape faintly clear, or a soft edge hard, is
# refused).
MEAN_ERROR = 1.0
TAIL_SHARE = 0.001
TAIL_ERROR = 16

# RGBA: alpha is quantized on its own, to levels at most this wide (an error of at most 4); any
# alpha value covering 1 % of the picture (a translucent fill) is a level of its own, kept exact.
LEVEL_SPAN = 9
FLAT_SHARE = 0.01

# Pillow's quantizers for each mode: maximum coverage keeps rare colours (small details, text
# anti-aliasing) within a few levels; median cut (Pillow's default) spends its colours where the
# pixels are, best on many-coloured ramps; fast octree is the cheapest and smallest when it is
# faithful enough. libimagequant, where Pillow has it, is tried too. No dithering: it made flat
# graphics 1.3–2.2× larger and noisier (docs/quality.md), and Pillow has none for RGBA palettes.
RGB_METHODS = (Image.Quantize.MAXCOVERAGE, Image.Quantize.MEDIANCUT, Image.Quantize.FASTOCTREE)
RGBA_METHODS = (Image.Quantize.FASTOCTREE,)
LIBIMAGEQUANT = (Image.Quantize.LIBIMAGEQUANT,) if features.check("libimagequant") else ()


def exact(image: Image.Image) -> Image.Image:
    """A palette image when at most 256 colours represent every pixel (and alpha) exactly."""
    if image.mode not in ("RGB", "RGBA"):
        return image  # grey is one byte a pixel already
    colours = image.getcolors(COLOURS)
    if colours is None:
        return image
    # Median cut has no RGBA support; fast octree has. With as many slots as colours both are exact
    # in practice, and the check below makes sure.
    method = Image.Quantize.FASTOCTREE if image.mode == "RGBA" else Image.Quantize.MEDIANCUT
    indexed = image.quantize(len(colours), method=method, dither=Image.Dither.NONE)
    if ImageChops.difference(indexed.convert(image.mode), image).getbbox() is not None:
        return image
    return indexed


def faithful(image: Image.Image) -> list[Image.Image]:
    """The lossy palette versions of a few-coloured RGB(A) rendition that pass the fidelity gate."""
    if image.mode not in ("RGB", "RGBA") or not few_colours(image):
        return []
    return [indexed for indexed in quantizations(image) if fidelity(image, indexed).faithful]


def few_colours(image: Image.Image) -> bool:
    limit = min(image.width * image.height // DISTINCT_SHARE, MAX_DISTINCT)
    return image.getcolors(limit) is not None


def quantizations(image: Image.Image) -> list[Image.Image]:
    """Every palette we try, in a fixed order (ties in size go to the first)."""
    if image.mode == "RGBA":
        methods = RGBA_METHODS + LIBIMAGEQUANT
        return [layered(image)] + [image.quantize(COLOURS, method=m, dither=Image.Dither.NONE) for m in methods]
    methods = RGB_METHODS + LIBIMAGEQUANT
    return [image.quantize(COLOURS, method=m, dither=Image.Dither.NONE) for m in methods]


@dataclass(frozen=True)
class Fidelity:
    mean: float  # mean absolute error per premultiplied channel, in levels of 255
    tail: int  # the error that all but TAIL_SHARE of the channel values stay within
    alpha_kept: bool  # every pixel stayed clear, soft or opaque

    @property
    def faithful(self) -> bool:
        return self.mean <= MEAN_ERROR and self.tail <= TAIL_ERROR and self.alpha_kept


def fidelity(image: Image.Image, indexed: Image.Image) -> Fidelity:
    """How far a palette version is from the truecolour pixels."""
    if image.mode == "RGBA":
        theirs = indexed.convert("RGBA")
        difference = ImageChops.difference(image.convert("RGBa"), theirs.convert("RGBa"))
        kept = alpha_kept(image, theirs)
    else:
        difference, kept = ImageChops.difference(image, indexed.convert(image.mode)), True
    histogram = difference.histogram()
    counts = [sum(histogram[level::256]) for level in range(256)]  # pooled over the channels
    total = sum(counts)
    mean = sum(level * count for level, count in enumerate(counts)) / total
    tail = next(level for level, within in enumerate(accumulate(counts)) if within >= total * (1 - TAIL_SHARE))
    return Fidelity(mean, tail, kept)


def alpha_kept(image: Image.Image, rgba: Image.Image) -> bool:
    """Every pixel stays clear, soft or opaque as it was."""
    kinds = [im.getchannel("A").point(alpha_kind) for im in (image, rgba)]
    return ImageChops.difference(*kinds).getbbox() is None


def alpha_kind(alpha: int) -> int:
    return 0 if alpha == 0 else 255 if alpha == 255 else 128


# -- RGBA ------------------------------------------------------------------------------------------


def layered(image: Image.Image) -> Image.Image:
    """RGBA → palette with alpha: premultiplied colours by maximum coverage, alpha by levels.

    Without libimagequant Pillow quantizes RGBA only by fast octree, which buckets alpha in steps
    of 32 (soft shadows band, and a clear background turns faintly opaque). Here the colour (premultiplied, so the
    invisible colour of nearly clear pixels does not spend the palette) and the alpha are quantized
    apart, and each (colour, level) pair that occurs is a palette entry: the 256 most frequent,
    the rest mapped to the nearest of those.
    """
    alpha = image.getchannel("A")
    premultiplied = Image.merge("RGB", image.convert("RGBa").split()[:3])
    colours = premultiplied.quantize(COLOURS, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
    levels, level_of = alpha_levels(alpha.histogram())
    # One 16-bit key a pixel, colour index + 256 × level index, read back through one table.
    pairs_image = Image.merge("LA", (Image.frombytes("L", image.size, colours.tobytes()), alpha.point(level_of)))
    pairs = sorted(pairs_image.getcolors(COLOURS * COLOURS), reverse=True)
    palette = colours.getpalette("RGB") or []
    entries = [unpremultiplied(palette[3 * c : 3 * c + 3], levels[level]) for _, (c, level) in pairs]
    kept = entries[:COLOURS]
    targets = [premultiplied_entry(entry) for entry in kept]
    table = [0] * (COLOURS * COLOURS)
    for index, (_, (c, level)) in enumerate(pairs):
        table[c + COLOURS * level] = index if index < COLOURS else nearest(entries[index], kept, targets)
    keys = Image.frombytes("I;16", image.size, pairs_image.tobytes()).convert("I")
    indexed = Image.frombytes("P", image.size, keys.point(table, "L").tobytes())
    indexed.putpalette([value for entry in kept for value in entry], "RGBA")
    return indexed


def alpha_levels(histogram: list[int]) -> tuple[list[int], list[int]]:
    """The alpha levels (each the mean of the values it stands for) and each value's level."""
    total = sum(histogram)
    exact_values = {0, 255} | {value for value, count in enumerate(histogram) if count >= FLAT_SHARE * total}
    runs: list[list[int]] = [[]]
    for value in range(256):
        if value in exact_values:
            runs += [[value], []]
        else:
            runs[-1].append(value)
            if len(runs[-1]) == LEVEL_SPAN:
                runs.append([])
    levels: list[int] = []
    level_of = [0] * 256
    for run in runs:
        weight = sum(histogram[value] for value in run)
        if weight:
            for value in run:
                level_of[value] = len(levels)
            levels.append(round(sum(value * histogram[value] for value in run) / weight))
    return levels, level_of


def unpremultiplied(colour: list[int], alpha: int) -> tuple[int, int, int, int]:
    if alpha == 0:
        return (0, 0, 0, 0)
    red, green, blue = (min(255, round(value * 255 / alpha)) for value in colour)
    return (red, green, blue, alpha)


def premultiplied_entry(entry: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    red, green, blue, alpha = entry
    return (red * alpha, green * alpha, blue * alpha, 255 * alpha)


def nearest(
    entry: tuple[int, int, int, int], kept: list[tuple[int, int, int, int]], targets: list[tuple[int, int, int, int]]
) -> int:
    """The kept entry closest in premultiplied RGBA that keeps the pixel clear, soft or opaque as it
    was (so anti-aliased edges stay anti-aliased), preferably within two levels' span of its alpha."""
    alpha = entry[3]
    if alpha in (0, 255):
        candidates = [i for i, other in enumerate(kept) if other[3] == alpha]
    else:
        soft = [i for i, other in enumerate(kept) if 0 < other[3] < 255]
        candidates = [i for i in soft if abs(kept[i][3] - alpha) <= 2 * LEVEL_SPAN] or soft
    r, g, b, a = premultiplied_entry(entry)

    def distance(index: int) -> int:
        tr, tg, tb, ta = targets[index]
        return (tr - r) ** 2 + (tg - g) ** 2 + (tb - b) ** 2 + (ta - a) ** 2

    return min(candidates or range(len(kept)), key=distance)
