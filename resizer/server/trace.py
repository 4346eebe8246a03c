"""What one media request did, told three ways: metrics, one JSON log line, a Server-Timing header.

Framework-neutral on purpose: Service.respond records it, whichever adapter called it.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from resizer.server import metrics
from resizer.server.headers import Reply

access_log = logging.getLogger("resizer.access")

MAX_LOGGED_PATH = 2048  # a 100 kB URL is one attacker's request, not a reason for 100 kB of logs
MAX_LOGGED_METHOD = 32  # a server that passes any token on (h11) would log a 16 kB one whole
# json.dumps escapes C0 controls; with ensure_ascii=False it leaves DEL, the C1 controls (NEL, CSI)
# and U+2028/U+2029 raw, which terminals obey and line-splitting readers take as line ends.
_UNESCAPED = re.compile("[\x7f-\x9f\u2028\u2029]")


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
        access_log.info(json_line(self._fields(reply.status, sent, elapsed)))

    def _fields(self, status: int, sent: int, elapsed: float) -> dict[str, object]:
        return {
            "method": self.method[:MAX_LOGGED_METHOD],
            "path": self.path[:MAX_LOGGED_PATH],
            "status": status,
            "cache": self.cache,
            "render_ms": round(self.timing.render * 1000, 1),
            "storage_ms": round(self.timing.storage * 1000, 1),
            "bytes": sent,
            "ms": round(elapsed * 1000, 1),
        }


def json_line(fields: dict[str, object]) -> str:
    """One JSON object on one line, every control character escaped (readable UTF-8 otherwise)."""
    text = json.dumps(fields, ensure_ascii=False)
    return _UNESCAPED.sub(lambda match: f"\\u{ord(match[0]):04x}", text)
