"""Decoded originals and resized frames, kept briefly in one worker's memory: decode once, render many.

A page's `<picture>` and `srcset`, `f_auto`, `resizer_warm` and `warm_on_save` ask for several
renditions of one original within seconds. Two things are the same for many of them:

- the *master*: the original decoded (shrunk on load at a JPEG DCT scale), upright and in a
  normalised mode, or a finer one reduced to a coarser scale; renditions of every width and
  format are resized from the one at their own scale;
- the *frame*: the resized picture in sRGB, the same for renditions that differ only by format,
  quality or byte budget (f_auto's AVIF, WebP and JPEG of one width); and, where something is
  left to pad, flatten, filter or mark, the finished picture, one per alpha treatment.

Both are kept here by what they are made of, never by name: a master by the SHA-256 of the
original's bytes and its scale, so that a new version of an original can never be rendered from
an old master, whatever the store or a stale copy says. Entries are bounded by bytes (least
recently used go first; one larger than the bound is never kept) and live `ttl` seconds.

Concurrent renders in the render pool share one decode (single flight, across threads): the second
waits for the first's decode rather than decoding again. Thread-safe; holds Pillow images only.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from PIL import Image

# Long enough for a burst (a page's first visitors, a warm of one original's dozen renditions one
# after another), short enough that a worker soon gives the memory back once the burst is over.
SECONDS = 15.0
# Pillow keeps L, P and 1 in one byte a pixel, I;16 in two, everything else (RGB too) in four.
BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2}


def nbytes(image: Image.Image) -> int:
    return image.width * image.height * BYTES_PER_PIXEL.get(image.mode, 4)


@dataclass
class _Entry:
    image: Image.Image
    size: int
    expires: float


class Masters:
    """A byte-bounded, expiring LRU of Pillow images with single flight; `max_bytes` 0 turns it off."""

    def __init__(
        self,
        max_bytes: int,
        ttl: float = SECONDS,
        clock: Callable[[], float] = time.monotonic,
        observe: Callable[[Hashable, str], None] | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.clock = clock
        # Told of every lookup that found something ("kept", "joined") and every make ("made"),
        # with the key: the service counts them (resizer_masters_total).
        self.observe = observe or (lambda key, result: None)
        self.size = 0
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._flights: dict[Hashable, Future[Image.Image]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, keys: Sequence[Hashable], make: Callable[[], Image.Image], made: Hashable) -> Image.Image:
        """The first of `keys` kept, or else being made; otherwise `make()`, kept as `made`.

        `keys` are the acceptable entries in order of preference, `made` (one of them) what `make`
        makes. A caller that finds it being made waits for it (and gets its error, if it fails).
        """
        if not self.enabled:
            return make()
        with self._lock:
            image, flight = self._lookup(keys)
            if image is None and flight is None:
                mine = self._flights[made] = Future()
        if image is not None:
            self.observe(made, "kept")
            return image
        if flight is not None:
            self.observe(made, "joined")
            return flight.result()
        self.observe(made, "made")
        return self._make(made, make, mine)

    def kept(self, keys: Sequence[Hashable]) -> Image.Image | None:
        """The first of `keys` kept, or else being made (waited for); None if none is."""
        if not self.enabled:
            return None
        with self._lock:
            image, flight = self._lookup(keys)
        if image is not None or flight is not None:
            self.observe(keys[0], "kept" if image is not None else "joined")
        return flight.result() if flight is not None else image

    def _lookup(self, keys: Sequence[Hashable]) -> tuple[Image.Image | None, Future[Image.Image] | None]:
        """Under the lock: the first of `keys` kept, or else the flight making one of them."""
        self._expire()
        for key in keys:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry.image, None
        return None, next((self._flights[key] for key in keys if key in self._flights), None)

    def _make(self, key: Hashable, make: Callable[[], Image.Image], flight: Future[Image.Image]) -> Image.Image:
        try:
            image = make()
        except BaseException as exc:
            with self._lock:
                del self._flights[key]
            flight.set_exception(exc)
            raise
        with self._lock:
            del self._flights[key]
            self._keep(key, image)
        flight.set_result(image)
        return image

    def _keep(self, key: Hashable, image: Image.Image) -> None:
        size = nbytes(image)
        if size > self.max_bytes:
            return  # used by the renders waiting for it, never kept: it would flush everything else
        self._drop(key)
        self._entries[key] = _Entry(image, size, self.clock() + self.ttl)
        self.size += size
        while self.size > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _expire(self) -> None:
        now = self.clock()
        for key in [key for key, entry in self._entries.items() if entry.expires <= now]:
            self._drop(key)

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.size -= entry.size

    def __len__(self) -> int:
        return len(self._entries)
