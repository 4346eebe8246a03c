"""The Pillow pipeline: original bytes + spec → rendition bytes. No I/O, no Django.

A list of small steps, each returning its input when it does not apply. The geometry is planned
once (geometry.py) from the header before any pixels are decoded, so JPEG originals are decoded
at the smallest DCT scale that still leaves headroom for a clean Lanczos pass (`Image.draft`).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from PIL import Image, ImageOps

from resizer import geometry
from resizer.errors import ResizerError, Unprocessable
from resizer.policy import Limits
from resizer.spec import RenditionSpec

log = logging.getLogger(__name__)

# Passed to Image.open(formats=…): no other decoder ever sees the bytes. JPEG covers MPO.
DECODERS = ["JPEG", "PNG", "GIF", "WEBP", "AVIF"]
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "avif": "image/avif",
    "gif": "image/gif",
}
# The original's own format, when the output can be that format.
OWN_FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "AVIF": "avif", "GIF": "gif"}
ALPHA_FORMATS = frozenset({"png", "webp", "avif", "gif"})
DEFAULT_QUALITY = {"jpg": 80, "webp": 80, "avif": 60}
# Pillow's own advice: decode at ≥ 2× the target and let Lanczos finish (Image.thumbnail).
REDUCING_GAP = 2.0
TRANSPOSING = frozenset({5, 6, 7, 8})  # EXIF orientations that swap width and height


@dataclass(frozen=True)
class Rendered:
    body: bytes
    format: str
    size: tuple[int, int]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


def render(data: bytes, spec: RenditionSpec, output: str | None, limits: Limits) -> Rendered:
    """Decode, orient, resize and encode. `output` is the resolved format, or None for the default.

    Anything Pillow raises while doing so means the original is not an image we can use: 422.
    """
    try:
        return _render(data, spec, output, limits)
    except ResizerError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Image.open refuses from the header alone (AppConfig.ready sets its limit process-wide).
        raise Unprocessable(f"the original is over the limit of {limits.max_source_pixels} pixels") from exc
    except Exception as exc:  # Pillow signals bad input with many exception types
        log.info("undecodable original %r: %s: %s", spec.key, type(exc).__name__, exc)
        raise Unprocessable("the original could not be decoded as an image") from exc


def _render(data: bytes, spec: RenditionSpec, output: str | None, limits: Limits) -> Rendered:
    image = open_image(data, limits)
    fmt = output or default_format(image)
    oriented = oriented_size(image)
    plan = geometry.plan(oriented, spec)
    image = decode(image, plan)
    image = normalize_mode(image)
    image = resize(image, plan)
    image = pad(image, plan, background(spec, fmt))
    image = flatten(image, fmt, background(spec, "jpg"))
    body = encode(image, fmt, spec.quality)
    return Rendered(body, fmt, image.size)


def open_image(data: bytes, limits: Limits) -> Image.Image:
    """Open from the header only, refusing other decoders and oversized sources."""
    image = Image.open(io.BytesIO(data), formats=DECODERS)
    width, height = image.size
    if width * height > limits.max_source_pixels:
        raise Unprocessable(f"the original has {width * height} pixels; the limit is {limits.max_source_pixels}")
    frames = getattr(image, "n_frames", 1)
    if frames > limits.max_frames:  # a source limit like the others: 422, not a silent first frame
        raise Unprocessable(f"the original has {frames} frames; the limit is {limits.max_frames}")
    return image


def default_format(image: Image.Image) -> str:
    own = OWN_FORMATS.get(image.format or "")
    if own:
        return own
    return "png" if has_alpha(image) else "jpg"


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def oriented_size(image: Image.Image) -> tuple[int, int]:
    width, height = image.size
    return (height, width) if orientation(image) in TRANSPOSING else (width, height)


def orientation(image: Image.Image) -> int:
    return image.getexif().get(0x0112, 1)


def decode(image: Image.Image, plan: geometry.Plan) -> Image.Image:
    """Shrink-on-load for JPEG, then apply the EXIF orientation."""
    if image.format in ("JPEG", "MPO") and plan.scale < 1:
        needed = [round(side * plan.scale * REDUCING_GAP) for side in image.size]
        image.draft(image.mode, (max(1, needed[0]), max(1, needed[1])))
    image.load()
    return ImageOps.exif_transpose(image) if orientation(image) != 1 else image


def normalize_mode(image: Image.Image) -> Image.Image:
    """Bring every input mode to L, LA, RGB or RGBA without losing tone or transparency."""
    mode = image.mode
    if mode in ("L", "LA", "RGB", "RGBA"):
        return image
    if mode.startswith("I;16") or mode == "I":
        # 16-bit grey: scale to 8 bits (a plain convert would clip mid-grey to white).
        return image.convert("I").point(lambda value: value / 257).convert("L")
    if mode == "1":
        return image.convert("L")
    if mode in ("P", "PA"):
        return image.convert("RGBA" if has_alpha(image) else "RGB")
    if mode in ("LA", "La"):
        return image.convert("LA")
    return image.convert("RGBA" if has_alpha(image) else "RGB")


def resize(image: Image.Image, plan: geometry.Plan) -> Image.Image:
    if not plan.resizes and image.size == plan.source:
        return image
    # The decoded image may be smaller than the source (draft): map the region onto it.
    sx, sy = image.width / plan.source[0], image.height / plan.source[1]
    left, top, right, bottom = plan.region
    box = (left * sx, top * sy, right * sx, bottom * sy)
    return image.resize(plan.size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


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


def encode(image: Image.Image, fmt: str, quality: int | None) -> bytes:
    """Encode with per-format defaults; no EXIF, ICC or other metadata is carried over."""
    image.info = {}
    out = io.BytesIO()
    quality = quality or DEFAULT_QUALITY.get(fmt, 0)
    if fmt == "jpg":
        image = image if image.mode in ("L", "RGB") else image.convert("RGB")
        subsampling = "4:4:4" if quality >= 90 else "4:2:0"
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True, subsampling=subsampling)
    elif fmt == "png":
        image.save(out, "PNG", compress_level=6)
    elif fmt == "webp":
        image = _rgb_or_rgba(image)
        image.save(out, "WEBP", quality=quality, method=4)
    elif fmt == "avif":
        image = _rgb_or_rgba(image)
        image.save(out, "AVIF", quality=quality, speed=8)
    elif fmt == "gif":
        image.save(out, "GIF")
    else:  # pragma: no cover - the grammar admits only the formats above
        raise ValueError(f"unknown output format {fmt}")
    return out.getvalue()


def _rgb_or_rgba(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA"):
        return image
    return image.convert("RGBA" if has_alpha(image) else "RGB")
