"""Shared fixtures: a real SeaweedFS, the service under real uvicorn (S3 and filesystem).

In-process tests (spec, pipeline, conf, tags) run against Django set up here with the
filesystem default in a temporary directory; HTTP behaviour goes through real uvicorn.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

for _name in [n for n in os.environ if n.startswith(("RESIZER_", "AWS_"))]:
    del os.environ[_name]
os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
os.environ["RESIZER_DATA_DIR"] = tempfile.mkdtemp(prefix="resizer-test-")

import django  # noqa: E402
import pytest  # noqa: E402

django.setup()

from settings.bootstrap import bootstrap  # noqa: E402

bootstrap(server=False)  # Pillow's limits, as manage.py and the ASGI entry point set them

from tests.support.ports import free_port  # noqa: E402
from tests.support.seaweed import SeaweedFS  # noqa: E402
from tests.support.server import Server  # noqa: E402


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"), free_port())
    server.start()
    yield server
    server.stop()


@dataclass
class Backend:
    """One running service and the storage behind it, seen from the test's side."""

    name: str
    server: Server
    put_original: Callable[[str, bytes], None]
    delete_original: Callable[[str], None]
    rendition_keys: Callable[[str], list[str]]  # every rendition object under a key prefix
    read_rendition: Callable[[str], bytes]


def _filesystem_backend(root: Path, server: Server) -> Backend:
    originals, renditions = root / "originals", root / "renditions"

    def put(key: str, data: bytes) -> None:
        path = originals / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def keys(prefix: str) -> list[str]:
        base = renditions / prefix
        found = base.rglob("*") if base.is_dir() else []
        return sorted(str(p.relative_to(renditions)) for p in found if p.is_file())

    return Backend(
        "fs",
        server,
        put,
        lambda key: (originals / key).unlink(),
        keys,
        lambda key: (renditions / key).read_bytes(),
    )


def _s3_backend(seaweed: SeaweedFS, server: Server) -> Backend:
    return Backend(
        "s3",
        server,
        lambda key, data: seaweed.put("originals", key, data),
        lambda key: seaweed.delete("originals", key),
        lambda prefix: seaweed.keys("renditions", prefix),
        lambda key: seaweed.get("renditions", key)["Data"],
    )


@pytest.fixture(scope="session")
def fs_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    root = tmp_path_factory.mktemp("fs-data")
    server = Server({"RESIZER_DATA_DIR": str(root)}, root / "uvicorn.log").start()
    yield _filesystem_backend(root, server)
    server.stop()


@pytest.fixture(scope="session")
def s3_backend(seaweed: SeaweedFS, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    log = tmp_path_factory.mktemp("s3-service") / "uvicorn.log"
    server = Server(seaweed.env(), log).start()
    yield _s3_backend(seaweed, server)
    server.stop()


@pytest.fixture(params=["fs", "s3"])
def backend(request: pytest.FixtureRequest) -> Backend:
    """Runs the test once against each storage: the filesystem default and S3 (SeaweedFS)."""
    return request.getfixturevalue(f"{request.param}_backend")


@pytest.fixture
def key_prefix() -> str:
    """A fresh key prefix, so tests share the buckets without seeing each other's objects."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start a service with its own settings; stopped at the end of the test."""
    started: list[Server] = []

    def start(env: dict[str, str], workers: int = 1) -> Server:
        server = Server(env, tmp_path / f"uvicorn-{len(started)}.log", workers=workers)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh filesystem storage root (originals/ and renditions/)."""
    root = tmp_path / "data"
    (root / "originals").mkdir(parents=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _with_jpeg_encoder(encoder: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """encoders.py imported afresh, with pyjpegli importable and chosen (RESIZER_JPEG_ENCODER) or
    (libjpeg) failing to import, as when the `jpegli` extra is absent; imported again afterwards
    as the suite found it (libjpeg)."""
    from resizer.imaging import encoders

    if encoder == "libjpeg":
        monkeypatch.setitem(sys.modules, "pyjpegli", None)  # `import pyjpegli` raises ImportError
    importlib.reload(encoders)
    assert encoders.JPEG_ENCODER == "libjpeg"  # the default, installed or not
    if encoder == "jpegli":
        encoders.use_jpeg_encoder("jpegli")  # RESIZER_JPEG_ENCODER=jpegli
    yield encoder
    monkeypatch.undo()
    importlib.reload(encoders)


@pytest.fixture(params=["jpegli", "libjpeg"])
def jpeg_encoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each JPEG encoder in turn: jpegli (the `jpegli` extra, installed for the tests) and libjpeg."""
    yield from _with_jpeg_encoder(request.param, monkeypatch)


@pytest.fixture
def libjpeg(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """JPEG through Pillow's libjpeg-turbo, as without the `jpegli` extra."""
    yield from _with_jpeg_encoder("libjpeg", monkeypatch)
