"""A bounded load test on loopback: mixed valid, invalid and hostile traffic for a fixed time.

    .venv/bin/python bench/load.py --seconds 60 --connections 32

Starts its own SeaweedFS and the service under uvicorn (the same helpers the tests use), seeds
photos and hostile originals, then runs an asyncio HTTP/1.1 keep-alive client. Reports requests by
status, latency percentiles, the server's peak RSS per worker (VmHWM) and a few of its metrics.
Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import hostile  # noqa: E402
from tests.support.images import jpeg, noise_jpeg, png  # noqa: E402
from tests.support.ports import free_port  # noqa: E402
from tests.support.prom import scrape  # noqa: E402
from tests.support.seaweed import SeaweedFS  # noqa: E402
from tests.support.server import Server, peak_rss_mib  # noqa: E402

PHOTOS = {f"photos/p{i}.jpg": (800 + 200 * i, 600 + 150 * i) for i in range(10)}
HOSTILE = {
    "bad/zero.jpg": b"",
    "bad/text.jpg": b"not a picture",
    "bad/eps.jpg": hostile.foreign("EPS"),
    "bad/tiff.jpg": hostile.foreign("TIFF"),
    "bad/truncated.jpg": hostile.truncated_jpeg(),
    "bad/png-65535.png": hostile.png_declaring(65535, 65535),
    "bad/idat-bomb.png": hostile.idat_bomb(8000, 8000),
    "bad/ztxt-bomb.png": hostile.ztxt_bomb(),
    "bad/gif-5000.gif": hostile.gif_frames(5000),
}
WIDTHS = (100, 200, 320, 480, 640, 800)


def seed(store: SeaweedFS) -> None:
    for key, size in PHOTOS.items():
        store.put("originals", key, jpeg(size))
    store.put("originals", "photos/noise.jpg", noise_jpeg((2400, 1600)))
    store.put("originals", "photos/flat.png", png((1200, 900)))
    for key, data in HOSTILE.items():
        store.put("originals", key, data)


def popular(rng: random.Random) -> str:
    key = rng.choice([*PHOTOS, "photos/flat.png"])
    return f"/media/w_{rng.choice(WIDTHS)}/{key}"


def cache_busting(rng: random.Random) -> str:
    key = rng.choice([*PHOTOS, "photos/noise.jpg"])
    return f"/media/w_{rng.randint(1, 2000)}/q_{rng.randint(30, 95)}/{key}"


def invalid(rng: random.Random) -> str:
    return rng.choice(
        [
            "/media/w_abc/photos/p1.jpg",
            "/media/w_0/photos/p1.jpg",
            "/media/w_5000/photos/p1.jpg",
            "/media/c_zoom/photos/p1.jpg",
            "/media/w_10/photos/../../etc/passwd",
            "/media/w_10/photos/%2e%2e/%2e%2e/etc/passwd",
            "/media/w_10/photos/%252e%252e/x.jpg",
            "/media/w_10/photos/x%00.jpg",
            "/media/w_10/photos//p1.jpg",
            "/media/w_10/photos/" + "a" * 1100,
            f"/media/w_100/photos/missing-{rng.randint(0, 10**6)}.jpg",
        ]
    )


def hostile_original(rng: random.Random) -> str:
    return f"/media/w_{rng.choice(WIDTHS)}/{rng.choice(list(HOSTILE))}"


def non_canonical(rng: random.Random) -> str:
    return f"/media/h_100/w_0{rng.choice(WIDTHS)}/photos/p2.jpg"


MIX = [(popular, 50), (cache_busting, 15), (invalid, 15), (hostile_original, 12), (non_canonical, 5)]


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, method: str, path: str) -> tuple:
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAccept: image/webp,*/*\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    length = int(headers.get("content-length", 0))
    if method != "HEAD":
        await reader.readexactly(length)
    return int(lines[0].split()[1]), headers.get("connection") == "close"


async def client(port: int, until: float, rng: random.Random, tally: Tally) -> None:
    generators, weights = zip(*MIX, strict=True)
    connection = None
    while time.monotonic() < until:
        if connection is None:
            connection = await asyncio.open_connection("127.0.0.1", port)
        method = "DELETE" if rng.random() < 0.03 else "GET"
        path = rng.choices(generators, weights)[0](rng)
        started = time.perf_counter()
        try:
            status, close = await asyncio.wait_for(exchange(*connection, method, path), 30)
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            tally.errors[type(exc).__name__] += 1
            connection[1].close()
            connection = None
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.statuses[status] += 1
        if close:
            connection[1].close()
            connection = None
    if connection:
        connection[1].close()


def worker_pids(supervisor: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == supervisor:
            pids.append(int(stat.parent.name))
    return pids or [supervisor]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def run(port: int, seconds: float, connections: int) -> Tally:
    tally = Tally()
    until = time.monotonic() + seconds
    await asyncio.gather(*(client(port, until, random.Random(i), tally) for i in range(connections)))
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--render-workers", type=int, default=2)
    parser.add_argument("--queue-limit", type=int, default=8)
    args = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="resizer-bench-"))
    store = SeaweedFS(directory / "weed", free_port())
    (directory / "weed").mkdir()
    store.start()
    server = None
    try:
        seed(store)
        env = {
            **store.env(),
            "RESIZER_RENDER_WORKERS": str(args.render_workers),
            "RESIZER_QUEUE_LIMIT": str(args.queue_limit),
            "RESIZER_RUN_DIR": str(directory),
        }
        server = Server(env, directory / "uvicorn.log", workers=args.workers).start()
        pids = worker_pids(server.process.pid)
        idle = {pid: peak_rss_mib(pid) for pid in pids}
        started = time.monotonic()
        tally = asyncio.run(run(server.port, args.seconds, args.connections))
        elapsed = time.monotonic() - started
        report(args, tally, elapsed, idle, {pid: peak_rss_mib(pid) for pid in pids}, scrape(server))
        assert "Traceback" not in server.log(), "the server logged a traceback"
    finally:
        if server:
            server.stop()
        store.stop()


def report(args, tally: Tally, elapsed: float, idle: dict, peak: dict, samples: dict) -> None:
    total = sum(tally.statuses.values())
    summary = {
        "command": " ".join(sys.argv),
        "seconds": round(elapsed, 1),
        "connections": args.connections,
        "uvicorn_workers": args.workers,
        "render_workers": args.render_workers,
        "queue_limit": args.queue_limit,
        "requests": total,
        "requests_per_second": round(total / elapsed, 1),
        "by_status": dict(sorted(tally.statuses.items())),
        "client_errors": dict(tally.errors),
        "latency_ms": {
            q: round(percentile(tally.latencies, p) * 1000, 1)
            for q, p in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
        },
        "rss_mib": {"idle_per_worker": {str(k): round(v) for k, v in idle.items()}},
        "server": {
            name: samples.get(sample, 0)
            for name, sample in (
                ("renders", "resizer_render_seconds_count"),
                ("hits", 'resizer_renditions_total{result="hit"}'),
                ("misses", 'resizer_renditions_total{result="miss"}'),
                ("single_flight_joins", "resizer_single_flight_joins_total"),
                ("overloaded_503", 'resizer_requests_total{status="503"}'),
            )
        },
    }
    summary["rss_mib"]["peak_per_worker"] = {str(k): round(v) for k, v in peak.items()}
    summary["rss_mib"]["peak_total"] = round(sum(peak.values()))
    print(json.dumps(summary, indent=2))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"load-{int(time.time())}.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
