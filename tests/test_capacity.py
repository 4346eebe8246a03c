"""Peak memory follows configuration, not traffic: docs/operations.md's formula, checked against a measurement."""

from __future__ import annotations

from collections import Counter

from PIL import Image

from resizer.core.config import BY_NAME
from tests.support.images import encode
from tests.support.server import peak_rss_mib
from tests.test_overload import together

MIB = 1 << 20
RENDER_WORKERS, QUEUE_LIMIT = 2, 2
MAX_SOURCE_BYTES, MAX_SOURCE_PIXELS = 8 * MIB, 12_500_000
# What a render takes per pixel of RESIZER_MAX_SOURCE_PIXELS at worst: an AVIF of an original at the
# limit, at its full size, measured by bench/corpus.py over bench/at_limits.py's originals
# (docs/operations.md, "Capacity and memory"); the Kubernetes sizing uses it (tests/test_k8s.py).
RENDER_BYTES_PER_PIXEL = 56
# What this test's renders take: a PNG decoded (Pillow keeps RGB in 4 bytes) and resized (its
# reducing and resampling buffers), the PNG row of the same measurements.
PNG_RESIZE_BYTES_PER_PIXEL = 8


def bound_mib() -> float:
    """docs/operations.md, "Capacity and memory": M + (R + Q) × S + R × P × (bytes a pixel), above
    the idle process, with the bytes a pixel of the renders this test makes."""
    masters = BY_NAME["RESIZER_MASTERS_CACHE_BYTES"].default
    originals = (RENDER_WORKERS + QUEUE_LIMIT) * MAX_SOURCE_BYTES
    pixels = RENDER_WORKERS * MAX_SOURCE_PIXELS * PNG_RESIZE_BYTES_PER_PIXEL
    return (masters + originals + pixels) / MIB


def test_a_burst_of_large_misses_stays_inside_the_formula(start_server, data_dir) -> None:
    # 12 MP each (PNG has no shrink-on-load: every render decodes all of it), padded after IEND to
    # 7 MiB on disk so that each original held in memory counts too; each padding its own, so that
    # no two originals are the same bytes and share a decoded master (imaging/masters.py), which
    # the cache then keeps (48 MiB: one at a time) besides the renders.
    png = encode(Image.linear_gradient("L").resize((4000, 3000)).convert("RGB"), "PNG", compress_level=1)
    for i in range(8):
        big = png + bytes([i]) * (7 * MIB - len(png))
        (data_dir / "originals" / f"big{i}.png").write_bytes(big)
    (data_dir / "originals" / "small.png").write_bytes(encode(Image.new("RGB", (64, 64)), "PNG"))
    server = start_server(
        {
            "RESIZER_DATA_DIR": str(data_dir),
            "RESIZER_RENDER_WORKERS": str(RENDER_WORKERS),
            "RESIZER_QUEUE_LIMIT": str(QUEUE_LIMIT),
            "RESIZER_MAX_SOURCE_BYTES": str(MAX_SOURCE_BYTES),
            "RESIZER_MAX_SOURCE_PIXELS": str(MAX_SOURCE_PIXELS),
        }
    )
    assert server.get("/media/w_10/small.png").status == 200  # every module loaded: the idle process
    idle = peak_rss_mib(server.process.pid)
    paths = [f"/media/w_{100 + i}/big{i % 8}.png" for i in range(40)]
    statuses = Counter(response.status for response, _ in together(server, paths))
    assert statuses[200] >= RENDER_WORKERS + QUEUE_LIMIT and statuses[200] + statuses[503] == 40, statuses
    grown = peak_rss_mib(server.process.pid) - idle
    # Forty originals and decodes at once would need 40 × (7 + 48) MiB; the slots allow four.
    assert grown < bound_mib(), (grown, bound_mib())
    assert grown > 40  # and the measurement saw at least one full decode, so it measured something
