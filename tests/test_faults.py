"""Storage that fails for real: denied, unreachable, 5xx, slow. Clear answers inside the deadline, nothing stored.

Faults are made, not mocked: credentials without rights, a stopped SeaweedFS, a closed port,
a server that answers 500, a proxy that holds requests (tests/support/faults.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.faults import DelayingProxy, FailingS3
from tests.support.images import decode, jpeg, noise_jpeg
from tests.support.ports import free_port
from tests.support.prom import scrape
from tests.support.seaweed import SeaweedFS
from tests.test_http import assert_no_leak

DEADLINE = 20.0  # the default: every fault below is answered well inside it


def timed_get(server, path: str):
    started = time.perf_counter()
    response = server.get(path)
    return response, time.perf_counter() - started


def assert_failure(response, status: int, elapsed: float, deadline: float = DEADLINE) -> None:
    assert response.status == status, response.body
    assert response.header("Cache-Control") == "no-store"
    assert response.header("Content-Type") == "text/plain; charset=utf-8"
    assert_no_leak(response.body)
    assert elapsed < deadline


@pytest.fixture
def proxy(seaweed: SeaweedFS) -> Iterator[DelayingProxy]:
    proxy = DelayingProxy(seaweed.s3_port).start()
    yield proxy
    proxy.stop()


def env_via(seaweed: SeaweedFS, port: int, **extra: str) -> dict[str, str]:
    return {**seaweed.env(), "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}", **extra}


def test_missing_original_is_404(seaweed, s3_backend, key_prefix: str) -> None:
    response, elapsed = timed_get(s3_backend.server, f"/media/w_10/{key_prefix}/none.jpg")
    assert response.status == 404 and response.header("Cache-Control") == "public, max-age=60"
    assert elapsed < 2
    assert seaweed.keys("renditions", key_prefix) == []


def test_credentials_without_rights_are_502_and_not_ready(seaweed, start_server, key_prefix: str) -> None:
    seaweed.put("originals", f"{key_prefix}/cat.jpg", jpeg())
    server = start_server(seaweed.env("nobody"))
    response, elapsed = timed_get(server, f"/media/w_10/{key_prefix}/cat.jpg")
    assert_failure(response, 502, elapsed, 2)
    assert response.body == b"storage denied read\n"
    assert server.get("/readyz").status == 503
    assert seaweed.keys("renditions", key_prefix) == []


def test_a_rendition_that_cannot_be_stored_is_still_served(seaweed, start_server, key_prefix: str) -> None:
    seaweed.put("originals", f"{key_prefix}/cat.jpg", jpeg())
    # Reads work, writes are denied; the hot cache is off so that the second request goes to storage.
    server = start_server({**seaweed.env("reader"), "RESIZER_HOT_CACHE_BYTES": "0"})
    for _ in range(2):
        response = server.get(f"/media/w_100/{key_prefix}/cat.jpg")
        assert response.status == 200
        assert decode(response.body).size == (100, 75)
    assert seaweed.keys("renditions", key_prefix) == []  # no partial object either
    samples = scrape(server)
    assert samples["resizer_render_seconds_count"] == 2  # nothing stored, so rendered again
    assert samples['resizer_storage_seconds_count{op="write",store="renditions"}'] == 2
    assert "rendition" in server.log() and "not stored" in server.log()


def test_a_closed_port_is_502_inside_the_deadline(seaweed, start_server, key_prefix: str) -> None:
    server = start_server(env_via(seaweed, free_port()))
    response, elapsed = timed_get(server, f"/media/w_10/{key_prefix}/cat.jpg")
    assert_failure(response, 502, elapsed)
    assert response.body == b"storage unreachable during read\n"
    assert server.get("/readyz").status == 503


def test_5xx_after_retries_is_502(seaweed, start_server, key_prefix: str) -> None:
    failing = FailingS3().start()
    try:
        server = start_server(env_via(seaweed, failing.port))
        before = failing.requests  # the start-up readiness check's own tries
        response, elapsed = timed_get(server, f"/media/w_10/{key_prefix}/cat.jpg")
        assert_failure(response, 502, elapsed)
        # The first try and botocore's 3 retries (`max_attempts` counts retries).
        assert failing.requests - before == 4
    finally:
        failing.stop()


def test_a_stopped_store_is_502_and_the_service_recovers_when_it_returns(start_server, tmp_path: Path) -> None:
    (tmp_path / "weed").mkdir()
    own = SeaweedFS(tmp_path / "weed", free_port())  # not the session's: this one gets stopped
    own.start()
    try:
        own.put("originals", "cat.jpg", jpeg())
        server = start_server(own.env())
        assert server.get("/media/w_10/cat.jpg").status == 200
        own.stop()
        response, elapsed = timed_get(server, "/media/w_20/cat.jpg")
        assert_failure(response, 502, elapsed)
        assert server.get("/readyz").status == 503
        assert server.get("/healthz").status == 200  # alive: nothing to restart
        own.start()
        assert server.get("/readyz").status == 200
        assert server.get("/media/w_20/cat.jpg").status == 200
    finally:
        own.stop()


def test_slow_storage_is_504_at_the_deadline_and_stores_nothing(seaweed, proxy, start_server, key_prefix) -> None:
    seaweed.put("originals", f"{key_prefix}/cat.jpg", jpeg())
    server = start_server(env_via(seaweed, proxy.port, RESIZER_DEADLINE_SECONDS="0.5"))
    assert server.get("/readyz").status == 200  # S3 clients built before the store slows down
    proxy.delay = 1
    response, elapsed = timed_get(server, f"/media/w_10/{key_prefix}/cat.jpg")
    assert_failure(response, 504, elapsed, 1)
    assert elapsed >= 0.5
    assert response.body == b"deadline exceeded\n"
    proxy.delay = 0
    time.sleep(1)  # the held read lands now; its flight was abandoned, so nothing follows it
    assert seaweed.keys("renditions", key_prefix) == []
    assert server.get(f"/media/w_10/{key_prefix}/cat.jpg").status == 200  # and the store is fine again


def test_a_render_past_the_deadline_is_504_and_its_result_is_not_stored(seaweed, start_server, key_prefix) -> None:
    # A render several times the deadline (≈ 2.5 s here), so that a faster machine still ends it
    # well after the 504: a render finishing right at the deadline may race its answer and be stored.
    seaweed.put("originals", f"{key_prefix}/noise.jpg", noise_jpeg((4000, 3000)))
    server = start_server({**seaweed.env(), "RESIZER_DEADLINE_SECONDS": "0.5"})  # the download fits in it
    assert server.get("/readyz").status == 200  # S3 clients built: the deadline is spent on the work
    response, elapsed = timed_get(server, f"/media/f_png/{key_prefix}/noise.jpg")
    assert_failure(response, 504, elapsed, 1)
    deadline = time.monotonic() + 10
    while scrape(server)["resizer_render_seconds_count"] < 1 and time.monotonic() < deadline:
        time.sleep(0.1)  # the render thread runs to its end: Pillow cannot be interrupted
    time.sleep(0.2)
    samples = scrape(server)
    assert samples["resizer_render_seconds_count"] == 1
    assert samples.get('resizer_storage_seconds_count{op="write",store="renditions"}', 0) == 0
    assert samples["resizer_renders_admitted"] == 0  # its slot came back when the thread finished
    assert seaweed.keys("renditions", key_prefix) == []
