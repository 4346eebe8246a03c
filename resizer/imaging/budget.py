"""The byte budget (mb_): a lossy output encoded at lower qualities until it fits.

From `q_` (or the format's default) down to `FLOOR`, at most `MOST_ENCODES` encodes in all, the
highest quality that fits is answered, or, when none fits, the smallest encode made. PNG and GIF
are lossless here: the budget does not apply to them. The search is deterministic (the same
picture and options give the same bytes), so a rendition stays one stored object.

The search: encode at the start quality; if that is too big, estimate the quality that fits from
its bytes with a prior slope (below), encode there; while nothing fits, extrapolate along the
slope the two lowest encodes show; once one fits, interpolate, in log bytes, between the nearest
quality that fits and the nearest that does not, at least a quarter of the way in from either (so
the bracket shrinks by a quarter an encode at worst). Each estimate is rounded down, so
an estimate that is close tends to fit. Most budgets are met in 2 to 4 encodes; one that nothing
fits is known after 2 (the estimate lands on the floor).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from resizer.core.formats import DEFAULT_QUALITY

FLOOR = 10
MOST_ENCODES = 6
# The prior: bytes shrink by this factor (in log) per quality point. At 400 and 1280 px on the
# demo's dusk photo and fractal and the benchmark's grainy photo, q10 gives 0.14–0.65 of the
# default quality's bytes (JPEG 0.27–0.45, WebP 0.35–0.65, AVIF 0.14–0.58), ≈0.3 in the middle,
# over the ≈70 points from q78 to q10: ln(1 / 0.3) / 68.
LOG_BYTES_PER_POINT = math.log(1 / 0.3) / 68

Encode = Callable[[int], bytes]


def encode(encode_at: Callable[[int | None], bytes], fmt: str, quality: int | None, max_bytes: int | None) -> bytes:
    """`encode_at(quality)` once, or, with a budget on a lossy format, the search below."""
    if max_bytes is None or fmt not in DEFAULT_QUALITY:
        return encode_at(quality)
    return fit(encode_at, quality or DEFAULT_QUALITY[fmt], max_bytes)


def fit(encode_at: Encode, start: int, max_bytes: int) -> bytes:
    """The encode at the highest quality from `start` down to FLOOR that is at most `max_bytes`,
    or the smallest made; never more than MOST_ENCODES calls of `encode_at`."""
    made = {start: encode_at(start)}
    while len(made) < MOST_ENCODES:
        quality = next_quality(made, max_bytes)
        if quality is None:
            break
        made[quality] = encode_at(quality)
    fitting = [quality for quality, body in made.items() if len(body) <= max_bytes]
    if fitting:
        return made[max(fitting)]
    return min(made.values(), key=len)


def next_quality(made: dict[int, bytes], max_bytes: int) -> int | None:
    """Where to encode next, or None when the search is over: the start fits, the nearest fitting
    and too-big qualities are neighbours, or the floor itself is too big."""
    sizes = {quality: len(body) for quality, body in made.items()}
    too_big = [quality for quality, size in sizes.items() if size > max_bytes]
    if not too_big:
        return None
    high = min(too_big)
    fitting = [quality for quality, size in sizes.items() if size <= max_bytes]
    if fitting:
        low = max(fitting)
        if low >= high - 1:  # neighbours (or a codec whose bytes are not monotonic: stop there)
            return None
        share = math.log(max_bytes / sizes[low]) / math.log(sizes[high] / sizes[low])
        # At least a quarter of the way in from either end: where bytes are far from log-linear in
        # quality (jpegli on grain: flat below q60, doubling from q65 to q77), plain interpolation
        # creeps up from one side a few points an encode and runs out of encodes.
        margin = (high - low) // 4
        return min(high - 1 - margin, max(low + 1 + margin, math.floor(low + share * (high - low))))
    if high <= FLOOR:
        return None
    estimate = high - math.log(sizes[high] / max_bytes) / slope(sizes, sorted(too_big))
    return min(high - 1, max(FLOOR, math.floor(estimate)))


def slope(sizes: dict[int, int], too_big: list[int]) -> float:
    """Log bytes per quality point below the lowest too-big quality: the secant through the two
    lowest too-big encodes once there are two (a picture of noise loses bytes far more slowly
    than the prior says), else the prior."""
    if len(too_big) < 2 or sizes[too_big[1]] <= sizes[too_big[0]]:
        return LOG_BYTES_PER_POINT
    return math.log(sizes[too_big[1]] / sizes[too_big[0]]) / (too_big[1] - too_big[0])
