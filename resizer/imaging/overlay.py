"""Watermarks on the finished picture (wm_): a mark decoded once, prepared once per output size.

An `Overlay` is one configured watermark (core/watermarks.py) with its decoded image. For each
output size it prepares the mark (scaled to `scale` × the output's width but never past its own
size, nor past the output's height, its alpha multiplied by `opacity`) and keeps a few of those
(`PREPARED_BYTES`), so a page's srcset of one size pays for the preparation once. The placement is
the compass gravity with `margin` × the output's shorter side, kept inside the picture.
No I/O here: the server reads the mark's bytes (server/watermarks.py).
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

from PIL import Image, ImageOps

from resizer.core.watermarks import Watermark
from resizer.imaging import colour
from resizer.imaging.decoders import allowed

# Prepared marks kept per watermark, least recently used first out. A logo prepared for a
# 1280 px output at scale 0.25 is ≈320×100 RGBA, ≈128 KB: this holds dozens of sizes, while a
# large mark at large outputs cannot grow the process past it.
PREPARED_BYTES = 8 * 1024 * 1024
Size = tuple[int, int]


class Overlay:
    def __init__(self, mark: Watermark, image: Image.Image) -> None:
        self.mark = mark
        self.image = image  # RGBA, upright, sRGB
        self._prepared: OrderedDict[Size, Image.Image] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()  # render threads share the overlay
        self.preparations = 0  # how many times a size was prepared (a miss of the cache)

    @classmethod
    def decode(cls, mark: Watermark, data: bytes) -> Overlay:
        """The mark's image from its bytes; what Pillow raises is left to the caller, which names
        the watermark. Animated marks give their first frame."""
        image = Image.open(io.BytesIO(data), formats=allowed())
        image.load()
        upright = ImageOps.exif_transpose(image)
        return cls(mark, colour.to_srgb(colour.normalize_mode(upright)).convert("RGBA"))

    def prepared(self, size: Size) -> Image.Image:
        """The mark scaled and faded for an output of `size`, made once and kept (bounded)."""
        with self._lock:
            if size in self._prepared:
                self._prepared.move_to_end(size)
                return self._prepared[size]
        made = self._prepare(size)
        with self._lock:
            self.preparations += 1
            self._keep(size, made)
        return made

    def _keep(self, size: Size, made: Image.Image) -> None:
        cost = made.width * made.height * 4
        if size in self._prepared or cost > PREPARED_BYTES:
            return
        self._prepared[size] = made
        self._held += cost
        while self._held > PREPARED_BYTES:
            _, dropped = self._prepared.popitem(last=False)
            self._held -= dropped.width * dropped.height * 4

    def _prepare(self, size: Size) -> Image.Image:
        # Pillow resizes RGBA premultiplied: the mark's clear surroundings bring no dark fringe.
        scaled = self.image.resize(fitted(self.image.size, size, self.mark.scale), Image.Resampling.LANCZOS)
        return fade(scaled, self.mark.opacity)

    def place(self, size: Size, mark: Size) -> tuple[int, int]:
        """The mark's top-left corner: its gravity, `margin` × the shorter side from the edges it
        leans on, never outside the picture (a mark as wide as the picture gets no margin)."""
        margin = round(self.mark.margin * min(size))
        return (
            _along(size[0], mark[0], margin, self.mark.gravity, "west", "east"),
            _along(size[1], mark[1], margin, self.mark.gravity, "north", "south"),
        )


def fitted(own: Size, output: Size, scale: float) -> Size:
    """`scale` × the output's width, never enlarged past the mark's own size, and no taller than
    the output (a tall mark on a wide, short picture); the aspect ratio kept, at least 1 pixel."""
    width = min(own[0], max(1, round(scale * output[0])))
    height = max(1, round(own[1] * width / own[0]))
    if height > output[1]:
        height = output[1]
        width = max(1, round(own[0] * height / own[1]))
    return width, height


def fade(image: Image.Image, opacity: float = 1.0) -> Image.Image:
    """The mark's alpha multiplied by `opacity` (1: the image as it is)."""
    if opacity >= 1:
        return image
    faded = image.copy()
    faded.putalpha(image.getchannel("A").point(lambda alpha: round(alpha * opacity)))
    return faded


def _along(total: int, length: int, margin: int, gravity: str, start: str, end: str) -> int:
    if end in gravity:
        offset = total - length - margin
    elif start in gravity:
        offset = margin
    else:
        offset = (total - length) // 2
    return min(max(0, offset), max(0, total - length))


def check(name: str | None, overlay: Overlay | None) -> None:
    """A rendition that names a mark is never made without it (a caller that forgot to pass it
    would otherwise serve, and store for a year, an unmarked picture under a marked URL)."""
    if name is None:
        return
    if overlay is None or overlay.mark.name != name:
        raise ValueError(f"wm_{name}: the watermark was not given to the pipeline")


def apply(image: Image.Image, overlay: Overlay | None) -> Image.Image:
    """The finished picture with the mark composited over it ("over": the mark's alpha blends it
    in, the picture's own alpha is kept where the mark is clear). A grey picture becomes RGB: the
    mark keeps its colours."""
    if overlay is None:
        return image
    mark = overlay.prepared(image.size)
    position = overlay.place(image.size, mark.size)
    if colour.has_alpha(image):
        picture = image.convert("RGBA") if image.mode != "RGBA" else image.copy()
        picture.alpha_composite(mark, position)
        return picture
    picture = image.convert("RGB") if image.mode != "RGB" else image.copy()
    picture.paste(mark, position, mark)
    return picture
