"""Animated GIF, WebP and APNG: every frame resized, with its timing and loop count.

Animation is kept when the output can hold it (GIF, WebP, AVIF); JPEG and PNG outputs get the first
frame (APNG is not an output format).
Frames are decoded one at a time, so memory holds one full-size frame plus the outputs, whose pixels
across all frames are bounded like one original's (`check_pixels`).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from PIL import Image

from resizer.core.errors import Unprocessable
from resizer.core.formats import ANIMATED_FORMATS
from resizer.imaging import encoders

log = logging.getLogger(__name__)
Guard = Callable[[], AbstractContextManager[None]]

# Sources whose frames Pillow composites onto the full canvas for us (disposal and blending done).
ANIMATED_SOURCES = frozenset({"GIF", "WEBP", "PNG", "AVIF"})


@dataclass(frozen=True)
class Timing:
    durations: list[int]  # milliseconds per frame
    loop: int | None  # 0 = forever, n = that many times; None: play once (a GIF without NETSCAPE2.0)


def is_animated(image: Image.Image) -> bool:
    return image.format in ANIMATED_SOURCES and getattr(image, "n_frames", 1) > 1


def keeps(image: Image.Image, fmt: str) -> bool:
    return fmt in ANIMATED_FORMATS and is_animated(image)


def check_pixels(frames: int, canvas: tuple[int, int], limit: int) -> None:
    """An animated rendition holds every output frame until the encoder has them all: frames × the
    output canvas, which RESIZER_MAX_FRAMES alone lets grow to 100 originals' worth of pixels (a 260 KB
    GIF of 100 flat 1000×1000 frames took 525 MiB to serve as it is). Bounded like one original's
    pixels, before any frame is decoded: smaller renditions of the same animation are still made."""
    width, height = canvas
    if frames * width * height > limit:
        raise Unprocessable(
            f"too many pixels across frames: {frames} frames of {width}×{height}; the limit is {limit} in all"
        )


def frames(image: Image.Image, guard: Guard) -> Iterator[Image.Image]:
    """Each frame as its own image (seeking reuses the source object, so copy before moving on).

    A frame that cannot be decoded ends the animation there, as browsers play what they can (an
    APNG whose later fdAT chunks are out of sequence, say); the first frame must decode.
    """
    for index in range(image.n_frames):
        try:
            with guard():
                image.seek(index)
                frame = image.copy()
        except Unprocessable:
            if index == 0:
                raise
            log.info("frame %d of %d cannot be decoded: the animation ends before it", index, image.n_frames)
            return
        yield frame


def render(
    image: Image.Image, step: Callable[[Image.Image], Image.Image], guard: Guard
) -> tuple[list[Image.Image], Timing]:
    """Apply `step` (the still pipeline after decoding) to every frame, and read the timing.
    `guard()` is the decoding boundary (decoders.decoding) for what Pillow raises while seeking."""
    durations, outputs = [], []
    for frame in frames(image, guard):
        durations.append(int(frame.info.get("duration") or image.info.get("duration") or 0))
        outputs.append(step(frame))
    image.seek(0)
    return outputs, Timing(durations, image.info.get("loop"))


def encode(frames: list[Image.Image], timing: Timing, fmt: str, quality: int | None) -> bytes:
    out = io.BytesIO()
    first, rest = frames[0], frames[1:]
    if fmt == "gif":
        # Disposal 2 (restore to background): frames are full composites, so a transparent pixel
        # must show the page, not the frame before. Without a loop count a GIF plays once.
        loop = {} if timing.loop is None else {"loop": timing.loop}
        first.save(out, "GIF", save_all=True, append_images=rest, duration=timing.durations, disposal=2, **loop)
        return out.getvalue()
    # WebP and AVIF have no "absent" loop count: a GIF that plays once is loop=1 there.
    loop = 1 if timing.loop is None else timing.loop
    frames = [encoders.rgb_or_rgba(frame) for frame in frames]
    options = {
        "webp": {"method": encoders.WEBP_METHOD},
        "avif": {"speed": encoders.animated_avif_speed(), **encoders.AVIF_OPTIONS},
    }[fmt]
    frames[0].save(
        out,
        fmt.upper(),
        save_all=True,
        append_images=frames[1:],
        duration=timing.durations,
        loop=loop,
        quality=quality or encoders.DEFAULT_QUALITY[fmt],
        **options,
    )
    return out.getvalue()
