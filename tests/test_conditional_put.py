"""Rendition writes create, never replace: racing writers store one object, and losing is not an error.

Both storages are driven for real: SeaweedFS (whose conditional put answers 412 like S3) and a
temporary directory. The multi-replica proof through HTTP is in test_replicas.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

from resizer.stores.base import Objects
from resizer.stores.objects import FileObjects
from resizer.stores.s3 import S3Objects
from tests.support.seaweed import REGION, SeaweedFS

YEAR = "public, max-age=31536000"


def s3_objects(seaweed: SeaweedFS, identity: str = "admin") -> S3Objects:
    access, secret = seaweed.credentials(identity)
    storage = S3Storage(
        bucket_name="renditions",
        endpoint_url=seaweed.endpoint,
        region_name=REGION,
        access_key=access,
        secret_key=secret,
        addressing_style="path",
    )
    return S3Objects(storage)


@pytest.fixture(params=["fs", "s3"])
def objects(request: pytest.FixtureRequest, tmp_path: Path) -> Objects:
    if request.param == "fs":
        return FileObjects(FileSystemStorage(location=str(tmp_path / "renditions")))
    return s3_objects(request.getfixturevalue("seaweed"))


def race(writers: int, write: Callable[[int], None]) -> None:
    """Start `writers` threads at one barrier so that their writes overlap."""
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            write(index)
        except BaseException as exc:  # collected: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_a_second_write_keeps_the_first_object_and_is_not_an_error(objects: Objects, key_prefix: str) -> None:
    name = f"{key_prefix}/cat.jpg/w_400.jpg"
    objects.write(name, b"first", "image/jpeg", YEAR)
    objects.write(name, b"second", "image/jpeg", YEAR)  # another replica's store: no exception
    assert objects.read(name) == b"first"


def test_racing_writers_store_exactly_one_whole_body(objects: Objects, key_prefix: str) -> None:
    name = f"{key_prefix}/cat.jpg/w_200.jpg"
    bodies = [bytes([index]) * 200_000 for index in range(8)]
    race(len(bodies), lambda index: objects.write(name, bodies[index], "image/jpeg", YEAR))
    assert objects.read(name) in bodies  # one writer's body, whole: never a mix or a torn file


def test_filesystem_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    root = tmp_path / "renditions"
    objects = FileObjects(FileSystemStorage(location=str(root)))
    race(6, lambda index: objects.write("a.png/w_10.png", b"x" * (index + 1), "image/png", YEAR))
    assert sorted(p.name for p in (root / "a.png").iterdir()) == ["w_10.png"]


def test_s3_writes_keep_content_type_and_cache_control(seaweed: SeaweedFS, key_prefix: str) -> None:
    name = f"{key_prefix}/cat.jpg/w_100,f_webp.webp"
    s3_objects(seaweed).write(name, b"RIFF....WEBP", "image/webp", f"{YEAR}, immutable")
    stored = seaweed.get("renditions", name)
    assert (stored["ContentType"], stored["CacheControl"]) == ("image/webp", f"{YEAR}, immutable")


def test_s3_write_refused_for_another_reason_is_still_an_error(seaweed: SeaweedFS, key_prefix: str) -> None:
    from resizer.core.errors import StorageFailed

    with pytest.raises(StorageFailed):  # only "stored already" is forgiven, not access denied
        s3_objects(seaweed, "reader").write(f"{key_prefix}/x.jpg/w_1.jpg", b"x", "image/jpeg", YEAR)


def test_s3_names_longer_than_s3_allows_are_missing_not_storage_faults(seaweed: SeaweedFS, key_prefix: str) -> None:
    from resizer.core.errors import Unstorable

    name = f"{key_prefix}/{'a' * 1020}.jpg/w_1.jpg"  # a 1,024-byte original's rendition: over S3's limit
    objects = s3_objects(seaweed)
    assert objects.read(name) is None
    with pytest.raises(Unstorable) as refused:
        objects.write(name, b"x", "image/jpeg", YEAR)
    assert refused.value.status == 404
