"""When a bucket is wrong, the operator reads which one and why: /readyz is 503 and the log names
the bucket and S3's error code (never the public body)."""

from __future__ import annotations

import time


def wait_for(server, text: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in server.log():
            return server.log()
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in the log:\n{server.log()[-3000:]}")


def test_a_misspelt_bucket_is_named_with_s3s_error_code_at_start_and_on_readyz(seaweed, start_server) -> None:
    server = start_server({**seaweed.env(), "RESIZER_ORIGINALS_BUCKET": "orignals"})
    # At start-up, before any request: the worker says what is wrong and goes on starting.
    wait_for(server, "bucket 'orignals': NoSuchBucket during ping")
    answer = server.get("/readyz")
    assert answer.status == 503
    assert b"orignals" not in answer.body and b"NoSuchBucket" not in answer.body
    assert server.log().count("bucket 'orignals': NoSuchBucket during ping") >= 2


def test_credentials_without_rights_are_named_as_such(seaweed, start_server) -> None:
    server = start_server(seaweed.env("nobody"))
    wait_for(server, "AccessDenied during ping")
    assert server.get("/readyz").status == 503
    assert "bucket 'originals'" in server.log()
