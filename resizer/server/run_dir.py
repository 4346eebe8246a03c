"""The directory that uvicorn's workers share: one per server boot, fresh.

It holds `metrics/`, where prometheus-client's multiprocess mode sums files that every worker
writes, and `originals/`, the originals the workers fetched recently (sources.py). Both must be
shared by the workers of one server, never by two servers, and start empty, or a restarted
server would go on counting from the last one's files. uvicorn's workers are spawned
by its supervisor through multiprocessing, so they agree on a name built from the supervisor's
pid and start time without talking to each other; a single-process server uses its own.
Each worker registers itself in `workers/` and the last one to stop removes the directory;
directories of servers that died without stopping are removed at the next start. Nothing here
imports prometheus_client: PROMETHEUS_MULTIPROC_DIR must be set before it is imported.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

PREFIX = "resizer-run-"
_current: Path | None = None


def current() -> Path | None:
    """This process's run directory, once prepared (a bootstrapped service); None elsewhere."""
    return _current


def prepare(parent: Path) -> Path:
    """This server's directory under `parent`, created; those of servers no longer running removed."""
    process = multiprocessing.parent_process()
    pid = process.pid if process is not None else os.getpid()
    for stale in parent.glob(f"{PREFIX}*"):
        if not _running(stale.name.removeprefix(PREFIX)):
            shutil.rmtree(stale, ignore_errors=True)
    directory = parent / f"{PREFIX}{pid}-{start_time(pid)}"
    directory.mkdir(mode=0o700, exist_ok=True)
    with _locked(directory):
        (directory / "workers").mkdir(exist_ok=True)
        (directory / "workers" / str(os.getpid())).touch()
    global _current
    _current = directory
    return directory


def release() -> None:
    """This worker stops: unregister it; the last worker of the server removes the directory."""
    global _current
    directory, _current = _current, None
    if directory is None:
        return
    with contextlib.suppress(OSError), _locked(directory):
        (directory / "workers" / str(os.getpid())).unlink(missing_ok=True)
        if not any((directory / "workers").iterdir()):
            shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    # The lock file is inside the directory it guards: removing the directory under the lock is
    # safe, since whoever waits next finds the directory gone and a worker only registers at start.
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, not ours to judge
        return True
    return True


def start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), so a reused pid is told apart."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return "0"


def _running(name: str) -> bool:
    pid, _, started = name.partition("-")
    return pid.isdigit() and alive(int(pid)) and start_time(int(pid)) == started
