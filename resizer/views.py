"""Django adapters: the async media view, the health endpoints and /metrics."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from resizer.factory import service
from resizer.server import headers, metrics
from resizer.server.asgi import media_path
from resizer.server.headers import Reply


async def media(request: HttpRequest, path: str) -> HttpResponse:
    reply = await service().respond(
        request.method or "GET",
        raw_media_path(request),
        accept=request.headers.get("Accept"),
        if_none_match=request.headers.get("If-None-Match"),
    )
    return as_response(reply)


async def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive; no I/O."""
    return as_response(headers.probe(200, "ok"))


async def readyz(request: HttpRequest) -> HttpResponse:
    """Both storages answer."""
    ready = await service().ready()
    return as_response(headers.probe(200, "ready") if ready else headers.probe(503, "storage unavailable"))


async def prometheus(request: HttpRequest) -> HttpResponse:
    """Prometheus text for every worker of this server. Keep it off the CDN: it is for the scraper."""
    body, content_type = await service().pools.io(metrics.exposition)
    return HttpResponse(body, content_type=content_type, headers={"Cache-Control": "no-store"})


def raw_media_path(request: HttpRequest) -> bytes:
    """The path after /media/ exactly as sent (ASGI), so that it is percent-decoded once, by us."""
    scope = getattr(request, "scope", None) or {"path": request.path}
    return media_path(scope)


def as_response(reply: Reply) -> HttpResponse:
    response = HttpResponse(reply.body, status=reply.status)
    if "Content-Type" not in reply.headers:
        del response["Content-Type"]
    for name, value in reply.headers.items():
        response[name] = value
    return response
