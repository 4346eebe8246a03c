"""docs/deployment.md, "A local S3", run as written: SeaweedFS, buckets, an upload, the service, a
rendition, and a Django site's storage on the same bucket.

The recipe's code blocks are marked `<!-- local-s3: KIND -->`: `run` blocks go to bash as they are,
`background` is the long-running `weed mini`, `service` gives the service's environment and
command, `site` is a host site's settings. The ports the recipe writes (weed's defaults, the
service's 8000) are replaced by free loopback ports, so the test runs beside anything else.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from django.core.files.base import ContentFile
from storages.backends.s3 import S3Storage

from tests.support.images import decode, jpeg
from tests.support.ports import free_pair, free_port
from tests.support.server import Server

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "deployment.md"
BLOCK = re.compile(r"<!-- local-s3: (\w+) -->\n```\w*\n(.*?)\n```", re.S)
PORT_FLAG = re.compile(r"-([a-z.]*port[a-z.]*)=(\d+)")
ADMIN_GRPC_OFFSET = 10000  # weed derives the admin server's gRPC port from its HTTP port
ORIGINAL_SIZE = (800, 600)


@dataclass
class Recipe:
    text: str  # the section's prose and code, ports replaced
    blocks: list[tuple[str, str]]  # (kind, code), in the order of the guide
    ports: dict[int, int]  # as written → as run


def section() -> str:
    guide = GUIDE.read_text()
    start = guide.index("\n## A local S3\n")
    end = guide.find("\n## ", start + 1)
    return guide[start : end if end != -1 else None]


def recipe() -> Recipe:
    text = section()
    blocks = BLOCK.findall(text)
    kinds = [kind for kind, _ in blocks]
    assert kinds.count("background") == 1 and kinds.count("service") == 1 and kinds.count("site") == 1, kinds
    weed = next(code for kind, code in blocks if kind == "background")
    service = next(code for kind, code in blocks if kind == "service")
    written = {flag: int(port) for flag, port in PORT_FLAG.findall(weed)}
    ports: dict[int, int] = {}
    for flag, port in written.items():
        while True:
            new = free_pair(ADMIN_GRPC_OFFSET) if flag == "admin.port" else free_port()
            if new not in ports.values() and new + ADMIN_GRPC_OFFSET not in ports.values():
                ports[port] = new
                break
    ports[int(re.search(r"--port (\d+)", service)[1])] = free_port()
    for old, new in ports.items():
        text = re.sub(rf"(?<![0-9]){old}(?![0-9])", str(new), text)
    return Recipe(text, BLOCK.findall(text), ports)


def shell_environment() -> dict[str, str]:
    """The reader's shell: the virtualenv first on PATH (weed, python, boto3), none of our settings."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("RESIZER_", "AWS_", "DJANGO_"))}
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}"
    return environ


