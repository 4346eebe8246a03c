"""Expiring links through real uvicorn: before their time no cache may keep them past it, from
their time on they are 403 with nothing read or written, and they share one stored rendition."""

from __future__ import annotations

import re
import time

from tests.conftest import Backend
from tests.support.images import decode, jpeg


def max_age(response) -> int:
    control = response.header("Cache-Control")
    assert control is not None and re.fullmatch(r"public, max-age=\d+", control), control
    return int(control.rpartition("=")[2])


def test_a_link_in_the_past_is_403_before_any_storage_call(backend: Backend, key_prefix: str) -> None:
    for key in (f"{key_prefix}/cat.jpg", f"{key_prefix}/no-such.jpg"):  # missing or not: 403, not 404
        if key.endswith("cat.jpg"):
            backend.put_original(key, jpeg((400, 300)))
        response = backend.server.get(f"/media/w_100/exp_1000000000/{key}")
        assert (response.status, response.body) == (403, b"link expired\n")
        assert response.header("Cache-Control") == "public, max-age=60"
        assert response.header("X-Content-Type-Options") == "nosniff"
    assert backend.rendition_keys(key_prefix) == []


def test_before_its_time_a_link_is_cached_no_longer_than_it_lives(backend: Backend, key_prefix: str) -> None:
    key = f"{key_prefix}/cat.jpg"
    backend.put_original(key, jpeg((400, 300)))
    until = int(time.time()) + 1000
    response = backend.server.get(f"/media/w_100/v_7/exp_{until}/{key}")
    assert response.status == 200
    assert decode(response.body).size == (100, 75)
    assert 990 <= max_age(response) <= 1000  # never immutable, even with v_
    redirect = backend.server.get(f"/media/v_7/w_100/exp_{until}/{key}")
    assert redirect.status == 301 and redirect.header("Location") == f"/media/w_100/v_7/exp_{until}/{key}"
    assert 990 <= max_age(redirect) <= 1000
    # One stored rendition, shared with the link that does not expire.
    assert backend.rendition_keys(key_prefix) == [f"{key}/w_100,v_7.jpg"]
    plain = backend.server.get(f"/media/w_100/v_7/{key}")
    assert plain.body == response.body
    assert plain.header("Cache-Control") == "public, max-age=31536000, immutable"


def test_a_link_that_expires_during_the_test_is_refused_though_its_bytes_are_hot(
    backend: Backend, key_prefix: str
) -> None:
    key = f"{key_prefix}/soon.jpg"
    backend.put_original(key, jpeg((400, 300)))
    until = int(time.time()) + 3
    path = f"/media/w_60/exp_{until}/{key}"
    first, second = backend.server.get(path), backend.server.get(path)  # the second from the hot cache
    assert (first.status, second.status) == (200, 200)
    assert max_age(second) <= 3
    time.sleep(max(0.0, until - time.time()) + 0.2)
    late = backend.server.get(path)
    assert (late.status, late.body) == (403, b"link expired\n")
    assert backend.server.get(f"/media/w_60/{key}").status == 200  # the rendition itself lives on
