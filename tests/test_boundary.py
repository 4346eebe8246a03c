"""One boundary for the unexpected: a bug of ours is a 500 with the contract's headers, logged
with its traceback and recorded like any answer; never uvicorn's bare 500, never a 422."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage

from resizer.conf import config
from resizer.imaging import encoders
from resizer.server.service import Service
from resizer.stores.objects import FileObjects
from tests.support.images import jpeg


@pytest.fixture
def service(tmp_path: Path) -> Service:
    (tmp_path / "originals").mkdir()
    (tmp_path / "originals" / "cat.jpg").write_bytes(jpeg((200, 150)))
    originals = FileObjects(FileSystemStorage(location=str(tmp_path / "originals")))
    renditions = FileObjects(FileSystemStorage(location=str(tmp_path / "renditions")))
    return Service(config(), originals, renditions)


def test_a_bug_while_rendering_is_a_500_with_the_contract_headers(service, monkeypatch, caplog, tmp_path) -> None:
    def broken(image: object, fmt: str, quality: int | None) -> bytes:
        raise KeyError(fmt)

    monkeypatch.setattr(encoders, "encode", broken)
    with caplog.at_level(logging.INFO):
        get = asyncio.run(service.respond("GET", "w_10/cat.jpg"))
        head = asyncio.run(service.respond("HEAD", "w_10/cat.jpg"))
    assert get.status == 500 and head.status == 500
    assert get.body == b"internal error\n" and head.body == b""
    for reply in (get, head):
        assert reply.headers["Cache-Control"] == "no-store"
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert reply.headers["Content-Length"] == str(len(get.body))
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and errors[0].exc_info and errors[0].exc_info[0] is KeyError  # the traceback, logged
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "resizer.access"]
    assert [line["status"] for line in lines] == [500, 500]  # recorded like any answer
    assert not list((tmp_path / "renditions").rglob("*.*"))  # nothing stored


def test_a_head_answered_301_has_no_body(service) -> None:
    get = asyncio.run(service.respond("GET", "h_5/w_10/cat.jpg"))
    head = asyncio.run(service.respond("HEAD", "h_5/w_10/cat.jpg"))
    assert get.status == head.status == 301
    assert head.headers["Location"] == get.headers["Location"] == "/media/w_10/h_5/cat.jpg"
    assert head.body == b"" and get.body == b"moved to /media/w_10/h_5/cat.jpg\n"
    assert head.headers["Content-Length"] == str(len(get.body))
