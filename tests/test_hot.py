"""The hot renditions cache: kept from the second request, bounded by bytes (least recently used go),
by age, and never by one giant."""

from __future__ import annotations

from resizer.server import headers
from resizer.server.hot import HotCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def admit(cache: HotCache, name: str, body: bytes) -> None:
    """Ask twice, as a rendition must be to be kept."""
    cache.put(name, body)
    cache.put(name, body)


def test_a_rendition_asked_once_is_served_but_not_kept() -> None:
    cache = HotCache(1000, 60)
    entry = cache.put("a", b"x")
    assert entry.body == b"x" and entry.etag == headers.etag(b"x")
    assert cache.get("a") is None and cache.size == 0
    cache.put("a", b"x")  # the second request keeps it
    assert cache.get("a").body == b"x"


def test_hit_carries_the_validator_and_type_computed_once() -> None:
    cache = HotCache(1000, 60)
    body = b"\x89PNG\r\n\x1a\n" + b"x" * 10
    admit(cache, "a", body)
    entry = cache.get("a")
    assert entry.body == body
    assert entry.etag == headers.etag(body)
    assert entry.content_type == "image/png"
    assert cache.get("b") is None


def test_least_recently_used_go_first_when_over_the_byte_bound() -> None:
    cache = HotCache(800, 60)
    for name in "abcd":
        admit(cache, name, b"x" * 100)
    cache.get("a")  # a is now the most recent
    for name in "efgh":
        admit(cache, name, b"x" * 100)
    admit(cache, "i", b"x" * 100)
    assert cache.size == 800
    assert cache.get("b") is None  # the least recently used went first
    assert all(cache.get(name) is not None for name in "acdefghi")


def test_entries_expire() -> None:
    clock = Clock()
    cache = HotCache(1000, 30, clock)
    admit(cache, "a", b"x")
    clock.now = 29.9
    assert cache.get("a") is not None
    clock.now = 30.0
    assert cache.get("a") is None
    assert cache.size == 0


def test_a_large_rendition_is_served_but_not_kept() -> None:
    cache = HotCache(800, 60)
    admit(cache, "small", b"x" * 100)
    admit(cache, "large", b"x" * 101)  # more than an eighth of the bound
    entry = cache.put("large", b"x" * 101)
    assert entry.body == b"x" * 101
    assert cache.get("large") is None and cache.get("small") is not None


def test_replacing_an_entry_keeps_the_count_right() -> None:
    cache = HotCache(1000, 60)
    admit(cache, "a", b"x" * 100)
    cache.put("a", b"y" * 50)
    assert cache.size == 50 and cache.get("a").body == b"y" * 50


def test_zero_bytes_disables_it() -> None:
    cache = HotCache(0, 60)
    admit(cache, "a", b"x")
    assert cache.get("a") is None and cache.size == 0


def test_what_is_remembered_as_asked_once_is_bounded() -> None:
    from resizer.server import hot

    cache = HotCache(10_000, 60)
    for index in range(hot.SEEN + 10):
        cache.put(f"one-off-{index}", b"x")
    assert len(cache._seen) == hot.SEEN
    cache.put("one-off-0", b"x")  # forgotten: asked "once" again, so still not kept
    assert cache.get("one-off-0") is None
