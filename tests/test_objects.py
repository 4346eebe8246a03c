"""stat, list and delete, which the operator's commands use, on the filesystem and on any Django
storage (S3's are exercised against SeaweedFS by tests/test_commands.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InMemoryStorage

from resizer import signals
from resizer.core.errors import Unstorable
from resizer.ops import cdn
from resizer.stores.base import Objects
from resizer.stores.objects import FileObjects, StorageObjects
from tests.support.ports import free_port

NAMES = ["a.jpg/w_1.jpg", "a.jpg/w_2.jpg", "a.jpg/b.jpg/w_1.jpg", "ab.jpg/w_1.jpg", "z/a.jpg/w_1.jpg"]


@pytest.fixture(params=["filesystem", "generic"])
def objects(request: pytest.FixtureRequest, tmp_path: Path) -> Objects:
    if request.param == "filesystem":
        found: Objects = FileObjects(FileSystemStorage(location=tmp_path))
    else:
        found = StorageObjects(InMemoryStorage())
    for name in NAMES:
        found.write(name, name.encode(), "image/jpeg", "public")
    return found


def test_list_stat_and_delete(objects: Objects) -> None:
    assert sorted(objects.list("a.jpg/")) == ["a.jpg/b.jpg/w_1.jpg", "a.jpg/w_1.jpg", "a.jpg/w_2.jpg"]
    assert sorted(objects.list("a")) == sorted(NAMES[:4])
    assert sorted(objects.list("")) == sorted(NAMES)
    assert list(objects.list("nothing/")) == []
    assert objects.stat("a.jpg/w_2.jpg").size == len(b"a.jpg/w_2.jpg")
    assert objects.stat("a.jpg") is None  # a folder is not an object
    assert objects.stat("a.jpg/w_3.jpg") is None
    assert sorted(cdn.renditions_of(objects, "a.jpg")) == ["a.jpg/w_1.jpg", "a.jpg/w_2.jpg"]
    assert sorted(cdn.renditions_under(objects, "a.jpg/")) == ["a.jpg/b.jpg/w_1.jpg"]
    objects.delete(["a.jpg/w_1.jpg", "a.jpg/w_2.jpg", "a.jpg/w_9.jpg"])  # a missing one is no error
    assert sorted(objects.list("")) == sorted(NAMES[2:])


def test_a_filesystem_purge_leaves_no_empty_folder_behind(tmp_path: Path) -> None:
    root = tmp_path / "renditions"
    objects = FileObjects(FileSystemStorage(location=str(root)))
    for name in NAMES:
        objects.write(name, b"x", "image/jpeg", "public")
    objects.delete(["z/a.jpg/w_1.jpg", "ab.jpg/w_1.jpg", "a.jpg/w_1.jpg"])
    folders = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir())
    assert folders == ["a.jpg", "a.jpg/b.jpg"]  # z/a.jpg, z and ab.jpg went; a.jpg still holds w_2
    objects.delete(["a.jpg/w_2.jpg", "a.jpg/b.jpg/w_1.jpg"])
    assert root.is_dir() and list(root.iterdir()) == []  # the storage's own root stays


def test_filesystem_listing_skips_writes_in_flight(tmp_path: Path) -> None:
    storage = FileSystemStorage(location=tmp_path)
    storage.save("k.jpg/.tmp-abc", ContentFile(b"partial"))
    storage.save("k.jpg/w_1.jpg", ContentFile(b"done"))
    assert list(FileObjects(storage).list("k.jpg/")) == ["k.jpg/w_1.jpg"]


def test_names_a_filesystem_cannot_hold_are_missing_objects_not_storage_faults(tmp_path: Path) -> None:
    objects = FileObjects(FileSystemStorage(location=tmp_path))
    objects.write("a.jpg/w_1.jpg", b"stored", "image/jpeg", "public")
    long = "a.jpg/" + "x" * 252 + ".jpg"  # one segment of 256 bytes, in a folder that exists
    unreadable = [
        long,  # ENAMETOOLONG
        f"{long}/w_1.jpg",
        "a.jpg/w_1.jpg/w_1.jpg",  # ENOTDIR: a file where a folder would be
        "a.jpg",  # EISDIR: a folder where a file would be
    ]
    for name in unreadable:
        assert objects.read(name) is None, name
        assert objects.stat(name) is None, name
    objects.delete(unreadable)  # nothing there to delete: no error
    unwritable = [
        f"{long}/w_1.jpg",
        "a.jpg/w_1.jpg/w_1.jpg",  # the folder's name is a file's
        "a.jpg/w_1.jpg/b/w_1.jpg",  # a deeper folder under a file
        "a.jpg",  # a folder holds the name
    ]
    for name in unwritable:
        with pytest.raises(Unstorable) as refused:
            objects.write(name, b"x", "image/jpeg", "public")
        assert refused.value.status == 404, name
    assert objects.read("a.jpg/w_1.jpg") == b"stored"
    assert sorted(p.name for p in (tmp_path / "a.jpg").iterdir()) == ["w_1.jpg"]  # no temporary left


def test_upload_warming_reports_failures_on_its_logger(caplog: pytest.LogCaptureFixture) -> None:
    closed = f"http://127.0.0.1:{free_port()}/media/w_1/a.jpg"
    with caplog.at_level(logging.WARNING, logger="resizer.warm"):
        future = signals.submit([closed, closed])
        assert future.result(timeout=30) == 2
    assert [record.getMessage().startswith(f"warming {closed} failed") for record in caplog.records] == [True, True]
    assert signals.drain(timeout=1)
