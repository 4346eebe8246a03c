"""A lean ASGI path for /media/, in front of Django (as whitenoise sits in front for static files).

A warm hit is a dictionary lookup and two `send` calls; Django's request stack (request object,
middleware, URL resolver, response object) costs more than that many times over, so media
requests go straight to `Service.respond`, the same story the Django view tells. Everything else
(the demo page, /healthz, /readyz, /metrics, static files) goes to Django.

It also answers the ASGI lifespan protocol, which Django does not speak: at startup it builds the
service (storage clients, pools) so that the first request does not pay for it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from resizer.core.spec import MEDIA_PREFIX, encode_path
from resizer.server.service import Service
from resizer.server.watermarks import WatermarkUnavailable

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_PREFIX = MEDIA_PREFIX.encode("ascii")


class MediaApp:
    """`service` builds the Service (resizer.factory.service: from Django settings, once)."""

    def __init__(
        self, app: ASGIApp, service: Callable[[], Service], on_shutdown: Callable[[], None] = lambda: None
    ) -> None:
        self.app = app
        self.service = service
        self.on_shutdown = on_shutdown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(MEDIA_PREFIX):
            await self.media(scope, send)
        elif scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        else:
            await self.app(scope, receive, send)

    async def media(self, scope: Scope, send: Send) -> None:
        accept, if_none_match = header(scope, b"accept"), header(scope, b"if-none-match")
        reply = await self.service().respond(scope["method"], media_path(scope), accept, if_none_match)
        headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in reply.headers.items()]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body})

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.service().start()
                except WatermarkUnavailable as exc:
                    # The operator's to fix, and its one line says what: uvicorn logs the message
                    # below, then "Application startup failed. Exiting." (no traceback to read).
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                except Exception as exc:  # a bad configuration must stop the worker, with its reason
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.on_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


def header(scope: Scope, name: bytes) -> str | None:
    """Every field line of `name` (ASGI names are lower-case), combined into one comma-separated
    list as RFC 9110 §5.3 allows for list-based fields such as Accept and If-None-Match: a request
    that sends two Accept lines accepts what either names. Django's request does the same."""
    values = [value.decode("latin-1") for field, value in scope["headers"] if field == name]
    return ", ".join(values) if values else None


def media_path(scope: Scope) -> bytes:
    """The path after /media/ exactly as sent, so that it is percent-decoded once, by the service.

    A server (or Django's test client, or WSGI through views.py) that gives only the decoded path
    has lost how it was spelled: it is taken as spelled canonically, else its canonical redirect
    would lead back to itself."""
    raw = scope.get("raw_path") or encode_path(scope["path"]).encode("ascii")
    raw = raw.removeprefix(scope.get("root_path", "").encode("utf-8"))
    return raw.removeprefix(_PREFIX)
