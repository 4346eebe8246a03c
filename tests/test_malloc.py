"""The service caps glibc's malloc arenas unless the operator set MALLOC_ARENA_MAX."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.server import ROOT

PROBE = "from settings.bootstrap import cap_arenas; print(cap_arenas())"


def run(env: dict[str, str]) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env={**environ, **env}, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_arenas_are_capped_by_default_and_the_environment_wins() -> None:
    assert run({}) == "True"  # glibc (Debian): mallopt accepted the cap
    assert run({"MALLOC_ARENA_MAX": "4"}) == "False"  # the operator's value stands
