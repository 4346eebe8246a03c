"""The Pillow pipeline: original bytes + spec → rendition bytes. No I/O, no Django.

A list of small steps, each returning its input when it does not apply. The geometry is planned
once (geometry.py) from the header before any pixels are decoded, so JPEG originals are decoded
at the smallest DCT scale that still leaves headroom for a clean Lanczos pass (`Image.draft`);
only `t_` (its box is found on the decoded pixels, see `trim`) and `g_auto` (which moves the
planned crop, from a small copy of the decoded pixels: smartcrop.py) look at pixels first.
r_, fl_ and cr_ are geometry (transform.py turns the resized result).
Colour (modes, ICC → sRGB) is colour.py, encoders are encoders.py, animation is animation.py.
After the resize come the effects (effects.py: bl_, sh_, px_), the watermark (overlay.py: wm_) and
the encode, within the byte budget (budget.py: mb_), each frame of an animation alike.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from PIL import Image, ImageOps

from resizer.core.errors import Unprocessable
from resizer.core.formats import ALPHA_FORMATS, CONTENT_TYPES, JPEG_FAMILY, OWN_FORMATS
from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import animation, budget, colour, effects, encoders, geometry, overlay, smartcrop, transform
from resizer.imaging.colour import has_alpha
from resizer.imaging.decoders import allowed, decoding, orientation
from resizer.imaging.masters import Masters

log = logging.getLogger(__name__)

# Shrink-on-load to the target scale (as thumbor does; twice as fast as Pillow's thumbnail advice
# of ≥ 2×), but never onto the target itself: a JPEG scale that leaves Lanczos less than this
# much to do comes out soft, so the next finer scale is taken (libvips avoids those too). On the
# benchmark photos: SSIM 0.9970 against a full decode (≥ 2×: 0.9981) for 10 % less time, and
# 4000×3000 → 400 decodes at 1/8 (docs/performance.md). Onto the target itself, as thumbor
# does, loses up to 0.045 SSIM (`bench/tune.py headroom`).
LANCZOS_HEADROOM = 1.25
DCT_SCALES = (8, 4, 2)
# A rendition of a burst whose own JPEG scale is coarser than the widest's (masters.py) is resized
# from that finer decode reduced to its own scale (a 2×2 to 8×8 average), not from a decode of its
# own: not the same bytes as the one made alone. The picture the encoder gets differs from it by
# at most this much on average (0–255, per channel), and is as close to a resize of the full-size
# decode (within 0.1 of a level, closer on some pictures, less close on others). Measured at
# 320–960 px: 0.01–0.31 on 14 of bench/publish.py's photographs, 0.30 on a grainy synthetic photo
# (tests/test_masters.py); resized from the finer decode itself it was 0.26–1.75, for three times
# the Lanczos' work.
MASTER_TOLERANCE = 0.5
TRANSPOSING = frozenset({5, 6, 7, 8})  # EXIF orientations that swap width and height


@dataclass(frozen=True)
class Rendered:
    body: bytes
    format: str
    size: tuple[int, int]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


def render(
    data: bytes,
    spec: RenditionSpec,
    output: str | None,
    limits: Limits,
    mark: overlay.Overlay | None = None,
    masters: Masters | None = None,
    burst: Callable[[], Iterable[RenditionSpec]] = tuple,
) -> Rendered:
    """Decode, orient, resize and encode. `output` is the resolved format, or None for the default;
    `mark` is the watermark of `spec.watermark`, read and decoded by the caller.

    With `masters` (masters.py), the decoded original and the finished frame are shared with the
    other renditions of the same bytes made meanwhile: the decode is made at the finest scale that
    this rendition and those of `burst()` (the renditions of this original waiting for a render)
    need, and a rendition may be resized from a master decoded finer than its own scale and
    reduced to it (within MASTER_TOLERANCE of the rendition made alone; never coarser).

    What Pillow raises while decoding is a 422 (decoders.decoding); what our steps raise is not.
    """
    with decoding(spec.key, limits.max_source_pixels):
        image = open_image(data, limits)
        size = oriented_size(image)
    fmt = output or default_format(image)
    plan = geometry.plan(size, spec)
    if masters is not None and masters.enabled and shareable(image, spec):
        return render_shared(Source(data, image, size, masters), spec, fmt, plan, limits, mark, burst)
    if animation.keeps(image, fmt):
        animation.check_pixels(image.n_frames, plan.canvas, limits.max_source_pixels)
    headroom = headroom_of(spec)
    with decoding(spec.key, limits.max_source_pixels):
        decoded = decode(image, plan, headroom)
    first = colour.normalize_mode(decoded)
    image, first, plan = trim(data, image, first, plan, spec, fmt, limits, headroom)
    plan = smartcrop.refine(first, plan, spec)

    overlay.check(spec.watermark, mark)

    def finish(frame: Image.Image) -> Image.Image:
        return finished(frame, plan, spec, fmt, mark)

    if animation.keeps(image, fmt):
        guard = functools.partial(decoding, spec.key, limits.max_source_pixels)
        frames, timing = animation.render(image, lambda frame: finish(colour.normalize_mode(orient(frame))), guard)
        body = budget.encode(
            functools.partial(animation.encode, frames, timing, fmt), fmt, spec.quality, spec.max_bytes
        )
        return Rendered(body, fmt, frames[0].size)
    return encoded(finish(first), spec, fmt)


def finished(
    frame: Image.Image, plan: geometry.Plan, spec: RenditionSpec, fmt: str, mark: overlay.Overlay | None
) -> Image.Image:
    """Every step from the resize to the encoder's input, in the contract's order."""
    return dressed(shaped(frame, plan, spec), plan, spec, fmt, mark)


def shaped(frame: Image.Image, plan: geometry.Plan, spec: RenditionSpec) -> Image.Image:
    """The resize (with r_ and fl_) and the colour conversion: what every format shares."""
    return colour.to_srgb(resize(frame, plan, effects.downscale_filter(spec)))


def dressed(
    frame: Image.Image, plan: geometry.Plan, spec: RenditionSpec, fmt: str, mark: overlay.Overlay | None
) -> Image.Image:
    """The steps after the resize: padding and flattening (which differ by the format's alpha),
    the effects and the watermark."""
    frame = pad(frame, plan, background(spec, fmt))
    frame = flatten(frame, fmt, background(spec, "jpg"))
    frame = effects.apply(frame, spec)
    return overlay.apply(frame, mark)


def encoded(still: Image.Image, spec: RenditionSpec, fmt: str) -> Rendered:
    body = budget.encode(functools.partial(encoders.encode, still, fmt), fmt, spec.quality, spec.max_bytes)
    return Rendered(body, fmt, still.size)


# -- decode once, render many (masters.py) -------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One original being rendered with shared masters: its bytes, opened handle and upright size."""

    data: bytes
    image: Image.Image
    size: tuple[int, int]
    masters: Masters

    @functools.cached_property
    def digest(self) -> bytes:
        # The bytes themselves name the master: a new version of an original is new bytes, so it can
        # never be rendered from an old master (≈2 ms a MB, against ≈100 ms a MB to decode).
        return hashlib.sha256(self.data).digest()


def shareable(image: Image.Image, spec: RenditionSpec) -> bool:
    """Animations are rendered frame by frame and never kept; t_ finds its box on (and may decode
    again for) each rendition's own decode: both are rendered alone."""
    return spec.trim is None and not animation.is_animated(image)


def render_shared(
    source: Source,
    spec: RenditionSpec,
    fmt: str,
    plan: geometry.Plan,
    limits: Limits,
    mark: overlay.Overlay | None,
    burst: Callable[[], Iterable[RenditionSpec]],
) -> Rendered:
    with decoding(spec.key, limits.max_source_pixels):
        master = shared_master(source, spec, plan, burst)
    plan = smartcrop.refine(master, plan, spec)
    overlay.check(spec.watermark, mark)
    # What only the encoder sees differs by format, quality and byte budget alone: one resized
    # frame for them all; and when there is something to pad, flatten, filter or mark, one
    # finished frame for each alpha treatment (pad and flatten differ by the format's alpha).
    same = replace(spec, format=None, quality=None, max_bytes=None, preset=None, version=None)
    key = ("frame", source.digest, master.size, same)
    frame = source.masters.get([key], lambda: shaped(master, plan, spec), key)
    if not bare(frame, plan, spec, fmt, mark):
        resized, finished_key = frame, (*key, fmt in ALPHA_FORMATS)
        frame = source.masters.get([finished_key], lambda: dressed(resized, plan, spec, fmt, mark), finished_key)
    # A copy for the encoder: Pillow's save sets attributes on the image it saves (encoderinfo),
    # and the frame may be being encoded into another format by another render thread right now.
    return encoded(frame.copy(), spec, fmt)


def bare(frame: Image.Image, plan: geometry.Plan, spec: RenditionSpec, fmt: str, mark: overlay.Overlay | None) -> bool:
    """Whether `dressed` would leave this resized frame as it is: nothing to pad, no alpha to
    flatten, no effect, no mark."""
    untouched = mark is None and spec.blur is None and spec.sharpen is None and spec.pixelate is None
    return untouched and frame.size == plan.canvas and (fmt in ALPHA_FORMATS or not has_alpha(frame))


def shared_master(
    source: Source, spec: RenditionSpec, plan: geometry.Plan, burst: Callable[[], Iterable[RenditionSpec]]
) -> Image.Image:
    """The decoded, upright, mode-normalised original at this rendition's scale or finer: one kept
    or being decoded, or else decoded now at the finest scale the burst needs.

    g_auto takes its own scale only: the crop it finds on a finer decode may move by a pixel or
    two, which no tolerance on pixel values would bound."""
    own = scale_of(source.image, plan, headroom_of(spec))
    if spec.gravity == "auto":
        return source.masters.get([(source.digest, own)], lambda: master_at(source.image, own), (source.digest, own))
    others = [other for other in burst() if other.trim is None]
    scales = (scale_of(source.image, geometry.plan(source.size, other), headroom_of(other)) for other in others)
    finest = min([own, *scales])
    # A master kept at a finer scale is reduced to this one (an exact box average, as a JPEG's DCT
    # scaling nearly is): the resize then works from as many pixels as it would alone, a third of
    # the Lanczos' work of resizing from the finer one. Kept under its own key: g_auto (above)
    # takes only decodes.
    finer = [
        key
        for scale in (*DCT_SCALES, 1)
        if scale < own
        for key in ((source.digest, scale), (source.digest, scale, "shared"))
    ]
    shared = (source.digest, own, "shared")

    def made() -> Image.Image:
        if finest < own:
            master = source.masters.get(finer, lambda: master_at(source.image, finest), (source.digest, finest))
        else:
            master = source.masters.kept(finer)
            if master is None:
                return master_at(source.image, own)
        scale = decoded_scale(source.size, master.size)
        return master.reduce(own // scale) if scale else master

    return source.masters.get([(source.digest, own), shared], made, shared)


def decoded_scale(size: tuple[int, int], decoded: tuple[int, int]) -> int:
    """The JPEG scale (1, 2, 4 or 8) at which an upright original of `size` decodes to `decoded`
    (0 if none does)."""
    return next((scale for scale in (1, 2, 4, 8) if -(-size[0] // scale) == decoded[0]), 0)


def master_at(image: Image.Image, scale: int) -> Image.Image:
    return colour.normalize_mode(decode_at(image, scale))


def scale_of(image: Image.Image, plan: geometry.Plan, headroom: float = LANCZOS_HEADROOM) -> int:
    """The JPEG decode scale a plan takes (1 for the formats that cannot shrink on load)."""
    return denominator(plan, headroom) if image.format in JPEG_FAMILY else 1


def headroom_of(spec: RenditionSpec) -> float:
    """What the resize needs over the output: a blur from effects.DECODE_ONTO_OUTPUT_FROM needs none."""
    return 1.0 if effects.decodes_onto_output(spec) else LANCZOS_HEADROOM


def render_many(
    data: bytes,
    wanted: Sequence[tuple[RenditionSpec, str | None]],
    limits: Limits,
    marks: Mapping[str, overlay.Overlay],
    masters: Masters,
) -> list[Rendered | Exception]:
    """Several renditions of one original (resizer_warm): one decode at the finest scale they need,
    one frame per size; each rendition's result, or what it raised (one bad rendition, say its byte
    budget, does not stop the others; a bad original fails them all alike).
    Without a masters cache (`RESIZER_MASTERS_CACHE_BYTES` 0), each is rendered alone."""
    specs = [spec for spec, _ in wanted]
    results: list[Rendered | Exception] = []
    for spec, output in wanted:
        try:
            mark = marks.get(spec.watermark) if spec.watermark else None
            results.append(render(data, spec, output, limits, mark, masters, lambda: specs))
        except Exception as exc:  # reported per rendition by the caller, as resizer_warm reports each
            results.append(exc)
    return results


def open_image(data: bytes, limits: Limits) -> Image.Image:
    """Open from the header only, refusing other decoders and oversized sources."""
    image = Image.open(io.BytesIO(data), formats=allowed())
    width, height = image.size
    if width * height > limits.max_source_pixels:
        raise Unprocessable(f"the original has {width * height} pixels; the limit is {limits.max_source_pixels}")
    frames = getattr(image, "n_frames", 1)
    if frames > limits.max_frames:  # a source limit like the others: 422, not a silent first frame
        raise Unprocessable(f"the original has {frames} frames; the limit is {limits.max_frames}")
    return image


def default_format(image: Image.Image) -> str:
    """The original's own format when we can write it, else JPEG, or PNG for an image with alpha."""
    own = OWN_FORMATS.get(image.format or "")
    if own:
        return own
    return "png" if has_alpha(image) else "jpg"


def oriented_size(image: Image.Image) -> tuple[int, int]:
    width, height = image.size
    return (height, width) if orientation(image) in TRANSPOSING else (width, height)


def decode(image: Image.Image, plan: geometry.Plan, headroom: float = LANCZOS_HEADROOM) -> Image.Image:
    """Shrink-on-load for JPEG, then apply the EXIF orientation."""
    return decode_at(image, scale_of(image, plan, headroom))


def decode_at(image: Image.Image, scale: int) -> Image.Image:
    """Decode at 1/`scale` (JPEG only; 1: full size), then apply the EXIF orientation."""
    if image.format in JPEG_FAMILY and scale > 1:
        image.draft(image.mode, (image.width // scale, image.height // scale))
    image.load()
    return orient(colour.plain_cmyk(image))


def denominator(plan: geometry.Plan, headroom: float = LANCZOS_HEADROOM) -> int:
    """The JPEG decode scale for a plan, from the part of the original it uses (its window: a
    cr_ region or a fill crop), so a small region of a large original still shrinks on load.
    A blur lowers the headroom to 1 (effects.DECODE_ONTO_OUTPUT_FROM)."""
    if plan.scale >= 1:
        return 1
    left, top, right, bottom = plan.window
    return dct_scale((right - left, bottom - top), plan.scale, headroom)


def dct_scale(size: tuple, scale: Fraction | float, headroom: float = LANCZOS_HEADROOM) -> int:
    """The coarsest JPEG decode scale (1/8, 1/4, 1/2) that keeps `headroom` over the output."""
    for denominator in DCT_SCALES:
        if all(side // denominator >= side * scale * headroom for side in size):
            return denominator
    return 1


def trim(
    data: bytes,
    image: Image.Image,
    first: Image.Image,
    plan: geometry.Plan,
    spec: RenditionSpec,
    fmt: str,
    limits: Limits,
    headroom: float = LANCZOS_HEADROOM,
) -> tuple[Image.Image, Image.Image, geometry.Plan]:
    """t_: find the box on the decoded picture, then plan the geometry on it.

    The picture was decoded for the plan without t_. When the box leaves so little that a JPEG
    decoded at that scale is too coarse for the trimmed geometry, it is decoded again at the
    scale the trimmed plan wants and the box found again there: the box is always found on the
    decode that is resized, so the border it may keep (a decoded pixel or two, see
    transform.full_size) stays under two output pixels. The scale only ever gets finer, so
    this ends after at most three more decodes (1/8 → 1/4 → 1/2 → 1), usually one.
    """
    if spec.trim is None:
        return image, first, plan
    size = plan.frame.upright
    box = transform.trim_box(pictures(data, image, first, fmt, spec, limits), spec.trim, size)
    plan = geometry.plan(size, spec, trim=box)
    while image.format in JPEG_FAMILY and first.width * denominator(plan, headroom) < size[0]:
        with decoding(spec.key, limits.max_source_pixels):
            image = open_image(data, limits)
            first = colour.normalize_mode(decode(image, plan, headroom))
        plan = geometry.plan(size, spec, trim=transform.trim_box([first], spec.trim, size))
    return image, first, plan


def pictures(
    data: bytes, image: Image.Image, first: Image.Image, fmt: str, spec: RenditionSpec, limits: Limits
) -> Iterator[Image.Image]:
    """What t_ looks at: the decoded picture, or every frame of an animation that stays animated
    (read from a second handle, one frame at a time, leaving the first decode as it is)."""
    if not animation.keeps(image, fmt):
        yield first
        return
    guard = functools.partial(decoding, spec.key, limits.max_source_pixels)
    with guard():
        source = open_image(data, limits)
    for frame in animation.frames(source, guard):
        yield colour.normalize_mode(orient(frame))


def orient(image: Image.Image) -> Image.Image:
    return ImageOps.exif_transpose(image) if orientation(image) != 1 else image


def resize(
    image: Image.Image, plan: geometry.Plan, downscale: Image.Resampling = Image.Resampling.LANCZOS
) -> Image.Image:
    """The plan's window of the upright original at the planned size, then r_ and fl_ on the result.
    A downscale before a blur may be bicubic or bilinear (effects.BICUBIC_FROM)."""
    return transform.turn(transform.sample(image, plan, downscale), plan.frame)


def background(spec: RenditionSpec, fmt: str) -> tuple[int, int, int, int]:
    """bg_ as RGBA; default white for JPEG output, transparent for outputs with alpha."""
    if spec.background is not None:
        value = spec.background
        alpha = int(value[6:8], 16) if len(value) == 8 else 255
        return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), alpha)
    return (255, 255, 255, 0) if fmt in ALPHA_FORMATS else (255, 255, 255, 255)


def pad(image: Image.Image, plan: geometry.Plan, color: tuple[int, int, int, int]) -> Image.Image:
    if plan.canvas == image.size:
        return image
    mode = "RGBA" if color[3] < 255 or has_alpha(image) else "RGB"
    canvas = Image.new(mode, plan.canvas, color if mode == "RGBA" else color[:3])
    layer = image.convert(mode)
    canvas.paste(layer, plan.offset, layer if mode == "RGBA" else None)
    return canvas


def flatten(image: Image.Image, fmt: str, color: tuple[int, int, int, int]) -> Image.Image:
    """JPEG has no alpha: composite onto the background (itself composited onto white)."""
    if fmt in ALPHA_FORMATS or not has_alpha(image):
        return image
    alpha = color[3] / 255
    opaque = tuple(round(c * alpha + 255 * (1 - alpha)) for c in color[:3])
    rgba = image.convert("RGBA")
    base = Image.new("RGB", image.size, opaque)
    base.paste(rgba, (0, 0), rgba)
    return base if image.mode not in ("L", "LA") else base.convert("L")
