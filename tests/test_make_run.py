"""The quick start's `make run`, when its port is taken: one line that says what to do, at once."""

from __future__ import annotations

import os
import socket
import subprocess

from tests.support.server import ROOT


def test_make_run_on_a_taken_port_says_how_to_pick_another() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RESIZER_", "AWS_", "DJANGO_", "MAKE"))}
        result = subprocess.run(
            ["make", "--no-print-directory", "run", f"PORT={port}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode != 0
    said = [line for line in result.stderr.splitlines() if line.startswith("make run:")]
    assert said == [f"make run: port {port} on 127.0.0.1 is taken: pick another, e.g. make run PORT=8010"]
    assert "Traceback" not in result.stderr and "Errno" not in result.stderr
