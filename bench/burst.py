"""Decode once, render many: a burst of 4 widths × AVIF, WebP, JPEG of one photograph, with the
masters cache on and off (RESIZER_MASTERS_CACHE_BYTES), in-process and through the service.

    taskset -c 1 .venv/bin/python bench/burst.py --runs 7 [PHOTO.jpg]     # one core
    .venv/bin/python bench/burst.py --runs 7 --only service [PHOTO.jpg]   # the service on every core

- in-process, one thread: the twelve renditions each made alone (`pipeline.render`, as with the
  cache off) against `pipeline.render_many` (one decode, one frame per width: resizer_warm's way);
- through the service: two uvicorn servers (one worker each, the filesystem storage), one with the
  cache off, one with its default; each run sends the twelve requests of a fresh original at once
  (as a page's first visitors and warm_on_save do) and times the burst until the last answer.

Every run uses a copy of the photograph with its own bytes (a JPEG comment), so that no run finds
the previous one's master or renditions. On and off alternate run by run, and the ratio is taken
run by run (off ÷ on); the medians are printed. The photograph defaults to the 4000×3000 one that
bench/render_time.py makes. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import statistics
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.render_time import photo  # noqa: E402
from resizer.core.policy import Limits  # noqa: E402
from resizer.core.spec import RenditionSpec  # noqa: E402
from resizer.imaging import pipeline  # noqa: E402
from resizer.imaging.masters import Masters  # noqa: E402
from tests.support.server import Server, request  # noqa: E402

WIDTHS = (320, 640, 960, 1280)
FORMATS = ("avif", "webp", "jpg")
MIB = 1024 * 1024


def fresh(data: bytes, run: str) -> bytes:
    """The same picture with bytes of its own: a COM segment after the SOI marker."""
    comment = f"burst {run}".encode()
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + data[2:]


def in_process(data: bytes, run: str) -> dict[str, float]:
    wanted = [(RenditionSpec("burst.jpg", width=width), fmt) for width in WIDTHS for fmt in FORMATS]
    timings = {}
    for mode in ("off", "on") if int(run) % 2 else ("on", "off"):
        copy = fresh(data, f"{run}-{mode}")
        started = time.perf_counter()
        if mode == "on":
            made = pipeline.render_many(copy, wanted, Limits(), {}, Masters(64 * MIB))
            assert all(isinstance(rendered, pipeline.Rendered) for rendered in made), made
        else:
            for spec, fmt in wanted:
                pipeline.render(copy, spec, fmt, Limits())
        timings[mode] = time.perf_counter() - started
    return timings


def start(folder: Path, mode: str) -> Server:
    data = folder / mode
    (data / "originals").mkdir(parents=True)
    env = {"RESIZER_DATA_DIR": str(data), "RESIZER_DEMO": "false", "DJANGO_LOG_LEVEL": "WARNING"}
    if mode == "off":
        env["RESIZER_MASTERS_CACHE_BYTES"] = "0"
    return Server(env, folder / f"uvicorn-{mode}.log").start()


def through_service(servers: dict[str, Server], folder: Path, data: bytes, run: str) -> dict[str, float]:
    timings = {}
    for mode in ("off", "on") if int(run) % 2 else ("on", "off"):
        key = f"burst-{run}.jpg"
        (folder / mode / "originals" / key).write_bytes(fresh(data, f"{run}-{mode}"))
        paths = [f"/media/w_{width}/f_{fmt}/{key}" for fmt in FORMATS for width in WIDTHS]
        statuses: list[int] = []
        barrier = threading.Barrier(len(paths) + 1)
        port = servers[mode].port
        threads = [threading.Thread(target=ask, args=(barrier, port, path, statuses)) for path in paths]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        timings[mode] = time.perf_counter() - started
        assert statuses == [200] * len(paths), statuses
    return timings


def ask(barrier: threading.Barrier, port: int, path: str, statuses: list[int]) -> None:
    barrier.wait()  # all at once, as a page's first visitors
    statuses.append(request(port, "GET", path, timeout=120).status)


def report(name: str, runs: list[dict[str, float]]) -> None:
    off = statistics.median(run["off"] for run in runs)
    on = statistics.median(run["on"] for run in runs)
    ratios = [run["off"] / run["on"] for run in runs]
    print(
        f"{name}: cache off {off * 1000:.0f} ms, on {on * 1000:.0f} ms per burst of {len(WIDTHS) * len(FORMATS)}; "
        f"off ÷ on, run by run: median {statistics.median(ratios):.2f}× "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f}, {len(runs)} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("photo", nargs="?", type=Path, help="a JPEG photograph (default: a 4000×3000 one)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=("in-process", "service"))
    args = parser.parse_args()
    data = args.photo.read_bytes() if args.photo else photo()
    print(f"photo: {args.photo or 'bench/render_time.py photo()'}, {len(data)} bytes")
    if args.only != "service":
        in_process(data, "0")  # warm-up: imports, encoder set-up
        report("in-process, one thread", [in_process(data, str(run + 1)) for run in range(args.runs)])
    if args.only != "in-process":
        with tempfile.TemporaryDirectory(prefix="resizer-burst-") as name:
            folder = Path(name)
            servers = {mode: start(folder, mode) for mode in ("off", "on")}
            try:
                through_service(servers, folder, data, "0")
                runs = [through_service(servers, folder, data, str(run + 1)) for run in range(args.runs)]
                report("service (uvicorn, 1 worker)", runs)
            finally:
                for server in servers.values():
                    server.stop()


if __name__ == "__main__":
    main()
