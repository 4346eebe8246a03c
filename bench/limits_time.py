"""What the source limits and g_auto cost, beside the work each is compared with in the tests:
`.venv/bin/python bench/limits_time.py [RUNS]`.

tests/test_sources.py and tests/test_smartcrop.py assert no number of seconds (a slower machine
would fail them, a faster one let anything pass); they compare each cost with a peer measured in the
same test, or check what keeps it cheap. These are the figures behind those ratios. Best of RUNS.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

import django  # noqa: E402

django.setup()  # the process-wide limits, as the service sets them at start-up

from resizer.core.errors import Unprocessable  # noqa: E402
from resizer.core.policy import Limits  # noqa: E402
from resizer.core.spec import RenditionSpec  # noqa: E402
from resizer.imaging import (  # noqa: E402
    geometry,
    pipeline,
    smartcrop,
)
from tests.support import hostile  # noqa: E402
from tests.support.images import png, quadrants  # noqa: E402

SPEC = RenditionSpec("bench", width=10)


def best_ms(work: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        with contextlib.suppress(Unprocessable):  # a refusal is the work measured
            work()
        timings.append(time.perf_counter() - started)
    return min(timings) * 1000


def render(data: bytes) -> Callable[[], object]:
    return lambda: pipeline.render(data, SPEC, None, Limits())


def chunk_payload(data: bytes, kind: bytes) -> bytes:
    """The zlib stream of the first chunk of this type (past its keyword and flags)."""
    at = data.index(kind)
    length = int.from_bytes(data[at - 4 : at], "big")
    return data[at + 4 : at + 4 + length].partition(b"\0")[2].lstrip(b"\0\x01")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    logging.disable(logging.WARNING)  # each refusal logs a line
    rows = []

    honest = best_ms(render(png((1000, 1000))), runs)
    rows.append(("65535² PNG header, refused", best_ms(render(hostile.png_declaring(65535, 65535)), runs)))
    rows.append(("  peer: an honest 1000² PNG, rendered", honest))

    bomb = hostile.idat_bomb(2000, 2000)
    idat = bomb[bomb.index(b"IDAT") + 4 : bomb.index(b"IEND") - 8]
    rows.append(("2000² PNG with 100 MB of IDAT, rendered", best_ms(render(bomb), runs)))
    rows.append(("  peer: inflating all its IDAT", best_ms(lambda: zlib.decompress(idat), runs)))
    rows.append(("  an honest 2000² PNG, rendered", best_ms(render(png((2000, 2000))), runs)))

    for name, data, kind in (
        ("zTXt", hostile.ztxt_bomb(), b"zTXt"),
        ("iTXt", hostile.itxt_bomb(), b"iTXt"),
        ("iCCP", hostile.iccp_bomb(), b"iCCP"),
    ):
        payload = chunk_payload(data, kind)
        rows.append((f"{name} bomb (32 MiB), refused", best_ms(render(data), runs)))
        rows.append(("  peer: inflating its payload", best_ms(lambda payload=payload: zlib.decompress(payload), runs)))
    rows.append(("70 × 1 MB zTXt, refused at the total", best_ms(render(hostile.many_text_chunks()), runs)))

    image = quadrants((4000, 3000))
    spec = RenditionSpec("bench", width=400, height=400, crop="fill", gravity="auto")
    plan = geometry.plan(image.size, spec)
    rows.append(("g_auto analysis of a 4000×3000 picture", best_ms(lambda: smartcrop.refine(image, plan, spec), runs)))
    resize = best_ms(lambda: image.resize(plan.size, box=plan.region), runs)
    rows.append(("  peer: the fill resize it comes with", resize))

    width = max(len(label) for label, _ in rows)
    for label, ms in rows:
        print(f"{label:<{width}}  {ms:8.2f} ms")


if __name__ == "__main__":
    main()
