"""The serving story, framework-neutral: a request path in, a Reply out.

parse → policy → canonical redirect → rendition stored? → otherwise fetch, render, store → reply.
The Django view (views.py) is a thin adapter around `Service.respond`.
"""

from __future__ import annotations

import asyncio
import logging
from functools import cache

from resizer import headers, pipeline
from resizer.conf import Config, config
from resizer.errors import DeadlineExceeded, ResizerError, StorageFailed
from resizer.headers import Reply
from resizer.render import Pools, SingleFlight
from resizer.spec import ParsedURL, RenditionSpec, decode_path, encode_path
from resizer.storage import Objects, fetch_original, originals, rendition_name, renditions

log = logging.getLogger(__name__)

MEDIA_PREFIX = "/media/"


class Service:
    def __init__(self, config: Config, originals: Objects, renditions: Objects) -> None:
        self.config = config
        self.grammar = config.grammar
        self.originals = originals
        self.renditions = renditions
        self.pools = Pools(config.render_workers, config.queue_limit, config.io_workers)
        self.flights = SingleFlight()

    async def respond(
        self, method: str, path: bytes | str, accept: str | None = None, if_none_match: str | None = None
    ) -> Reply:
        """Answer GET/HEAD for `path` (the part after /media/, as sent: percent-encoded)."""
        if method not in ("GET", "HEAD"):
            return headers.method_not_allowed()
        head = method == "HEAD"
        try:
            async with asyncio.timeout(self.config.deadline):
                return await self._respond(path, accept, if_none_match, head)
        except ResizerError as exc:
            return headers.error(exc, head)
        except TimeoutError:
            return headers.error(DeadlineExceeded(), head)

    async def _respond(self, path: bytes | str, accept: str | None, if_none_match: str | None, head: bool) -> Reply:
        parsed = self.grammar.parse(decode_path(path))
        self.config.policy.check(parsed)
        if not parsed.canonical:
            return headers.redirect(media_url(parsed))
        spec = parsed.spec
        output = headers.accepted_format(accept) if spec.format == "auto" else spec.format
        name = rendition_name(self.grammar.option_parts(spec.expanded), spec.key, output)
        body = await self.pools.io(self.renditions.read, name)
        if body is None:
            body = await self.flights.run(name, lambda: self._produce(spec, output, name))
        return headers.image(
            body,
            immutable=spec.version is not None,
            vary=spec.format == "auto",
            if_none_match=if_none_match,
            head=head,
        )

    async def _produce(self, spec: RenditionSpec, output: str | None, name: str) -> bytes:
        """A miss: fetch the original (once for concurrent renditions of it), render, store."""
        limits = self.config.limits
        data = await self.flights.run(
            f"original:{spec.key}",
            lambda: self.pools.io(fetch_original, self.originals, spec.key, limits.max_source_bytes),
        )
        rendered = await self.pools.render(pipeline.render, data, spec, output, limits)
        cache_control = headers.cache_control(200, spec.version is not None)
        try:
            await self.pools.io(self.renditions.write, name, rendered.body, rendered.content_type, cache_control)
        except ResizerError as exc:
            # The image is still good: serve it; the next request renders again.
            log.warning("rendition %r not stored: %s", name, exc.message)
        return rendered.body

    async def ready(self) -> bool:
        """Both storages answer (GET /readyz)."""
        try:
            async with asyncio.timeout(5):
                await self.pools.io(self.originals.ping)
                await self.pools.io(self.renditions.ping)
        except (ResizerError, TimeoutError) as exc:
            log.warning("not ready: %s", getattr(exc, "message", "storage timed out"))
            return False
        return True

    async def warm(self, spec: RenditionSpec, output: str | None) -> bool:
        """Render and store one rendition unless it is stored already (resizer_warm).

        True when it rendered, False when it was there. Unlike a request, which serves an image
        it could not store, warming fails when the rendition is not stored: that is its purpose.
        """
        name = rendition_name(self.grammar.option_parts(spec.expanded), spec.key, output)
        if await self.pools.io(self.renditions.stat, name) is not None:
            return False
        await self.flights.run(name, lambda: self._produce(spec, output, name))
        if await self.pools.io(self.renditions.stat, name) is None:
            raise StorageFailed("rendered, but the renditions storage did not keep it")
        return True


def media_url(parsed: ParsedURL) -> str:
    signature = f"s_{parsed.signature}/" if parsed.signature else ""
    return f"{MEDIA_PREFIX}{signature}{encode_path(parsed.path)}"


@cache
def service() -> Service:
    return Service(config(), originals(), renditions())
