"""Recently served renditions in memory: the warm path without a storage round trip.

Bounded by bytes (least recently used go first) and by age: a rendition purged from the
renditions storage stops being served from here within `ttl` seconds. Each entry keeps the
validator and type computed once, so a hit or a 304 hashes nothing.

A rendition is kept from its second request on: a flood of one-off misses (a cache-busting crawl,
the cold end of the long tail) would otherwise fill the cache with what is never asked again
and push out what is (measured: 45 MiB more per worker under a cold load, for no hits).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from resizer.core import formats
from resizer.server import headers


@dataclass(frozen=True)
class Entry:
    body: bytes
    etag: str
    content_type: str
    expires: float


SEEN = 4096  # names remembered as asked once (≈0.5 MiB)


class HotCache:
    def __init__(self, max_bytes: int, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.clock = clock
        self.size = 0
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._seen: OrderedDict[str, None] = OrderedDict()

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
        entry = Entry(body, headers.etag(body), formats.sniff(body), self.clock() + self.ttl)
        if len(body) > self.max_bytes // 8 or not self._asked_before(name):
            return entry  # one large rendition must not flush the hot set, nor one-off misses
        self._drop(name)
        self._entries[name] = entry
        self.size += len(body)
        while self.size > self.max_bytes:
            self._drop(next(iter(self._entries)))
        return entry

    def _asked_before(self, name: str) -> bool:
        if name in self._seen:
            return True
        self._seen[name] = None
        if len(self._seen) > SEEN:
            self._seen.popitem(last=False)
        return False

    def _drop(self, name: str) -> None:
        entry = self._entries.pop(name, None)
        if entry is not None:
            self.size -= len(entry.body)
