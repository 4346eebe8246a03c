"""Recently served renditions in memory: the warm path without a storage round trip.

Bounded by bytes (least recently used go first) and by age: a rendition purged from the
renditions storage stops being served from here within `ttl` seconds. Each entry keeps the
validator and type computed once, so a hit or a 304 hashes nothing.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from resizer import headers


@dataclass(frozen=True)
class Entry:
    body: bytes
    etag: str
    content_type: str
    expires: float


class HotCache:
    def __init__(self, max_bytes: int, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.clock = clock
        self.size = 0
        self._entries: OrderedDict[str, Entry] = OrderedDict()

    def get(self, name: str) -> Entry | None:
        entry = self._entries.get(name)
        if entry is None:
            return None
        if entry.expires <= self.clock():
            self._drop(name)
            return None
        self._entries.move_to_end(name)
        return entry

    def put(self, name: str, body: bytes) -> Entry:
        entry = Entry(body, headers.etag(body), headers.content_type(body), self.clock() + self.ttl)
        if len(body) > self.max_bytes // 8:  # one large rendition must not flush the hot set
            return entry
        self._drop(name)
        self._entries[name] = entry
        self.size += len(body)
        while self.size > self.max_bytes:
            self._drop(next(iter(self._entries)))
        return entry

    def _drop(self, name: str) -> None:
        entry = self._entries.pop(name, None)
        if entry is not None:
            self.size -= len(entry.body)
