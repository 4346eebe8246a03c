"""Overload: identical misses render once, a full queue answers 503 at once, memory follows configuration."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests.support.images import decode, jpeg, noise_jpeg
from tests.support.prom import scrape
from tests.support.server import Response, Server


def together(server: Server, paths: list[str]) -> list[tuple[Response, float]]:
    """GET every path at once (one thread each, released together); each answer with its time."""
    barrier = threading.Barrier(len(paths))

    def get(path: str) -> tuple[Response, float]:
        barrier.wait()
        started = time.perf_counter()
        response = server.get(path)
        return response, time.perf_counter() - started

    with ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(get, paths))


def test_fifty_identical_cold_requests_fetch_render_and_store_once(seaweed, start_server, key_prefix) -> None:
    key = f"{key_prefix}/big.jpg"
    seaweed.put("originals", key, jpeg((3000, 2000)))
    server = start_server(seaweed.env())
    answers = together(server, [f"/media/w_1200/{key}"] * 50)
    assert Counter(response.status for response, _ in answers) == {200: 50}
    assert len({response.body for response, _ in answers}) == 1
    assert decode(answers[0][0].body).size == (1200, 800)
    samples = scrape(server)
    assert samples['resizer_storage_seconds_count{op="read",store="originals"}'] == 1
    assert samples["resizer_render_seconds_count"] == 1
    assert samples['resizer_storage_seconds_count{op="write",store="renditions"}'] == 1
    assert seaweed.keys("renditions", key_prefix) == [f"{key}/w_1200.jpg"]
    # Everyone either started or joined the one flight (a miss) or, arriving after it had landed,
    # found the stored rendition (a hit).
    misses = samples['resizer_renditions_total{result="miss"}']
    assert misses == samples["resizer_single_flight_joins_total"] + 1
    assert misses + samples.get('resizer_renditions_total{result="hit"}', 0) == 50
    assert samples['resizer_requests_total{status="200"}'] == 50


def test_beyond_workers_and_queue_requests_get_a_fast_503(seaweed, start_server, key_prefix) -> None:
    key = f"{key_prefix}/noise.jpg"
    seaweed.put("originals", key, noise_jpeg((3000, 2000)))
    server = start_server({**seaweed.env(), "RESIZER_RENDER_WORKERS": "1", "RESIZER_QUEUE_LIMIT": "1"})
    assert server.get("/readyz").status == 200  # the S3 clients exist: time below is queueing only
    # Eight different renditions (most of a second each here), all released at once.
    paths = [f"/media/w_{2900 - i}/f_png/{key}" for i in range(8)]
    answers = together(server, paths)
    statuses = Counter(response.status for response, _ in answers)
    assert statuses == {200: 2, 503: 6}, statuses  # one rendering, one waiting, the rest refused
    refused = [(response, elapsed) for response, elapsed in answers if response.status == 503]
    slowest_refusal = max(elapsed for _, elapsed in refused)
    fastest_render = min(elapsed for response, elapsed in answers if response.status == 200)
    # At once: a refusal that had waited for a slot would have taken at least one render.
    assert slowest_refusal < fastest_render / 4, (slowest_refusal, fastest_render)
    for response, _ in refused:
        assert response.header("Retry-After") == "1"
        assert response.header("Cache-Control") == "no-store"
        assert response.body == b"overloaded, retry shortly\n"
    assert len(seaweed.keys("renditions", key_prefix)) == 2  # nothing stored for a 503
    samples = scrape(server)
    assert samples['resizer_storage_seconds_count{op="read",store="originals"}'] == 1  # refused before download
    assert samples["resizer_renders_admitted"] == 0 and samples["resizer_render_queue_depth"] == 0
