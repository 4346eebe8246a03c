"""Prometheus metrics, names prefixed `resizer_`, correct under several uvicorn workers.

With PROMETHEUS_MULTIPROC_DIR set (the service's settings set it up, see resizer/server/run_dir.py)
every worker writes its samples to files there and `/metrics` sums them, whichever worker answers.
Without it (resizer installed into another site) the process's own registry is exposed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from resizer.server.run_dir import alive
from resizer.stores.base import Objects, Stat

# Storage calls: a warm GET is milliseconds, a retried one seconds; renders span 10 ms to seconds.
STORAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20)
RENDER_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20)

requests = Counter("resizer_requests_total", "Media requests answered, by status.", ["status"])
request_seconds = Histogram("resizer_request_seconds", "Time to answer a media request.", buckets=RENDER_BUCKETS)
renditions = Counter("resizer_renditions_total", "Image answers by rendition lookup: hit or miss.", ["result"])
render_seconds = Histogram("resizer_render_seconds", "Pillow render time (decode to encode).", buckets=RENDER_BUCKETS)
storage_seconds = Histogram(
    "resizer_storage_seconds", "Storage call latency.", ["store", "op"], buckets=STORAGE_BUCKETS
)
queue_depth = Gauge(
    "resizer_render_queue_depth", "Renders admitted and waiting for a render thread.", multiprocess_mode="livesum"
)
renders_admitted = Gauge(
    "resizer_renders_admitted", "Renders admitted: running or waiting.", multiprocess_mode="livesum"
)
flight_joins = Counter("resizer_single_flight_joins_total", "Requests that joined identical work in progress.")
masters = Counter(
    "resizer_masters_total",
    "Decoded originals (master) and resized frames (frame) asked of the masters cache: kept, joined or made.",
    ["kind", "result"],
)
bytes_in = Counter("resizer_bytes_in_total", "Bytes read from storage.", ["store"])
bytes_out = Counter("resizer_bytes_out_total", "Response body bytes sent for media requests.")


def master_lookup(key: object, result: str) -> None:
    """Masters' observer: frames are keyed ("frame", …), masters by the original's digest."""
    kind = "frame" if isinstance(key, tuple) and key[:1] == ("frame",) else "master"
    masters.labels(kind, result).inc()


_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db")


class Measured:
    """Storage objects whose calls are timed and counted (resizer_storage_seconds, resizer_bytes_in_total).

    Timed in the storage thread itself, so the figure is the call, not the wait for a thread.
    """

    def __init__(self, objects: Objects, store: str) -> None:
        self.objects = objects
        self.store = store

    def read(self, name: str, max_bytes: int | None = None) -> bytes | None:
        with storage_seconds.labels(self.store, "read").time():
            data = self.objects.read(name, max_bytes)
        if data is not None:
            bytes_in.labels(self.store).inc(len(data))
        return data

    def write(self, name: str, body: bytes, content_type: str, cache_control: str) -> None:
        with storage_seconds.labels(self.store, "write").time():
            self.objects.write(name, body, content_type, cache_control)

    def ping(self) -> None:
        self.objects.ping()

    def prepare(self) -> None:
        self.objects.prepare()

    # The operator's calls (resizer_warm, resizer_purge, resizer_inspect): passed through untimed.
    def stat(self, name: str) -> Stat | None:
        return self.objects.stat(name)

    def list(self, prefix: str) -> Iterator[str]:
        return self.objects.list(prefix)

    def delete(self, names: list[str]) -> None:
        self.objects.delete(names)


def exposition() -> tuple[bytes, str]:
    """The Prometheus text for every worker of this server (blocking: file reads)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    forget_dead_workers(Path(directory))
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def forget_dead_workers(directory: Path) -> None:
    """A worker that died (and was replaced by uvicorn) no longer queues anything: drop its gauges.

    Its counters stay: what it counted did happen.
    """
    for path in directory.glob("gauge_live*.db"):
        match = _LIVE_GAUGE_FILE.fullmatch(path.name)
        if match and not alive(int(match[1])):
            multiprocess.mark_process_dead(int(match[1]), str(directory))
