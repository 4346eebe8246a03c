"""The serving story, framework-neutral: a request path in, a Reply out.

parse → policy → canonical redirect → rendition stored? → otherwise fetch, render, store → reply.
The Django view (views.py) is a thin adapter around `Service.respond`, which also records each
request (metrics, the JSON log line, Server-Timing: trace.py) so that any adapter gets them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from resizer.core import formats
from resizer.core.errors import DeadlineExceeded, Forbidden, ResizerError, StorageFailed
from resizer.core.naming import rendition_name
from resizer.core.spec import MEDIA_PREFIX, ParsedURL, RenditionSpec
from resizer.imaging import encoders, pipeline
from resizer.imaging.masters import Masters
from resizer.imaging.overlay import Overlay
from resizer.imaging.pipeline import Rendered
from resizer.server import headers, metrics, watermarks
from resizer.server.config import Config
from resizer.server.headers import Reply
from resizer.server.hot import HotCache
from resizer.server.render import Flight, Pools, SingleFlight, Slot
from resizer.server.trace import Timing, Trace
from resizer.stores.base import Objects, fetch_original

log = logging.getLogger(__name__)


class Found(NamedTuple):
    body: bytes
    cache: str  # "hit": read from the renditions storage; "miss": rendered now
    timing: Timing


class Service:
    def __init__(self, config: Config, originals: Objects, renditions: Objects) -> None:
        self.config = config
        self.grammar = config.grammar
        self.originals = originals
        self.renditions = renditions
        self.pools = Pools(config.render_workers, config.queue_limit, config.io_workers)
        # One flight table per kind of work: a rendition's name and an original's key are both
        # free-form strings, and a shared table let a request join the wrong kind of flight.
        self.flights = SingleFlight()  # renditions, by storage name
        self.fetches = SingleFlight()  # originals, by key
        self.hot = HotCache(config.hot_cache_bytes, config.hot_cache_seconds)
        # Decode once, render many: masters and frames shared by renditions of the same bytes, and
        # the misses of each original waiting for a render, whose finest scale the decode takes.
        self.masters = Masters(config.masters_cache_bytes, observe=metrics.master_lookup)
        encoders.use_jpeg_encoder(config.jpeg_encoder)  # one per process, as the settings are
        encoders.use_avif_speed(config.avif_speed)
        self.pending: dict[str, list[RenditionSpec]] = {}
        # RESIZER_WATERMARKS' images, read once for the process (None: not read yet).
        self.overlays: watermarks.Overlays | None = None if config.watermarks else {}
        self.mark_reads = SingleFlight()

    async def start(self) -> None:
        """Build at startup what the first request would otherwise pay for: the storage clients
        and the watermarks. A storage that does not answer yet is logged (naming the bucket and
        why), not fatal: /readyz keeps the pod out of the load balancer until it answers. A
        watermark that is missing or not an image is fatal (WatermarkUnavailable names it)."""
        await self.pools.io(self.originals.prepare)
        await self.pools.io(self.renditions.prepare)
        await self._read_watermarks()
        await self.ready()

    async def _read_watermarks(self) -> None:
        if self.overlays is not None:
            return
        try:
            await self._overlays()
        except StorageFailed as exc:
            detail = exc.detail or "no detail"
            log.warning("watermarks not read yet: %s (%s); the first request with wm_ reads them", exc.message, detail)

    async def _overlays(self) -> watermarks.Overlays:
        """The watermarks, read once (concurrent first callers share the one read), in the I/O pool."""
        if self.overlays is None:
            marks = self.config.watermarks
            self.overlays = await self.mark_reads.run(
                "watermarks", lambda _: self.pools.io(watermarks.load, self.originals, marks)
            )
        return self.overlays

    async def _overlay(self, name: str | None) -> Overlay | None:
        if name is None:
            return None
        return (await self._overlays())[name]

    async def respond(
        self, method: str, path: bytes | str, accept: str | None = None, if_none_match: str | None = None
    ) -> Reply:
        """Answer GET/HEAD for `path` (the part after /media/, as sent: percent-encoded)."""
        raw = path.decode("utf-8", "backslashreplace") if isinstance(path, bytes) else path
        trace = Trace(method, MEDIA_PREFIX + raw)
        reply = await self._answer(method, path, accept, if_none_match, trace)
        trace.record(reply)
        return reply

    async def _answer(
        self, method: str, path: bytes | str, accept: str | None, if_none_match: str | None, trace: Trace
    ) -> Reply:
        if method not in ("GET", "HEAD"):
            return headers.method_not_allowed()
        head = method == "HEAD"
        try:
            return await self._respond(path, accept, if_none_match, head, trace)
        except ResizerError as exc:
            return headers.error(exc, head)
        except TimeoutError:
            return headers.error(DeadlineExceeded(), head)
        except Exception:
            # Our own bug: answered here, once, with the contract's headers (no-store, nosniff, one
            # short line) and logged with its traceback, never uvicorn's bare 500 nor a 422 that
            # blames the original. The request is still recorded (metrics, access line).
            log.exception("unexpected error answering %s %s", method, trace.path[:200])
            return headers.error(ResizerError(), head)

    async def _respond(
        self, path: bytes | str, accept: str | None, if_none_match: str | None, head: bool, trace: Trace
    ) -> Reply:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.deadline
        # In the contract's order: parse (400), signature over the decoded canonical path (403),
        # then the canonical redirect (301), which keeps a signature that verified.
        policy = self.config.policy
        parsed = self.grammar.parse_request(path)
        policy.check(parsed)
        expires_in = expiry(parsed)  # 403 from the link's time on, before any storage call
        parsed = policy.served(parsed)
        if not parsed.canonical:
            return headers.redirect(parsed.canonical_url, head, expires_in)
        spec = parsed.spec
        output = formats.accepted(accept) if spec.format == "auto" else spec.format
        name = rendition_name(self.grammar, spec, output)
        # One flight covers the lookup too: a request arriving just after a render finished
        # finds the stored rendition instead of rendering again.
        # The request that starts the flight times it in its own trace (errors included); those
        # that join it take the figures of the work that answered them.
        entry = self.hot.get(name)
        if entry is None:
            async with asyncio.timeout_at(deadline):  # TimeoutError: 504
                found = await self.flights.run(
                    name, lambda flight: self._rendition(spec, output, name, trace.timing, flight)
                )
            # From here this request answers with the image. Its rendition may be being stored:
            # wait for that within the deadline, so that the next request finds it stored.
            await self.flights.landed(name, max(0.0, deadline - loop.time()))
            trace.cache, trace.timing = found.cache, found.timing
            entry = self.hot.put(name, found.body)
        else:
            trace.cache = "hit"
        reply = headers.image(
            entry.body,
            immutable=spec.version is not None,
            vary=spec.format == "auto",
            if_none_match=if_none_match,
            head=head,
            tag=entry.etag,
            kind=entry.content_type,
            # What is left now, after the render: never a cache lifetime past the link's end.
            expires_in=expires_in if expires_in is None else max(0, int(seconds_left(parsed))),
        )
        reply.headers["Server-Timing"] = trace.server_timing()
        return reply

    async def _rendition(
        self, spec: RenditionSpec, output: str | None, name: str, timing: Timing, flight: Flight
    ) -> Found:
        with self._waiting(spec):
            return await self._look_up_or_render(spec, output, name, timing, flight)

    @contextlib.contextmanager
    def _waiting(self, spec: RenditionSpec) -> Iterator[None]:
        """Counts the miss among its original's pending renditions, from its lookup to its answer:
        the requests of a burst (a page's srcset, f_auto's formats) arrive within milliseconds,
        well before the first of them has fetched its original and starts decoding."""
        self.pending.setdefault(spec.key, []).append(spec)
        try:
            yield
        finally:
            waiting = self.pending[spec.key]
            waiting.remove(spec)
            if not waiting:
                del self.pending[spec.key]

    def _burst(self, key: str) -> tuple[RenditionSpec, ...]:
        """The renditions of `key` waiting now (called from a render thread: a copy, made at once)."""
        return tuple(self.pending.get(key, ()))

    async def _look_up_or_render(
        self, spec: RenditionSpec, output: str | None, name: str, timing: Timing, flight: Flight
    ) -> Found:
        with timing.measure("storage"):
            body = await self.pools.io(self.renditions.read, name)
        if body is not None:
            return Found(body, "hit", timing)
        with self.pools.slot() as slot:  # taken before the download: 503 costs nothing
            rendered = await self._produce(slot, spec, output, timing)
            found = Found(rendered.body, "miss", timing)
            # Stored only once a request has the image in hand and so answers with it: 200, or 304
            # when its If-None-Match matches (a CDN revalidating a cold URL had us render it to know
            # the ETag: that work is kept). A render that ends as every request waiting for it
            # passes its deadline (504) stores nothing, nor does any other error.
            if await flight.publish(found):
                with timing.measure("storage"):
                    await self._store(slot, name, rendered, spec)
        return found

    async def _produce(self, slot: Slot, spec: RenditionSpec, output: str | None, timing: Timing) -> Rendered:
        """Fetch the original (once for concurrent renditions of it) and render it."""
        with timing.measure("storage"):
            data = await self.fetches.run(spec.key, lambda _: slot.io(self._original, spec.key))
            overlay = await self._overlay(spec.watermark)  # read at start-up: no I/O here
        burst = functools.partial(self._burst, spec.key)
        with timing.measure("render"):
            return await slot.render(
                pipeline.render, data, spec, output, self.config.limits, overlay, self.masters, burst
            )

    def _original(self, key: str) -> bytes:
        """The original's bytes, fetched once for all of this server's workers (blocking)."""
        fetch = functools.partial(fetch_original, self.originals, key, self.config.limits.max_source_bytes)
        shared = self.config.originals_cache
        return shared.fetch(key, fetch, functools.partial(self._version, key)) if shared else fetch()

    def _version(self, key: str) -> str | None:
        """What the store says of the original now, without its body; None: it has none."""
        stat = self.originals.stat(key)
        if stat is None:
            return None
        return " ".join([str(stat.size), stat.metadata.get("ETag", ""), stat.metadata.get("Last-Modified", "")])

    async def _store(self, slot: Slot, name: str, rendered: Rendered, spec: RenditionSpec) -> None:
        cache_control = headers.cache_control(200, spec.version is not None)
        try:
            await slot.io(self.renditions.write, name, rendered.body, rendered.content_type, cache_control)
        except ResizerError as exc:
            # The image is still good: serve it; the next request renders again.
            log.warning("rendition %r not stored: %s", name, exc.message)

    async def ready(self) -> bool:
        """Both storages answer (GET /readyz)."""
        try:
            async with asyncio.timeout(5):
                await self.pools.io(self.originals.ping)
                await self.pools.io(self.renditions.ping)
        except ResizerError as exc:
            log.warning("not ready: %s (%s)", exc.message, exc.detail or "no detail")
            return False
        except TimeoutError:
            log.warning("not ready: storage did not answer within 5 s")
            return False
        return True

    async def warm(self, wanted: Sequence[tuple[RenditionSpec, str | None]]) -> list[bool | Exception]:
        """Render and store the renditions of one original that are not stored yet (resizer_warm):
        one slot, one fetch and one render job for them all, so one decode (pipeline.render_many).

        For each: True when it rendered, False when it was there, or the error that stopped it.
        Unlike a request, which serves an image it could not store, warming fails when the
        rendition is not stored: that is its purpose. Renditions are written create-only, so a
        request rendering one of them meanwhile stores one object with it.
        """
        names = [rendition_name(self.grammar, spec, output) for spec, output in wanted]
        # One after another: the storage's connection pool is sized for the renders, not for
        # a dozen lookups of each original being warmed.
        missing = [index for index, name in enumerate(names) if await self.pools.io(self.renditions.stat, name) is None]
        results: list[bool | Exception] = [False] * len(wanted)
        if not missing:
            return results
        key = wanted[missing[0]][0].key
        with self.pools.slot() as slot:
            try:
                data = await self.fetches.run(key, lambda _: slot.io(self._original, key))
                marks = {name: await self._overlay(name) for name in {wanted[i][0].watermark for i in missing} if name}
                todo = [wanted[index] for index in missing]
                made = await slot.render(pipeline.render_many, data, todo, self.config.limits, marks, self.masters)
            except ResizerError as exc:  # the original itself: every rendition of it fails alike
                return [exc if index in missing else False for index in range(len(wanted))]
            for index, rendered in zip(missing, made, strict=True):
                spec = wanted[index][0]
                ok = isinstance(rendered, Rendered)
                results[index] = await self._kept(slot, names[index], rendered, spec) if ok else rendered
        return results

    async def _kept(self, slot: Slot, name: str, rendered: Rendered, spec: RenditionSpec) -> bool | Exception:
        await self._store(slot, name, rendered, spec)
        if await slot.io(self.renditions.stat, name) is None:
            return StorageFailed("rendered, but the renditions storage did not keep it")
        return True


def seconds_left(parsed: ParsedURL) -> float | None:
    """How long an expiring link (exp_) has left, now; None for a link that does not expire."""
    return None if parsed.expires is None else parsed.expires - time.time()


def expiry(parsed: ParsedURL) -> int | None:
    """The whole seconds an expiring link (exp_) has left; None for a link that does not expire.
    From its time on the link is refused (403), whatever is stored or cached."""
    left = seconds_left(parsed)
    if left is not None and left <= 0:
        raise Forbidden("link expired")
    return None if left is None else int(left)
