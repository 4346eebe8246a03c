"""Settings come from the environment, strictly: a bad value fails at boot and names itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import ROOT


def boot(env: dict[str, str]) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("RESIZER_", "AWS_", "DJANGO_"))}
    environ.update({"DJANGO_SETTINGS_MODULE": "settings", **env})
    code = "import django; django.setup(); from resizer.conf import config; print(config())"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"RESIZER_QUEUE_LIMIT": "lots"}, "RESIZER_QUEUE_LIMIT"),
        ({"RESIZER_RENDER_WORKERS": "0"}, "RESIZER_RENDER_WORKERS"),
        ({"RESIZER_DEADLINE_SECONDS": "0"}, "RESIZER_DEADLINE_SECONDS"),
        ({"RESIZER_DEADLINE_SECONDS": "nan"}, "RESIZER_DEADLINE_SECONDS"),
        ({"RESIZER_PRESETS_ONLY": "maybe"}, "RESIZER_PRESETS_ONLY"),
        ({"RESIZER_WIDTHS": "320,,640"}, "RESIZER_WIDTHS"),
        ({"RESIZER_WIDTHS": "320,big"}, "RESIZER_WIDTHS"),
        ({"RESIZER_PRESETS": "{not json"}, "RESIZER_PRESETS"),
        ({"RESIZER_PRESETS": '["w_1"]'}, "RESIZER_PRESETS"),
        ({"RESIZER_PRESETS": '{"thumb": "w_0"}'}, "RESIZER_PRESETS"),
        ({"RESIZER_WIDHTS": "320"}, "RESIZER_WIDHTS"),
        ({"RESIZER_ORIGINALS_BUCKET": "originals"}, "RESIZER_RENDITIONS_BUCKET"),
        ({"RESIZER_SIGNING_KEY_FILE": "/nonexistent/key"}, "RESIZER_SIGNING_KEY_FILE"),
        ({"RESIZER_SIGNING_KEY": "a", "RESIZER_SIGNING_KEY_FILE": "/etc/hostname"}, "RESIZER_SIGNING_KEY"),
        ({"RESIZER_RUN_DIR": "/etc/hostname"}, "RESIZER_RUN_DIR"),
    ],
)
def test_bad_settings_fail_at_boot_naming_the_setting(env: dict[str, str], named: str) -> None:
    result = boot(env)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last and named in last, result.stderr[-2000:]


def test_secrets_may_come_from_files(tmp_path: Path) -> None:
    secret = tmp_path / "signing-key"
    secret.write_text("from-a-file\n")
    result = boot({"RESIZER_SIGNING_KEY_FILE": str(secret), "RESIZER_WIDTHS": "320, 640"})
    assert result.returncode == 0, result.stderr
    assert "signing_keys=(b'from-a-file',)" in result.stdout
    assert "widths=frozenset({640, 320})" in result.stdout or "widths=frozenset({320, 640})" in result.stdout


def test_defaults_boot_with_the_filesystem_storage() -> None:
    result = boot({})
    assert result.returncode == 0, result.stderr
    assert "deadline=20.0" in result.stdout and "queue_limit=64" in result.stdout
