"""What one media request did, told three ways: metrics, one JSON log line, a Server-Timing header.

Framework-neutral on purpose: Service.respond records it, whichever adapter called it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from resizer.server import metrics
from resizer.server.headers import Reply

access_log = logging.getLogger("resizer.access")

MAX_LOGGED_PATH = 2048  # a 100 kB URL is one attacker's request, not a reason for 100 kB of logs


@dataclass
class Timing:
    """Seconds spent waiting for storage and for the render thread, for one rendition."""

    storage: float = 0.0
    render: float = 0.0

    @contextmanager
    def measure(self, part: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            setattr(self, part, getattr(self, part) + time.perf_counter() - started)


@dataclass
class Trace:
    method: str
    path: str
    started: float = field(default_factory=time.perf_counter)
    cache: str | None = None  # "hit" (stored rendition) or "miss" (rendered for this request)
    timing: Timing = field(default_factory=Timing)

    def server_timing(self) -> str:
        parts = [f"storage;dur={self.timing.storage * 1000:.1f}", f"render;dur={self.timing.render * 1000:.1f}"]
        return ", ".join([f'cache;desc="{self.cache}"', *parts] if self.cache else parts)

    def record(self, reply: Reply) -> None:
        elapsed = time.perf_counter() - self.started
        sent = len(reply.body)
        metrics.requests.labels(str(reply.status)).inc()
        metrics.request_seconds.observe(elapsed)
        metrics.bytes_out.inc(sent)
        if self.cache:
            metrics.renditions.labels(self.cache).inc()
        access_log.info(json.dumps(self._fields(reply.status, sent, elapsed), ensure_ascii=False))

    def _fields(self, status: int, sent: int, elapsed: float) -> dict[str, object]:
        return {
            "method": self.method,
            "path": self.path[:MAX_LOGGED_PATH],
            "status": status,
            "cache": self.cache,
            "render_ms": round(self.timing.render * 1000, 1),
            "storage_ms": round(self.timing.storage * 1000, 1),
            "bytes": sent,
            "ms": round(elapsed * 1000, 1),
        }
