"""The service's process-wide setup, done once by the processes that serve or render: the ASGI
entry point (settings/asgi.py) and manage.py. Importing the settings does none of it.

Each failure stops the process with one line that names the setting, without a traceback.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

M_ARENA_MAX = -8  # from glibc's malloc.h


def bootstrap(*, server: bool) -> None:
    """`server`: also the run directory the workers share (Prometheus samples, shared originals)."""
    from resizer.conf import config  # after the run directory: config() builds the originals cache
    from resizer.imaging import decoders, limits

    try:
        _data_dir()
        if server:
            cap_arenas()
            _run_dir()
        limits.apply(config().limits)
        decoders.allowed()  # pillow-heif's plugin, when installed: registered before the first request
    except ImproperlyConfigured as exc:
        sys.exit(f"resizer: bad setting {exc}")


def _data_dir() -> None:
    # The default ./var is ours to create; a directory the operator named must exist already.
    named = settings.RESIZER_DATA_DIR
    if named and not settings.RESIZER_ORIGINALS_BUCKET and not Path(named).is_dir():
        raise ImproperlyConfigured(f"RESIZER_DATA_DIR: {named!r} is not a directory (create it, or unset it)")


def _run_dir() -> None:
    """This server's run directory, and PROMETHEUS_MULTIPROC_DIR in it, set always by us (an
    inherited one could be another server's) and before prometheus_client is first imported."""
    from resizer.server import run_dir

    parent = Path(settings.RESIZER_RUN_DIR or tempfile.gettempdir())
    try:
        run = run_dir.prepare(parent)
        (run / "metrics").mkdir(exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(f"RESIZER_RUN_DIR: cannot use {str(parent)!r}: {exc.strerror}") from None
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(run / "metrics")


def cap_arenas(arenas: int = 1) -> bool:
    """glibc's malloc arenas, capped for this process (what MALLOC_ARENA_MAX=1 does, unless set).

    glibc gives each thread that contends for the heap an arena of its own, up to 8 per core, and
    frees little of them back: render threads decoding megapixels each grow one, and what one
    arena holds free the others cannot use. Two arenas held a worker's peak RSS ≈10–15 MiB lower
    than glibc's default under a cold load; one holds a page publish's ≈40 MiB lower again
    (397–447 against 466–522 MiB in seven runs each) at the same throughput, and the cold loads'
    throughput the same (docs/performance.md). It must run before the render threads exist.
    """
    if "MALLOC_ARENA_MAX" in os.environ:  # the operator decided; glibc has read it already
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to cap
        return False