def run(code: str, cwd: Path, log: Path | None = None) -> None:
    try:
        subprocess.run(
            ["bash", "-euo", "pipefail", "-c", code],
            cwd=cwd,
            env=shell_environment(),
            check=True,
            capture_output=True,
            timeout=30,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        weed = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        output = (exc.stdout or b"").decode(errors="replace") + (exc.stderr or b"").decode(errors="replace")
        pytest.fail(f"recipe step failed:\n{code}\n--- output ---\n{output}\n--- weed ---\n{weed}")


def service_settings(code: str) -> tuple[dict[str, str], int]:
    """The environment the service block exports, and the port its uvicorn command listens on."""
    words = shlex.split(code.replace("\\\n", " "), comments=True)
    env = dict(word.split("=", 1) for word in words if re.fullmatch(r"[A-Z][A-Z0-9_]*=.*", word))
    assert "uvicorn settings.asgi:application" in code  # what Server runs
    return env, int(re.search(r"--port (\d+)", code)[1])


@contextlib.contextmanager
def weed_process(code: str, cwd: Path, log: Path, ports: dict[int, int]) -> Iterator[None]:
    assert "-master.telemetry=false" in code and "-ip.bind=127.0.0.1" in code
    with open(log, "ab") as output:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {code}"],
            cwd=cwd,
            env=shell_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        used = [*ports.values(), *(port + ADMIN_GRPC_OFFSET for port in ports.values())]
        for port in used:
            for sock in glob.glob(f"/tmp/seaweedfs-*-{port}.sock"):
                with contextlib.suppress(OSError):
                    os.unlink(sock)


def test_the_local_s3_recipe_runs_as_written(tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        pytest.fail("curl is missing: the recipe uses it (scripts/system-deps installs it)")
    steps = recipe()
    text = steps.text
    assert "0.0.0.0" not in text  # loopback only
    (tmp_path / "cat.jpg").write_bytes(jpeg(ORIGINAL_SIZE))
    weed_log = tmp_path / "weed.log"
    with contextlib.ExitStack() as stack:
        server = None
        for kind, code in steps.blocks:
            if kind == "run":
                run(code, tmp_path, weed_log)
                if "/media/" in code:
                    check_rendition(code, text, tmp_path)
            elif kind == "background":
                stack.enter_context(weed_process(code, tmp_path, weed_log, steps.ports))
            elif kind == "service":
                env, port = service_settings(code)
                server = Server(env, tmp_path / "uvicorn.log", port=port).start()
                stack.callback(server.stop)
                assert server.get("/readyz").status == 200
            elif kind == "site":
                check_site(code, text, server)
            else:
                pytest.fail(f"unknown recipe block kind {kind!r}")


def check_rendition(request: str, text: str, cwd: Path) -> None:
    """What the request step wrote: the image its URL names, stored under the name the guide gives."""
    output = re.search(r"-o (\S+)", request)[1]
    options = dict(re.findall(r"/([a-z]+)_([a-z0-9]+)(?=/)", request.split("/media", 1)[1]))
    image = decode((cwd / output).read_bytes())
    width = int(options["w"])
    assert image.size == (width, round(ORIGINAL_SIZE[1] * width / ORIGINAL_SIZE[0]))
    assert image.format == {"webp": "WEBP", "avif": "AVIF", "png": "PNG", "jpg": "JPEG"}[options["f"]]

    stored = re.search(r"holds it as `([^`]+)`", text)[1]
    identities = json.loads((cwd / "s3" / "identities.json").read_text())["identities"]
    admin = next(i for i in identities if "Admin" in i["actions"])["credentials"][0]
    endpoint = re.search(r"endpoint_url=\"(http://127\.0\.0\.1:\d+)\"", text)[1]
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=admin["accessKey"],
        aws_secret_access_key=admin["secretKey"],
    )
    listed = client.list_objects_v2(Bucket="renditions").get("Contents", [])
    assert [item["Key"] for item in listed] == [stored]


def check_site(code: str, text: str, server: Server | None) -> None:
    """The site's settings put an upload where the service reads originals, and it is served."""
    assert server is not None, "the site step comes after the service"
    settings: dict = {}
    exec(compile(code, "docs/deployment.md (site settings)", "exec"), settings)
    storages = settings["STORAGES"]
    assert storages["originals"] == storages["default"]
    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storages["default"]["OPTIONS"]["bucket_name"] == server.env["RESIZER_ORIGINALS_BUCKET"]
    key, path = re.search(
        r"saved through the site's `ImageField` as `([^`]+)` is then at\s+`http://127\.0\.0\.1:\d+(/media/[^`]+)`", text
    ).groups()
    uploads = S3Storage(**storages["default"]["OPTIONS"])
    assert uploads.save(key, ContentFile(jpeg(ORIGINAL_SIZE))) == key
    response = server.get(path)
    assert response.status == 200, response.body[:200]
    width = int(re.search(r"/w_(\d+)/", path)[1])
    assert decode(response.body).size[0] == width
