"""The one place sync work meets the event loop: bounded pools, admission, single flight.

Pillow runs in a fixed pool of render threads (Pillow releases the GIL while it decodes, resamples
and encodes); storage calls run in their own I/O pool so a slow bucket cannot starve renders.
Nothing else in the app knows about threads or the loop.

Memory is bounded by configuration, not by traffic: a miss takes a Slot before it downloads its
original, and there are render_workers + queue_limit slots. A slot is given back when its request
is done with it *and* its threads are: a request cut off by its deadline cannot free its place
while a thread still holds its original or its pixels.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from resizer import metrics
from resizer.errors import Overloaded

P = ParamSpec("P")
T = TypeVar("T")


class Pools:
    """A render pool with a bounded queue in front of it, and an I/O pool."""

    def __init__(self, render_workers: int, queue_limit: int, io_workers: int) -> None:
        self.render_workers = render_workers
        self.capacity = render_workers + queue_limit
        self.admitted = 0  # slots taken: misses fetching, rendering or waiting for a render thread
        self._render = ThreadPoolExecutor(render_workers, thread_name_prefix="render")
        self._io = ThreadPoolExecutor(io_workers, thread_name_prefix="storage")

    @property
    def queued(self) -> int:
        return max(0, self.admitted - self.render_workers)

    def slot(self) -> Slot:
        """A place for one miss, or Overloaded (503) at once when every place is taken."""
        if self.admitted >= self.capacity:
            raise Overloaded()
        self._count(+1)
        return Slot(self, asyncio.get_running_loop())

    def _count(self, step: int) -> None:
        self.admitted += step
        metrics.renders_admitted.set(self.admitted)
        metrics.queue_depth.set(self.queued)

    async def io(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.wrap_future(self._io.submit(functools.partial(fn, *args, **kwargs)))

    def shutdown(self) -> None:
        self._render.shutdown(wait=True, cancel_futures=True)
        self._io.shutdown(wait=True, cancel_futures=True)


class Slot:
    """One admitted miss. `with slot:` holds it; threads it started hold it until they finish."""

    def __init__(self, pools: Pools, loop: asyncio.AbstractEventLoop) -> None:
        self.pools = pools
        self.loop = loop
        self.holders = 1  # the request itself, plus each job still running in a thread
        self.released = False

    def __enter__(self) -> Slot:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._let_go()

    async def render(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run(self.pools._render, _timed(fn), *args, **kwargs)

    async def io(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run(self.pools._io, fn, *args, **kwargs)

    async def _run(self, executor: ThreadPoolExecutor, fn: Callable[..., T], *args, **kwargs) -> T:
        job = executor.submit(functools.partial(fn, *args, **kwargs))
        self.holders += 1
        job.add_done_callback(self._job_done)
        return await asyncio.wrap_future(job)

    def _job_done(self, job: Future) -> None:
        self.loop.call_soon_threadsafe(self._let_go)  # runs in the worker thread: hop to the loop

    def _let_go(self) -> None:
        self.holders -= 1
        if self.holders == 0 and not self.released:
            self.released = True
            self.pools._count(-1)


def _timed(fn: Callable[P, T]) -> Callable[P, T]:
    @functools.wraps(fn)
    def timed(*args: P.args, **kwargs: P.kwargs) -> T:
        with metrics.render_seconds.time():
            return fn(*args, **kwargs)

    return timed


class _Flight:
    def __init__(self, future: asyncio.Future) -> None:
        self.future = future
        self.waiters = 0


class SingleFlight:
    """Identical concurrent work runs once; every caller gets the same result or error.

    Callers wait through `asyncio.shield`, so one caller's deadline does not cancel the work for
    the others; when the last caller has gone the work is cancelled, so that nothing is stored
    for a request that was already answered 504.
    """

    def __init__(self) -> None:
        self._flights: dict[str, _Flight] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._flights

    async def run(self, key: str, work: Callable[[], Awaitable[T]]) -> T:
        flight = self._flights.get(key)
        if flight is None:
            flight = self._flights[key] = _Flight(asyncio.ensure_future(work()))
            flight.future.add_done_callback(functools.partial(self._land, key))
        else:
            metrics.flight_joins.inc()
        flight.waiters += 1
        try:
            return await asyncio.shield(flight.future)
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.future.done():
                flight.future.cancel()

    def _land(self, key: str, future: asyncio.Future) -> None:
        flight = self._flights.get(key)
        if flight is not None and flight.future is future:
            del self._flights[key]
        if not future.cancelled():
            future.exception()  # retrieved here so that abandoned flights do not warn
