"""The directory that uvicorn's workers share: one per server boot, fresh.

It holds `metrics/`, where prometheus-client's multiprocess mode sums files that every worker
writes, and `originals/`, the originals the workers fetched recently (sources.py). Both must be
shared by the workers of one server, never by two servers, and start empty, or a restarted
server would go on counting from the last one's files. uvicorn's workers are spawned
by its supervisor through multiprocessing, so they agree on a name built from the supervisor's
pid and start time without talking to each other; a single-process server uses its own.
Directories of servers that are gone are removed at start. Nothing here imports prometheus_client:
PROMETHEUS_MULTIPROC_DIR must be set before it is imported.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path

PREFIX = "resizer-run-"


def prepare(parent: Path) -> Path:
    """This server's directory under `parent`, created; those of servers no longer running removed."""
    process = multiprocessing.parent_process()
    pid = process.pid if process is not None else os.getpid()
    for stale in parent.glob(f"{PREFIX}*"):
        if not _running(stale.name.removeprefix(PREFIX)):
            shutil.rmtree(stale, ignore_errors=True)
    directory = parent / f"{PREFIX}{pid}-{start_time(pid)}"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


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
