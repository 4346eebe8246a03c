"""Any request may arrive concurrently with any other: a rendition's flight and an original's fetch
never meet, whatever the keys (colons included), over random concurrent mixes (hypothesis)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from django.core.files.storage import FileSystemStorage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resizer.conf import config
from resizer.core.spec import encode_path
from resizer.server.service import Service
from resizer.stores.objects import FileObjects
from tests.support.images import decode, jpeg

# The keys a shared table confused: the rendition w_100 of `original:foo` is stored as
# `original:foo/w_100.jpg`, exactly what the fetch of the original `foo/w_100.jpg` was keyed by.
KEYS = ["original:foo", "foo/w_100.jpg", "a:b/c.jpg", "x:1.jpg"]
PATHS = [
    encode_path(f"{options}{key}") for key in KEYS for options in ("w_100/", "w_60/", "")
]  # as the builder spells them


def service_over(root: Path) -> Service:
    for key in KEYS:
        path = root / "originals" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_bytes(jpeg((200, 150)))
    originals = FileObjects(FileSystemStorage(location=str(root / "originals")))
    renditions = FileObjects(FileSystemStorage(location=str(root / "renditions")))
    return Service(config(), originals, renditions)


async def together(service: Service, paths: list[str]) -> list:
    return await asyncio.gather(*(service.respond("GET", path) for path in paths))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PATHS), min_size=2, max_size=12))
def test_random_concurrent_mixes_each_get_their_own_answer(paths: list[str]) -> None:
    root = Path(tempfile.mkdtemp(prefix="resizer-flights-"))
    try:
        replies = asyncio.run(together(service_over(root), paths))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for path, reply in zip(paths, replies, strict=True):
        assert reply.status == 200, (path, reply.status, reply.body[:100])
        width = int(path[2:].split("/")[0]) if path.startswith("w_") else 200
        assert decode(reply.body).size[0] == width, path


def test_the_colliding_pair_at_once(tmp_path: Path) -> None:
    service = service_over(tmp_path)
    for _ in range(5):
        first, second = asyncio.run(together(service, [encode_path("w_100/original:foo"), "foo/w_100.jpg"]))
        assert (first.status, second.status) == (200, 200), (first.body, second.body)
        assert decode(first.body).size == (100, 75) and decode(second.body).size == (200, 150)
