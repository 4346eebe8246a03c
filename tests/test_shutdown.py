"""SIGTERM: requests in flight finish, new connections are refused, within uvicorn's grace period."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import pytest

from tests.support.faults import DelayingProxy
from tests.support.images import decode, jpeg
from tests.support.server import Response


def in_background(fn, *args) -> tuple[threading.Thread, list]:
    result: list = []
    thread = threading.Thread(target=lambda: result.append(_call(fn, *args)))
    thread.start()
    return thread, result


def _call(fn, *args):
    try:
        return fn(*args)
    except Exception as exc:  # the test looks at it
        return exc


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.fixture
def slow_server(seaweed, start_server, key_prefix):
    """A service whose storage answers each call after 0.5 s, with the grace period given in the environment."""

    def start(grace: int):
        proxy = DelayingProxy(seaweed.s3_port).start()
        seaweed.put("originals", f"{key_prefix}/cat.jpg", jpeg())
        env = {**seaweed.env(), "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{proxy.port}"}
        server = start_server({**env, "UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN": str(grace)})
        assert server.get("/readyz").status == 200
        proxy.delay = 0.5
        started.append(proxy)
        return server

    started: list[DelayingProxy] = []
    yield start
    for proxy in started:
        proxy.stop()


def test_in_flight_requests_finish_and_new_connections_are_refused(slow_server, key_prefix) -> None:
    server = slow_server(grace=10)
    thread, result = in_background(server.get, f"/media/w_40/{key_prefix}/cat.jpg")
    time.sleep(0.3)  # the request is now waiting on storage (three calls: ≈ 1.5 s)
    os.kill(server.process.pid, signal.SIGTERM)
    time.sleep(0.3)
    assert refused(server.port)
    thread.join(15)
    (response,) = result
    assert isinstance(response, Response), response
    assert response.status == 200 and decode(response.body).size == (40, 30)
    # uvicorn re-raises the signal once it has shut down gracefully, so it ends as killed by it.
    assert server.process.wait(10) == -signal.SIGTERM
    assert "Finished server process" in server.log()


def test_the_grace_period_bounds_the_wait(slow_server, key_prefix) -> None:
    server = slow_server(grace=1)
    thread, result = in_background(server.get, f"/media/w_40/{key_prefix}/cat.jpg")  # needs ≈ 1.5 s
    time.sleep(0.1)
    started = time.monotonic()
    os.kill(server.process.pid, signal.SIGTERM)
    thread.join(10)
    assert time.monotonic() - started < 1.4  # the grace second, not the 1.4 s the request still needed
    assert not isinstance(result[0], Response) or result[0].status != 200
    assert "Cancel 1 running task(s), timeout graceful shutdown exceeded" in server.log()
