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
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, ParamSpec, TypeVar

from resizer.core.errors import Overloaded
from resizer.server import metrics

log = logging.getLogger(__name__)

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


class Flight(Generic[T]):
    """One piece of work in progress and the callers waiting for it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.result: asyncio.Future[T] = loop.create_future()  # what the callers get
        self.taken: asyncio.Future[bool] = loop.create_future()  # a caller has it in hand, or none will
        self.waiters = 0
        self.task: asyncio.Task[T] | None = None

    async def publish(self, value: T) -> bool:
        """Hand `value` to the callers before the work is over.

        True once a caller has it in hand, which then answers with it whatever its deadline does;
        False when every caller had gone (their deadline passed) before one could take it. Work
        that has a lasting effect (storing the rendition) does it only after True, so that nothing
        is written for a request that was answered 504.
        """
        self.result.set_result(value)
        return await self.taken

    def _take(self) -> None:
        if not self.taken.done():
            self.taken.set_result(True)

    def _leave(self) -> None:
        self.waiters -= 1
        if self.waiters:
            return
        if not self.taken.done():
            self.taken.set_result(False)
        if not self.result.done():
            self.task.cancel()  # no one waits for it any more

    def _end(self, task: asyncio.Task[T]) -> None:
        error = None if task.cancelled() else task.exception()  # retrieved: no "never retrieved" warning
        if not self.result.done():
            if task.cancelled():
                self.result.cancel()
            elif error is not None:
                self.result.set_exception(error)
                self.result.exception()  # the callers may all have gone
            else:
                self.result.set_result(task.result())
        elif error is not None:
            log.error("work failed after handing over its result", exc_info=error)


class SingleFlight:
    """Identical concurrent work runs once; every caller gets the same result or error.

    Callers wait through `asyncio.shield`, so one caller's deadline does not cancel the work for
    the others; when the last caller has gone before the result, the work is cancelled. Work may
    hand its result over early (`Flight.publish`) and go on, still as the one flight of its key,
    so that callers arriving meanwhile share it too.
    """

    def __init__(self) -> None:
        self._flights: dict[str, Flight] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._flights

    async def run(self, key: str, work: Callable[[Flight[T]], Awaitable[T]]) -> T:
        flight = self._flights.get(key)
        if flight is None:
            flight = self._flights[key] = Flight(asyncio.get_running_loop())
            flight.task = asyncio.ensure_future(work(flight))
            flight.task.add_done_callback(functools.partial(self._land, key, flight))
        else:
            metrics.flight_joins.inc()
        flight.waiters += 1
        try:
            value = await asyncio.shield(flight.result)
            flight._take()  # no await from here to the caller's answer
            return value
        finally:
            flight._leave()

    async def landed(self, key: str, timeout: float | None = None) -> None:
        """Wait, at most `timeout` seconds, for the work of `key` to end, without cancelling it."""
        flight = self._flights.get(key)
        if flight is not None:
            await asyncio.wait({flight.task}, timeout=timeout)

    def _land(self, key: str, flight: Flight, task: asyncio.Task) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        flight._end(task)
