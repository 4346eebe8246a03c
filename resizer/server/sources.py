"""Originals shared by the workers of one server: fetched from storage once, kept briefly on disk.

A browser's srcset burst asks for several renditions of one original at once, and uvicorn's
workers each take some of them. Single flight (render.py) makes one fetch per worker; this makes
one per server. The first worker to miss takes the key's lock (flock) and fetches; the others wait
on the lock and read its copy. Before a copy is used the store is asked, without the body, what
version the original is now (`version()`: a stat; on S3 a HEAD): a copy of another version is
fetched again, and an original the store no longer has is not rendered from a copy (a takedown
stops new renditions at once). A copy older than `ttl` is fetched again all the same; the
directory is bounded by bytes, oldest first.
Any trouble with the local disk falls back to fetching: the cache may only ever save work.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_STRIPES = 256  # lock files are never removed (that would break flock), so they are few


class SharedOriginals:
    def __init__(self, directory: Path, max_bytes: int, ttl: float, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.clock = clock

    def fetch(self, key: str, fetch: Callable[[], bytes], version: Callable[[], str | None]) -> bytes:
        """The original's bytes: a fresh local copy of its current version, or `fetch()` kept for
        the other workers (blocking). `version()` is None when the store has no such original."""
        name = hashlib.sha256(key.encode("utf-8")).hexdigest()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self._locked(name):
                tag = version()
                data = None if tag is None else self._fresh(self.directory / name, tag)
                if data is None:
                    data = fetch()  # the store's own answer, missing originals included
                    if tag is not None:
                        self._keep(name, data, tag)
                return data
        except OSError as exc:
            log.warning("originals cache unavailable: %s", exc)
            return fetch()

    @contextlib.contextmanager
    def _locked(self, name: str) -> Iterator[None]:
        stripe = int(name[:4], 16) % LOCK_STRIPES
        with open(self.directory / f"lock-{stripe}", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _fresh(self, path: Path, tag: str) -> bytes | None:
        """The copy's bytes when it is young enough and of version `tag` (its first line). The
        body is read at its offset into one buffer of its size: reading the file whole and
        splitting it made a second copy of every original."""
        line = _line(tag) + b"\n"
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            info = os.fstat(fd)
            if self.clock() - info.st_mtime >= self.ttl or os.pread(fd, len(line), 0) != line:
                return None
            data = os.pread(fd, info.st_size - len(line), len(line))
            return data if len(data) == info.st_size - len(line) else None
        finally:
            os.close(fd)

    def _keep(self, name: str, data: bytes, tag: str) -> None:
        if len(data) > self.max_bytes:
            return
        temporary = self.directory / f"{name}.tmp"
        temporary.write_bytes(_line(tag) + b"\n" + data)
        os.replace(temporary, self.directory / name)
        self._trim()

    def _trim(self) -> None:
        copies = sorted(
            (entry.stat().st_mtime, entry.stat().st_size, entry.path)
            for entry in os.scandir(self.directory)
            if len(entry.name) == 64  # sha256 names: not the locks, not a write in flight
        )
        total = sum(size for _, size, _ in copies)
        for _, size, path in copies:
            if total <= self.max_bytes:
                break
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            total -= size


def _line(tag: str) -> bytes:
    return tag.encode("utf-8", "backslashreplace").replace(b"\n", b" ").replace(b"\r", b" ")
