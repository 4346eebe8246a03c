"""The one place sync work meets the event loop: bounded pools, admission, single flight.

Pillow runs in a fixed pool of render threads (Pillow releases the GIL while it decodes, resamples
and encodes); storage calls run in their own I/O pool so a slow bucket cannot starve renders.
Nothing else in the app knows about threads or the loop.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from resizer.errors import Overloaded

P = ParamSpec("P")
T = TypeVar("T")


class Pools:
    """A render pool with a bounded queue in front of it, and an I/O pool."""

    def __init__(self, render_workers: int, queue_limit: int, io_workers: int) -> None:
        self.render_workers = render_workers
        self.capacity = render_workers + queue_limit
        self.admitted = 0  # renders running or waiting for a render thread
        self._render = ThreadPoolExecutor(render_workers, thread_name_prefix="render")
        self._io = ThreadPoolExecutor(io_workers, thread_name_prefix="storage")

    @property
    def queued(self) -> int:
        return max(0, self.admitted - self.render_workers)

    async def render(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run CPU work in the render pool, or refuse at once when the queue is full."""
        if self.admitted >= self.capacity:
            raise Overloaded()
        self.admitted += 1
        try:
            return await _in(self._render, fn, *args, **kwargs)
        finally:
            self.admitted -= 1

    async def io(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await _in(self._io, fn, *args, **kwargs)

    def shutdown(self) -> None:
        self._render.shutdown(wait=True, cancel_futures=True)
        self._io.shutdown(wait=True, cancel_futures=True)


async def _in(executor: ThreadPoolExecutor, fn: Callable[..., T], *args, **kwargs) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))


class SingleFlight:
    """Identical concurrent work runs once; every caller gets the same result or error.

    Callers wait through `asyncio.shield`, so one caller's deadline does not cancel the work
    for the others.
    """

    def __init__(self) -> None:
        self._flights: dict[str, asyncio.Future] = {}
        self.joins = 0

    def __contains__(self, key: str) -> bool:
        return key in self._flights

    async def run(self, key: str, work: Callable[[], Awaitable[T]]) -> T:
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(work())
            self._flights[key] = flight
            flight.add_done_callback(functools.partial(self._land, key))
        else:
            self.joins += 1
        return await asyncio.shield(flight)

    def _land(self, key: str, flight: asyncio.Future) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if not flight.cancelled():
            flight.exception()  # retrieved here so that abandoned flights do not warn
