"""Many replicas, one bucket, a CDN in front: the production shape (docs/deployment.md), on loopback.

Three uvicorn processes share one SeaweedFS; nginx stands in for the CDN (tests/support/nginx.py):
a proxy cache keyed as docs/cdn.md keys CloudFront, round-robin over the replicas, retrying a
request that a dead replica dropped. Each test prints its figures (run with -s to see them).
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.support.images import decode, jpeg, png
from tests.support.nginx import Nginx
from tests.support.seaweed import SeaweedFS
from tests.support.server import Response, Server

REPLICAS = 3
LOST_RACE = "was stored first by another writer"


@dataclass
class Cluster:
    seaweed: SeaweedFS
    replicas: list[Server]
    cdn: Nginx

    def replica_of(self, response: Response) -> list[int]:
        """Which replicas nginx tried for a response, in order (more than one: it retried)."""
        ports = [int(addr.rsplit(":", 1)[1]) for addr in response.header("X-Upstream").split(", ")]
        return [[server.port for server in self.replicas].index(port) for port in ports]

    def lost_races(self) -> int:
        return sum(server.log().count(LOST_RACE) for server in self.replicas)


def start_all(servers: list[Server]) -> None:
    with ThreadPoolExecutor(len(servers)) as pool:
        list(pool.map(Server.start, servers))


@pytest.fixture(scope="module")
def cluster(seaweed: SeaweedFS, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("replicas")
    replicas = [Server(seaweed.env(), root / f"replica-{index}.log") for index in range(REPLICAS)]
    cdn = Nginx(root / "nginx", [server.port for server in replicas])
    try:
        start_all(replicas)
        cdn.start()
        yield Cluster(seaweed, replicas, cdn)
    finally:
        cdn.stop()
        for server in replicas:
            server.stop()


def concurrently(count: int, call: Callable[[int], Response]) -> list[Response]:
    """`count` calls released together at a barrier, answers in call order."""
    barrier = threading.Barrier(count)

    def run(index: int) -> Response:
        barrier.wait()
        return call(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_the_cdn_keys_on_the_path_and_on_accept_only_for_f_auto(cluster: Cluster, key_prefix: str) -> None:
    key = f"{key_prefix}/cat.jpg"
    cluster.seaweed.put("originals", key, jpeg((800, 600)))
    cdn = cluster.cdn
    first = cdn.get(f"/media/w_300/{key}")
    second = cdn.get(f"/media/w_300/{key}")
    assert (first.status, first.header("X-Cache-Status")) == (200, "MISS")
    assert (second.status, second.header("X-Cache-Status")) == (200, "HIT")
    assert second.body == first.body and decode(second.body).size == (300, 225)
    # Query strings, cookies and Accept are not in the key of an f_auto-less URL.
    for variant in (cdn.get(f"/media/w_300/{key}?cb=1"), cdn.get(f"/media/w_300/{key}", Cookie="a=b", Accept="x/y")):
        assert (variant.header("X-Cache-Status"), variant.body) == ("HIT", first.body)

    avif = cdn.get(f"/media/w_300/f_auto/{key}", Accept="image/avif,image/webp,*/*")
    webp = cdn.get(f"/media/w_300/f_auto/{key}", Accept="image/webp,*/*")
    again = cdn.get(f"/media/w_300/f_auto/{key}", Accept="image/avif,image/webp,*/*")
    assert [r.header("X-Cache-Status") for r in (avif, webp, again)] == ["MISS", "MISS", "HIT"]
    assert [r.header("Content-Type") for r in (avif, webp, again)] == ["image/avif", "image/webp", "image/avif"]
    assert avif.header("Vary") == "Accept"


def test_the_cdn_keeps_a_4xx_for_the_minute_the_origin_allows(cluster: Cluster, key_prefix: str) -> None:
    missing = [cluster.cdn.get(f"/media/w_300/{key_prefix}/nothing.jpg") for _ in range(2)]
    assert [(r.status, r.header("X-Cache-Status")) for r in missing] == [(404, "MISS"), (404, "HIT")]
    assert missing[0].header("Cache-Control") == "public, max-age=60"


def test_concurrent_first_requests_over_all_replicas_store_one_rendition(cluster: Cluster, key_prefix: str) -> None:
    key = f"{key_prefix}/race.png"
    cluster.seaweed.put("originals", key, png((1600, 1200)))
    lost_before, started = cluster.lost_races(), time.monotonic()
    answers = concurrently(12, lambda _: cluster.cdn.get(f"/media/w_640/{key}"))
    elapsed = time.monotonic() - started
    spread = Counter(cluster.replica_of(answer)[-1] for answer in answers)
    lost = cluster.lost_races() - lost_before
    print(f"\nrace: 12 concurrent first requests, statuses {Counter(a.status for a in answers)}, "
          f"per replica {dict(sorted(spread.items()))}, lost conditional puts {lost}, {elapsed:.2f} s")  # fmt: skip

    assert [answer.status for answer in answers] == [200] * 12
    assert sorted(spread) == list(range(REPLICAS))  # nginx spread them over every replica
    assert len({answer.body for answer in answers}) == 1
    assert decode(answers[0].body).size == (640, 480)
    stored = cluster.seaweed.keys("renditions", key_prefix)
    assert stored == [f"{key}/w_640.png"]
    assert cluster.seaweed.get("renditions", stored[0])["Data"] == answers[0].body
    # The replicas raced: at least one lost its conditional put (412), and served all the same.
    assert lost >= 1


def test_a_rendition_rendered_by_one_replica_is_served_by_every_replica(cluster: Cluster, key_prefix: str) -> None:
    key = f"{key_prefix}/shared.jpg"
    cluster.seaweed.put("originals", key, jpeg((800, 600)))
    rendered = cluster.replicas[0].get(f"/media/w_200/h_200/c_fill/{key}")
    assert rendered.status == 200
    cluster.seaweed.delete("originals", key)  # now only the stored rendition can answer
    for server in cluster.replicas:
        answer = server.get(f"/media/w_200/h_200/c_fill/{key}")
        assert (answer.status, answer.body) == (200, rendered.body)
    # …as the others show: nothing else of it is left for them. (Replica 0 keeps the original it
    # fetched for RESIZER_ORIGINALS_CACHE_SECONDS, as its own workers may need it again.)
    for server in cluster.replicas[1:]:
        assert server.get(f"/media/w_201/{key}").status == 404


def test_a_replica_killed_under_load_loses_no_request(cluster: Cluster, key_prefix: str) -> None:
    key = f"{key_prefix}/load.jpg"
    cluster.seaweed.put("originals", key, jpeg((1200, 900)))
    victim, total, threads = 1, 150, 6
    paths = [f"/media/w_{width}/{key}" for width in range(100, 100 + total)]  # every one a CDN miss
    done = threading.Semaphore(0)
    killed_at: list[float] = []
    results: list[Sent] = []

    def kill_when_a_third_is_done() -> None:
        deadline = time.monotonic() + 60  # bounded even if the load stopped early
        for _ in range(total // 3):
            done.acquire(timeout=max(0.0, deadline - time.monotonic()))
        cluster.replicas[victim].stop(signal.SIGKILL)
        killed_at.append(time.monotonic())  # the process is gone: nothing sent after this reaches it

    def fetch(path: str) -> None:
        sent = time.monotonic()
        results.append(Sent(sent, cluster.cdn.get(path)))
        done.release()

    killer = threading.Thread(target=kill_when_a_third_is_done)
    started = time.monotonic()
    killer.start()
    try:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(fetch, paths))
        killer.join()
        check_load(cluster, results, victim, killed_at[0], time.monotonic() - started)
    finally:
        killer.join()
        cluster.replicas[victim].start()  # the next tests find three replicas again


@dataclass
class Sent:
    at: float
    response: Response


def check_load(cluster: Cluster, results: list[Sent], victim: int, killed_at: float, elapsed: float) -> None:
    tried = [cluster.replica_of(result.response) for result in results]
    served_by = Counter(replicas[-1] for replicas in tried)
    retried = [replicas for replicas in tried if len(replicas) > 1]
    after = [replicas[-1] for result, replicas in zip(results, tried, strict=True) if result.at > killed_at]
    statuses = Counter(result.response.status for result in results)
    print(f"\nkill: {len(results)} requests in {elapsed:.2f} s ({len(results) / elapsed:.0f}/s), "
          f"statuses {dict(statuses)}, served per replica {dict(sorted(served_by.items()))}, replica {victim} "
          f"SIGKILLed after {len(results) - len(after)} sent, {len(retried)} retried on another replica")  # fmt: skip

    assert statuses == Counter({200: len(results)})  # no request lost
    assert all(result.response.header("X-Cache-Status") == "MISS" for result in results)  # each reached a replica
    assert served_by[victim] > 0  # it took its share before the kill
    assert retried, "nginx never had to retry: the kill did not happen under load"
    assert all(replicas[0] == victim for replicas in retried)
    assert after and victim not in after  # the others served everything sent after the kill
