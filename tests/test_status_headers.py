"""Every status the service sends, through real uvicorn, with every header the contract names for it.

One table: a row per status (and per variant that changes a header: v_, f_auto, HEAD). Faults are
made as test_faults.py and test_overload.py make them: credentials without rights (502), a proxy
that holds storage past the deadline (504), a full render queue (503). Each service is started
once for the module, on first use.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pytest

from tests.conftest import Backend
from tests.support.faults import DelayingProxy
from tests.support.images import close, decode, jpeg, noise_jpeg
from tests.support.seaweed import SeaweedFS
from tests.support.server import Response, Server
from tests.test_faults import env_via
from tests.test_http import assert_no_leak
from tests.test_overload import together

YEAR = "public, max-age=31536000"
IMMUTABLE = f"{YEAR}, immutable"
MINUTE = "public, max-age=60"
NO_STORE = "no-store"
TEXT = "text/plain; charset=utf-8"
PREFIX = f"t{uuid.uuid4().hex[:12]}"  # this module's originals
# The headers that only some answers carry: asserted present with their value, or absent.
OCCASIONAL = ("Vary", "Allow", "Retry-After", "Location")
CONTRACT = ("Content-Type", "Content-Length", "Cache-Control", "ETag", "X-Content-Type-Options", *OCCASIONAL)
STRONG_ETAG = re.compile(r'"[^"]+"')


class Services:
    """The services the rows need, each started on first use and stopped with the module."""

    def __init__(self, seaweed: SeaweedFS, main: Server, root: Path) -> None:
        self.seaweed = seaweed
        self.main = main
        self.root = root
        self.started: list[Server] = []
        self.proxy: DelayingProxy | None = None

    def _start(self, name: str, env: dict[str, str]) -> Server:
        server = Server(env, self.root / f"{name}.log").start()
        self.started.append(server)
        return server

    @cached_property
    def signed(self) -> Server:
        (self.root / "signed").mkdir()
        return self._start("signed", {"RESIZER_DATA_DIR": str(self.root / "signed"), "RESIZER_SIGNING_KEY": "k1"})

    @cached_property
    def denied(self) -> Server:
        return self._start("denied", self.seaweed.env("nobody"))

    @cached_property
    def slow(self) -> Server:
        self.proxy = DelayingProxy(self.seaweed.s3_port).start()
        server = self._start("slow", env_via(self.seaweed, self.proxy.port, RESIZER_DEADLINE_SECONDS="0.5"))
        assert server.get("/readyz").status == 200  # S3 clients built before the store slows down
        self.proxy.delay = 1
        return server

    @cached_property
    def cramped(self) -> Server:
        server = self._start(
            "cramped", {**self.seaweed.env(), "RESIZER_RENDER_WORKERS": "1", "RESIZER_QUEUE_LIMIT": "1"}
        )
        assert server.get("/readyz").status == 200
        return server

    def stop(self) -> None:
        for server in self.started:
            server.stop()
        if self.proxy is not None:
            self.proxy.stop()


@pytest.fixture(scope="module")
def services(seaweed: SeaweedFS, s3_backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    seaweed.put("originals", f"{PREFIX}/cat.jpg", jpeg((800, 600)))
    seaweed.put("originals", f"{PREFIX}/text.jpg", b"hello, I am not a picture")
    seaweed.put("originals", f"{PREFIX}/noise.jpg", noise_jpeg((3000, 2000)))
    services = Services(seaweed, s3_backend.server, tmp_path_factory.mktemp("status-headers"))
    yield services
    services.stop()


@dataclass(frozen=True)
class Row:
    status: int
    server: str  # an attribute of Services
    path: str  # after /media/; {k}: this module's prefix
    cache_control: str
    method: str = "GET"
    accept: str | None = None
    content_type: str | None = None  # the image's type (200); errors are always TEXT
    revalidate: bool = False  # GET first, then again with If-None-Match: that GET's ETag
    crowd: int = 0  # send this many distinct renditions at once ({i} in the path); answer: one refused
    occasional: dict[str, str] = field(default_factory=dict)  # of OCCASIONAL: the others must be absent

    def __str__(self) -> str:
        return f"{self.status}-{self.method}-{self.path.replace('{k}/', '')}"


# fmt: off
ROWS = [
    Row(200, "main", "w_100/{k}/cat.jpg", YEAR, content_type="image/jpeg"),
    Row(200, "main", "w_100/{k}/cat.jpg", YEAR, method="HEAD", content_type="image/jpeg"),
    Row(200, "main", "w_100/v_7/{k}/cat.jpg", IMMUTABLE, content_type="image/jpeg"),
    Row(200, "main", "w_100/f_auto/{k}/cat.jpg", YEAR, accept="image/webp,*/*", content_type="image/webp",
        occasional={"Vary": "Accept"}),
    Row(200, "main", "w_100/f_auto/{k}/cat.jpg", YEAR, accept="text/html,*/*", content_type="image/jpeg",
        occasional={"Vary": "Accept"}),
    Row(301, "main", "h_75/w_0100/{k}/cat.jpg", YEAR, occasional={"Location": "/media/w_100/h_75/{k}/cat.jpg"}),
    Row(301, "main", "w_0100/v_7/{k}/cat.jpg", YEAR, occasional={"Location": "/media/w_100/v_7/{k}/cat.jpg"}),
    Row(304, "main", "w_100/{k}/cat.jpg", YEAR, revalidate=True),
    Row(304, "main", "w_100/v_7/{k}/cat.jpg", IMMUTABLE, revalidate=True),
    Row(304, "main", "w_100/f_auto/{k}/cat.jpg", YEAR, accept="image/webp,*/*", revalidate=True,
        occasional={"Vary": "Accept"}),
    Row(400, "main", "w_abc/{k}/cat.jpg", MINUTE),
    Row(403, "signed", "w_100/{k}/cat.jpg", MINUTE),  # no signature
    Row(403, "signed", "s_" + "A" * 43 + "/w_100/{k}/cat.jpg", MINUTE),  # a wrong one
    Row(404, "main", "w_100/{k}/missing.jpg", MINUTE),
    Row(404, "main", "w_100/{k}/missing.jpg", MINUTE, method="HEAD"),
    Row(405, "main", "w_100/{k}/cat.jpg", NO_STORE, method="POST", occasional={"Allow": "GET, HEAD"}),
    Row(422, "main", "w_100/{k}/text.jpg", MINUTE),
    Row(502, "denied", "w_100/{k}/cat.jpg", NO_STORE),
    Row(503, "cramped", "w_{i}/f_png/{k}/noise.jpg", NO_STORE, crowd=4, occasional={"Retry-After": "1"}),
    Row(504, "slow", "w_100/{k}/cat.jpg", NO_STORE),
]
# fmt: on


def send(server: Server, row: Row, path: str) -> tuple[Response, Response | None]:
    """The row's answer, and the GET it is compared with (the 200 before a 304, the GET of a HEAD)."""
    accept = {"Accept": row.accept} if row.accept else {}
    if row.crowd:
        answers = [response for response, _ in together(server, [path.format(i=2900 - i) for i in range(row.crowd)])]
        refused = [response for response in answers if response.status == 503]
        assert refused, [response.status for response in answers]
        return refused[0], None
    if row.revalidate:
        full = server.request("GET", path, accept)
        assert full.status == 200, full.body
        return server.request("GET", path, {**accept, "If-None-Match": full.header("ETag")}), full
    response = server.request(row.method, path, accept)
    return response, server.request("GET", path, accept) if row.method == "HEAD" else None


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_every_status_carries_the_contract_headers(services: Services, row: Row) -> None:
    path = "/media/" + row.path.replace("{k}", PREFIX)
    response, reference = send(getattr(services, row.server), row, path)
    assert response.status == row.status, response.body
    assert response.header("X-Content-Type-Options") == "nosniff"
    assert response.header("Cache-Control") == row.cache_control
    for name in OCCASIONAL:
        expected = row.occasional.get(name)
        assert response.header(name) == (expected and expected.replace("{k}", PREFIX)), name

    body = response.body
    if row.method == "HEAD":  # as GET, without the body
        assert response.body == b""
        assert reference.status == row.status
        assert {name: response.header(name) for name in CONTRACT} == {name: reference.header(name) for name in CONTRACT}
        body = reference.body

    if row.status in (200, 304):
        assert STRONG_ETAG.fullmatch(response.header("ETag")), response.header("ETag")
    if row.status == 200:
        assert response.header("Content-Type") == row.content_type
        assert response.header("Content-Length") == str(len(body))
        image = decode(body)
        assert (image.size, image.mode, f"image/{image.format.lower()}") == ((100, 75), "RGB", row.content_type)
        assert close(image.getpixel((10, 10)), (255, 0, 0))  # the original's red top-left quadrant
    elif row.status == 304:
        assert response.body == b""
        assert reference.status == 200
        assert response.header("ETag") == reference.header("ETag")
    else:  # 301 and every error: one short plain-text line
        assert response.header("Content-Type") == TEXT
        assert response.header("Content-Length") == str(len(body))
        assert 1 < len(body) <= 200 and body.endswith(b"\n") and body.count(b"\n") == 1, body
        assert body[:-1].decode("utf-8").isprintable(), body
        assert_no_leak(body)


@pytest.mark.parametrize(
    ("options", "content_type", "cache_control"),
    [
        ("w_100", "image/jpeg", YEAR),
        ("w_100/v_7", "image/jpeg", IMMUTABLE),
        ("w_100/f_webp", "image/webp", YEAR),
        ("w_100/f_webp/v_7", "image/webp", IMMUTABLE),
    ],
)
def test_a_stored_rendition_carries_the_content_type_and_cache_control_it_was_served_with(
    seaweed: SeaweedFS, s3_backend: Backend, key_prefix: str, options: str, content_type: str, cache_control: str
) -> None:
    key = f"{key_prefix}/cat.jpg"
    seaweed.put("originals", key, jpeg((800, 600)))
    response = s3_backend.server.get(f"/media/{options}/{key}")
    assert response.status == 200, response.body
    assert (response.header("Content-Type"), response.header("Cache-Control")) == (content_type, cache_control)
    (name,) = seaweed.keys("renditions", key_prefix)
    stored = seaweed.client().head_object(Bucket="renditions", Key=name)
    assert (stored["ContentType"], stored["CacheControl"]) == (content_type, cache_control)
    assert stored["ContentLength"] == len(response.body)
