"""glibc's malloc arenas, capped for this process (what MALLOC_ARENA_MAX=2 does, unless it is set).

glibc gives each thread that contends for the heap an arena of its own, up to 8 per core, and
frees little of them back: render threads decoding megapixels each grow one. Two arenas hold a
worker's peak RSS ≈10–15 MiB lower under a cold load for no measurable cost in throughput
(docs/performance.md). It must run before the render threads exist: the ASGI module calls it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_ARENA_MAX = -8  # from glibc's malloc.h


def cap_arenas(arenas: int = 2) -> bool:
    if "MALLOC_ARENA_MAX" in os.environ:  # the operator decided; glibc has read it already
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to cap
        return False
