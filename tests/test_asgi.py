"""The lean ASGI path: /media/ straight to the service, the rest through Django, lifespan answered."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.test import AsyncClient

from resizer import views
from tests.support.images import decode, jpeg


def test_media_bypasses_django_and_everything_else_does_not(start_server, data_dir) -> None:
    (data_dir / "originals" / "cat.jpg").write_bytes(jpeg())
    server = start_server({"RESIZER_DATA_DIR": str(data_dir)})
    media = server.get("/media/w_100/cat.jpg")
    assert media.status == 200 and decode(media.body).size == (100, 75)
    # Django's SecurityMiddleware adds Referrer-Policy to what it answers; the lean path does not.
    assert media.header("Referrer-Policy") is None
    assert server.get("/healthz").header("Referrer-Policy") == "same-origin"
    assert "lifespan" not in server.log()  # uvicorn's "lifespan unsupported" notice is gone


def test_purged_renditions_leave_memory_within_the_hot_cache_age(start_server, data_dir) -> None:
    (data_dir / "originals" / "cat.jpg").write_bytes(jpeg())
    ages = {"RESIZER_HOT_CACHE_SECONDS": "1", "RESIZER_ORIGINALS_CACHE_SECONDS": "1"}
    server = start_server({"RESIZER_DATA_DIR": str(data_dir), **ages})
    first = server.get("/media/w_100/cat.jpg")
    assert first.status == 200
    assert server.get("/media/w_100/cat.jpg").body == first.body  # asked twice: kept in memory
    (data_dir / "renditions" / "cat.jpg" / "w_100.jpg").unlink()  # a purge
    (data_dir / "originals" / "cat.jpg").unlink()
    assert server.get("/media/w_100/cat.jpg").body == first.body  # from memory
    time.sleep(1.1)
    assert server.get("/media/w_100/cat.jpg").status == 404


def test_the_django_view_tells_the_same_story() -> None:
    """Sites that mount resizer.urls without the lean app get the same answers."""

    async def scenario() -> tuple:
        client = AsyncClient()
        return await client.get("/media/h_5/w_0010/cat.jpg?x=1"), await client.get("/media/w_10/nope/cat.jpg")

    redirect, missing = asyncio.run(scenario())
    assert redirect.status_code == 301
    assert redirect["Location"] == "/media/w_10/h_5/cat.jpg"
    assert redirect["Cache-Control"] == "public, max-age=31536000"
    assert missing.status_code == 404 and missing.content == b"no such original\n"


def test_the_django_view_without_the_raw_path_takes_the_decoded_path_as_canonical() -> None:
    """Django's test client (and WSGI) give the view the decoded path only: no redirect to itself."""
    originals = Path(settings.STORAGES["originals"]["OPTIONS"]["location"])
    originals.mkdir(parents=True, exist_ok=True)
    (originals / "a b+c.jpg").write_bytes(jpeg())  # ASCII: the test client decodes paths as latin-1

    async def scenario() -> tuple:
        client = AsyncClient()
        return await client.get("/media/w_10/a%20b%2Bc.jpg"), await client.get("/media/h_5/w_10/a%20b+c.jpg")

    image, redirect = asyncio.run(scenario())
    assert image.status_code == 200 and decode(image.content).width == 10
    assert (redirect.status_code, redirect["Location"]) == (301, "/media/w_10/h_5/a%20b%2Bc.jpg")


def test_the_django_view_combines_repeated_header_lines_too() -> None:
    """Django's ASGIRequest joins repeated fields with commas, as resizer.server.asgi does (RFC 9110 §5.3)."""
    originals = Path(settings.STORAGES["originals"]["OPTIONS"]["location"])
    originals.mkdir(parents=True, exist_ok=True)
    (originals / "repeated.jpg").write_bytes(jpeg())
    path = "/media/w_10/f_auto/repeated.jpg"

    def get(*headers: tuple[bytes, bytes]):
        scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b""}
        return views.media(ASGIRequest({**scope, "headers": list(headers)}, io.BytesIO()), path)

    async def scenario() -> tuple:
        both = await get((b"accept", b"image/avif"), (b"accept", b"image/webp"))
        tag = both["ETag"].encode()
        return both, await get((b"accept", b"image/avif"), (b"if-none-match", tag), (b"if-none-match", b'"x"'))

    both, revalidated = asyncio.run(scenario())
    assert both.status_code == 200 and both["Content-Type"] == "image/avif"
    assert revalidated.status_code == 304
