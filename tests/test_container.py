"""The Dockerfile: lint-clean, and its command, environment and health check run the service.

No container engine here: hadolint checks the file, and the image's CMD and HEALTHCHECK are run
as written (port aside) against this checkout, with static files collected as the build does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.deploy import (
    ROOT,
    bare_environ,
    deployment_container,
    dockerfile_stages,
    env_of,
    final_stage,
    instruction,
    manifest,
    option,
)
from tests.support.ports import free_port
from tests.support.server import Server, request

BIN = Path(sys.executable).parent


def test_hadolint_finds_nothing_at_any_level() -> None:
    result = subprocess.run(
        [BIN / "hadolint", "--failure-threshold", "style", "--disable-ignore-pragma", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_the_non_root_user_the_pod_requires() -> None:
    stage = final_stage()
    user, group = instruction(stage, "USER").args.split(":")
    pod = manifest("deployment.yaml")["spec"]["template"]["spec"]["securityContext"]
    assert int(user) > 0 and (int(user), int(group)) == (pod["runAsUser"], pod["runAsGroup"])
    final = " ".join(item.args for item in stage if item.name == "RUN")
    for tool in ("apt-get", "gcc", "build-essential", "pip install"):
        assert tool not in final  # the run stage only copies what the build stage made


def test_the_build_context_holds_what_the_dockerfile_copies_and_nothing_else() -> None:
    patterns = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    assert patterns[0] == "*"  # an allow-list: .venv, var/, .git, tests and secrets stay out
    build = dockerfile_stages()[0]
    copied = {
        source.rstrip("/")
        for item in build
        if item.name == "COPY" and not item.args.startswith("--from")
        for source in item.args.split()[:-1]
    }
    assert copied == allowed


@pytest.fixture
def image_command(tmp_path: Path) -> tuple[list[str], dict[str, str], int]:
    """The final stage's CMD and ENV, on a free loopback port, static files collected to tmp."""
    stage = final_stage()
    port = free_port()
    argv = instruction(stage, "CMD").json()
    argv[argv.index("--port") + 1], argv[argv.index("--host") + 1] = str(port), "127.0.0.1"
    env = bare_environ(**env_of(stage))
    env["PATH"] = f"{BIN}:{os.environ['PATH']}"  # the image's /opt/venv/bin is this venv's bin
    env.update(DJANGO_STATIC_ROOT=str(tmp_path / "static"), RESIZER_DATA_DIR=str(tmp_path / "var"))
    (tmp_path / "var").mkdir()  # the image's `install -d /app/var`
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
    subprocess.run(collect, cwd=ROOT, env=env, check=True)
    return argv, env, port


def healthcheck(env: dict[str, str], port: int) -> int:
    argv = instruction(final_stage(), "HEALTHCHECK").json()
    argv = [arg.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for arg in argv]
    return subprocess.run(argv, env=env, capture_output=True, timeout=10).returncode


def test_the_image_command_serves_and_its_health_check_passes(image_command, tmp_path: Path) -> None:
    argv, env, port = image_command
    assert (option(argv, "--loop"), option(argv, "--http")) == ("uvloop", "httptools")
    with open(tmp_path / "uvicorn.log", "wb") as log:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        server = Server(env, tmp_path / "uvicorn.log", port=port, process=process)
        wait_for_health(server)
        assert healthcheck(env, port) == 0
        static = request(port, "GET", "/")  # the demo page links its stylesheet by hashed name
        css = next(part.split('"')[0] for part in static.body.decode().split('href="') if ".css" in part[:80])
        stylesheet = request(port, "GET", css)
        assert (stylesheet.status, stylesheet.header("Cache-Control")) == (200, "max-age=315360000, public, immutable")
    finally:
        process.send_signal(signal.SIGTERM)
        # Graceful: uvicorn finishes, then re-raises the signal it caught (exit status −15).
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    assert "Finished server process" in server.log()
    assert healthcheck(env, port) != 0  # and the probe does fail when nothing answers


def wait_for_health(server: Server) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.log()
        try:
            if server.request("GET", "/healthz", timeout=2).status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(server.log())


def test_the_pod_keeps_the_image_command() -> None:
    # The shutdown timing lives in one place, the CMD; the Deployment must not override it.
    container = deployment_container()
    assert "command" not in container and "args" not in container
