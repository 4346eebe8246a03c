"""Originals and renditions through Django storages; vendor errors become our errors here.

The two aliases are `originals` (read) and `renditions` (read and write). S3 storages are driven
through their boto3 client so that a read is one GET (its Content-Length decides the size limit
before the body is read) and a write carries Content-Type and Cache-Control. The filesystem
storage writes through a temporary file and a hard link, so no reader ever sees a partial object.
Rendition writes create, never replace: when replicas race on one miss, the first store wins.
Any other Django storage works through the generic Storage API.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import tempfile
from collections.abc import Iterator
from email.utils import formatdate
from stat import S_ISREG

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages

from resizer.core.errors import StorageFailed, Unprocessable, Unstorable
from resizer.stores.base import Objects, Stat, too_large

log = logging.getLogger(__name__)

# What a filesystem says when no object can be at a name: it or a folder on its path is missing, a
# file stands where the name needs a folder (ENOTDIR) or a folder where it needs a file (EISDIR), a
# segment is over the filesystem's limit (ENAMETOOLONG: 255 bytes on ext4 and xfs), a symlink loop,
# a name the filesystem's encoding refuses. Any key that passed validation may meet these: for a
# read they are a missing object (404), for a write a name this storage cannot hold, not a fault.
NO_OBJECT_THERE = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG, errno.ELOOP, errno.EILSEQ})


class FileObjects:
    """FileSystemStorage, with atomic create-only writes (temporary file + hard link).

    `writable` is false for the originals: their folder is the operator's (a volume, a mount, a
    folder of uploads), never made here, and a missing one is a storage that is not there."""

    def __init__(self, storage: FileSystemStorage, writable: bool = True) -> None:
        self.storage = storage
        self.writable = writable

    def read(self, name: str, max_bytes: int | None = None) -> bytes | None:
        try:
            with open(self.storage.path(name), "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if max_bytes is not None and size > max_bytes:
                    raise too_large(size, max_bytes)
                return handle.read()
        except OSError as exc:
            if exc.errno in NO_OBJECT_THERE:
                return None
            log.warning("filesystem read failed for %r: %s", name, exc)
            raise StorageFailed() from exc

    def write(self, name: str, body: bytes, content_type: str, cache_control: str) -> None:
        """Create the file unless it exists, as S3's conditional put: the first writer wins.

        The body goes to a temporary file that is then hard-linked to its name: link() is atomic
        and fails when the name exists, so no reader sees a partial file and no writer replaces
        another's (processes sharing one directory race like replicas sharing one bucket).
        """
        path = self.storage.path(name)
        temporary = None
        try:
            folder = _folder_for(path)
            fd, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            os.chmod(temporary, 0o644)
            os.link(temporary, path)
        except FileExistsError:
            if os.path.isdir(path):  # a folder holds the name: nothing can ever be stored there
                raise Unstorable() from None
            log.info("rendition %r was stored first by another writer", name)
        except OSError as exc:
            if exc.errno in NO_OBJECT_THERE:
                raise Unstorable() from exc
            log.warning("filesystem write failed for %r: %s", name, exc)
            raise StorageFailed() from exc
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)

    def prepare(self) -> None:
        """Nothing to build ahead of the first request."""

    def ping(self) -> None:
        if not self.writable:
            # An unmounted or deleted originals volume would answer every request 404: not ready.
            if not os.path.isdir(self.storage.location):
                raise StorageFailed("storage directory missing")
            return
        try:
            os.makedirs(self.storage.location, exist_ok=True)
        except OSError as exc:
            raise StorageFailed("storage directory unavailable") from exc

    def stat(self, name: str) -> Stat | None:
        try:
            info = os.stat(self.storage.path(name))
        except OSError as exc:
            if exc.errno in NO_OBJECT_THERE:
                return None
            raise StorageFailed() from exc
        if not S_ISREG(info.st_mode):
            return None
        return Stat(info.st_size, {"Last-Modified": formatdate(info.st_mtime, usegmt=True)})

    def list(self, prefix: str) -> Iterator[str]:
        """Every file whose name starts with `prefix`, walking only below its deepest folder."""
        root = self.storage.location
        start = os.path.join(root, prefix.rpartition("/")[0])
        for folder, _, files in os.walk(start):
            for filename in files:
                name = os.path.relpath(os.path.join(folder, filename), root).replace(os.sep, "/")
                # .tmp- files are writes in flight (see write), not objects yet.
                if name.startswith(prefix) and not filename.startswith(".tmp-"):
                    yield name

    def delete(self, names: list[str]) -> None:
        for name in names:
            path = self.storage.path(name)
            try:
                os.remove(path)
            except OSError as exc:
                if exc.errno in NO_OBJECT_THERE:
                    continue
                raise StorageFailed(f"could not delete {name}") from exc
            self._prune(os.path.dirname(path))

    def _prune(self, folder: str) -> None:
        """Remove the folders the delete left empty, up to the storage's root (as S3 has no empty
        folders to leave). A folder a writer fills meanwhile stays; a writer whose new folder goes
        first stores nothing, and its request still answers with the image."""
        root = os.path.abspath(self.storage.location)
        while os.path.abspath(folder).startswith(root + os.sep):
            try:
                os.rmdir(folder)
            except OSError:  # not empty (or gone): the folders above are not empty either
                return
            folder = os.path.dirname(folder)


def _folder_for(path: str) -> str:
    """Create the folder a file will go in; a file of that name is ENOTDIR, as for any deeper one."""
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
    except FileExistsError:  # makedirs says "exists" when a file holds the folder's own name
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), folder) from None
    return folder


class StorageObjects:
    """Any other Django storage (GCS, Azure, …) through the generic Storage API."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def read(self, name: str, max_bytes: int | None = None) -> bytes | None:
        try:
            if max_bytes is not None and (size := self.storage.size(name)) > max_bytes:
                raise too_large(size, max_bytes)
            with self.storage.open(name, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None
        except Unprocessable:
            raise
        except Exception as exc:
            log.warning("storage read failed for %r: %s", name, exc)
            raise StorageFailed() from exc

    def write(self, name: str, body: bytes, content_type: str, cache_control: str) -> None:
        try:
            self.storage.save(name, ContentFile(body))
        except Exception as exc:
            log.warning("storage write failed for %r: %s", name, exc)
            raise StorageFailed() from exc

    def prepare(self) -> None:
        """Nothing to build ahead of the first request."""

    def ping(self) -> None:
        try:
            self.storage.exists("healthz")
        except Exception as exc:
            raise StorageFailed() from exc

    def stat(self, name: str) -> Stat | None:
        try:
            if not self.storage.exists(name):
                return None
            return Stat(self.storage.size(name))
        except IsADirectoryError:  # exists() is true of folders too
            return None
        except Exception as exc:
            raise StorageFailed() from exc

    def list(self, prefix: str) -> Iterator[str]:
        return (name for name in self._walk(prefix.rpartition("/")[0]) if name.startswith(prefix))

    def _walk(self, folder: str) -> Iterator[str]:
        try:
            directories, files = self.storage.listdir(folder)
        except FileNotFoundError:
            return
        except Exception as exc:
            raise StorageFailed() from exc
        base = f"{folder}/" if folder else ""
        yield from (base + name for name in files)
        for directory in directories:
            yield from self._walk(base + directory)

    def delete(self, names: list[str]) -> None:
        try:
            for name in names:
                self.storage.delete(name)
        except Exception as exc:
            raise StorageFailed() from exc


def objects_for(storage: Storage, writable: bool = True) -> Objects:
    from storages.backends.s3 import S3Storage  # here: boto3 loads only when S3 is used

    if isinstance(storage, S3Storage):
        from resizer.stores.s3 import S3Objects

        return S3Objects(storage)
    if isinstance(storage, FileSystemStorage):
        return FileObjects(storage, writable)
    return StorageObjects(storage)


def originals() -> Objects:
    return objects_for(storages["originals"], writable=False)


def renditions() -> Objects:
    return objects_for(storages["renditions"])
