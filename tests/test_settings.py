"""Settings are declared once (resizer/core/config.py) and read strictly: a bad value fails at boot
in one line that names it, the same problems are system checks in a host site, and importing the
service's settings does no I/O."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from resizer.core.config import SETTINGS, SettingError, read_environment, table
from tests.support.server import ROOT, Server

SECRET = "hunter2-very-secret"


def environment(**env: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("RESIZER_", "AWS_", "DJANGO_"))}
    return {**environ, "DJANGO_SETTINGS_MODULE": "settings", **env}


def run(code: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=environment(**env), capture_output=True, text=True, timeout=60
    )


# (environment, the variable the one-line refusal names, what it must say); in-process: no I/O.
REFUSED = [
    ({"RESIZER_QUEUE_LIMIT": "lots"}, "RESIZER_QUEUE_LIMIT", "'lots'"),
    ({"RESIZER_RENDER_WORKERS": "0"}, "RESIZER_RENDER_WORKERS", "'0'"),
    ({"RESIZER_DEADLINE_SECONDS": "0"}, "RESIZER_DEADLINE_SECONDS", "positive"),
    ({"RESIZER_DEADLINE_SECONDS": "nan"}, "RESIZER_DEADLINE_SECONDS", "'nan'"),
    ({"RESIZER_PRESETS_ONLY": "maybe"}, "RESIZER_PRESETS_ONLY", "'maybe'"),
    ({"RESIZER_WIDTHS": "320,,640"}, "RESIZER_WIDTHS", "'320,,640'"),
    ({"RESIZER_WIDTHS": "abc"}, "RESIZER_WIDTHS", "'abc'"),
    ({"RESIZER_WIDTHS": "320,640,5000"}, "RESIZER_WIDTHS", "5000 is over RESIZER_MAX_DIMENSION (4096)"),
    ({"RESIZER_WIDTHS": "320,2000", "RESIZER_MAX_DIMENSION": "1000"}, "RESIZER_WIDTHS", "2000 is over"),
    ({"RESIZER_PRESETS": "{not json"}, "RESIZER_PRESETS", "not valid JSON"),
    ({"RESIZER_PRESETS": '["w_1"]'}, "RESIZER_PRESETS", "JSON object"),
    ({"RESIZER_WIDHTS": "320"}, "RESIZER_WIDHTS", "did you mean RESIZER_WIDTHS"),
    ({"RESIZER_WIDTHS_FILE": "/etc/hostname"}, "RESIZER_WIDTHS_FILE", "unknown"),
    ({"RESIZER_ORIGINALS_BUCKET": "originals"}, "RESIZER_RENDITIONS_BUCKET", "must be set"),
    ({"RESIZER_SIGNING_KEY": ""}, "RESIZER_SIGNING_KEY", "is empty"),
    ({"RESIZER_SIGNING_KEY": "   "}, "RESIZER_SIGNING_KEY", "is empty"),
    ({"RESIZER_SIGNING_KEYS": ""}, "RESIZER_SIGNING_KEYS", "non-empty"),
    ({"RESIZER_SIGNING_KEYS": "a,,b"}, "RESIZER_SIGNING_KEYS", "non-empty"),
    ({"RESIZER_SIGNING_KEY": "a", "RESIZER_SIGNING_KEYS": "b,c"}, "RESIZER_SIGNING_KEY", "not both"),
    ({"RESIZER_SIGNING_KEY_FILE": "/nonexistent/key"}, "RESIZER_SIGNING_KEY_FILE", "cannot read /nonexistent/key"),
    ({"RESIZER_SIGNING_KEY": "a", "RESIZER_SIGNING_KEY_FILE": "/etc/hostname"}, "RESIZER_SIGNING_KEY", "not both"),
    ({"AWS_S3_ADDRESSING_STYLE": "bogus"}, "AWS_S3_ADDRESSING_STYLE", "'bogus'"),
    ({"AWS_S3_ENDPOINT_URL": "127.0.0.1:8333"}, "AWS_S3_ENDPOINT_URL", "'127.0.0.1:8333'"),
    ({"RESIZER_BASE_URL": "cdn.example.com"}, "RESIZER_BASE_URL", "absolute"),
    ({"DJANGO_LOG_LEVEL": "LOUD"}, "DJANGO_LOG_LEVEL", "'LOUD'"),
    ({"RESIZER_AVIF_SPEED": "11"}, "RESIZER_AVIF_SPEED", "must be an integer 6–10, not '11'"),
    ({"RESIZER_AVIF_SPEED": "5"}, "RESIZER_AVIF_SPEED", "must be an integer 6–10, not '5'"),
    ({"RESIZER_AVIF_SPEED": "fast"}, "RESIZER_AVIF_SPEED", "must be an integer 6–10, not 'fast'"),
]


@pytest.mark.parametrize(("env", "named", "says"), REFUSED)
def test_each_misconfiguration_is_refused_naming_the_variable_and_its_value(
    env: dict[str, str], named: str, says: str
) -> None:
    with pytest.raises(SettingError) as refused:
        read_environment(env)
    assert str(refused.value).startswith(f"{named}: "), refused.value
    assert says in str(refused.value)
    assert "\n" not in str(refused.value)


def test_an_empty_secret_file_is_refused_and_no_secret_is_ever_echoed(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(SettingError, match="RESIZER_SIGNING_KEY: is empty"):
        read_environment({"RESIZER_SIGNING_KEY_FILE": str(empty)})
    for env in (
        {"RESIZER_SIGNING_KEY": SECRET, "RESIZER_SIGNING_KEYS": SECRET},
        {"RESIZER_SIGNING_KEYS": f"{SECRET},"},
    ):
        with pytest.raises(SettingError) as refused:
            read_environment(env)
        assert SECRET not in str(refused.value)


def test_secrets_may_come_from_files_and_lists_are_read(tmp_path: Path) -> None:
    secret = tmp_path / "signing-key"
    secret.write_text("from-a-file\n")
    values = read_environment({"RESIZER_SIGNING_KEY_FILE": str(secret), "RESIZER_WIDTHS": "320, 640"})
    assert values["RESIZER_SIGNING_KEY"] == "from-a-file"
    assert values["RESIZER_WIDTHS"] == (320, 640)
    assert values["RESIZER_DEADLINE_SECONDS"] == 20.0


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "manage.py", "check"],
        [sys.executable, "-m", "uvicorn", "settings.asgi:application", "--port", "0"],
    ],
)
def test_the_service_refuses_to_start_in_one_line_without_a_traceback(command: list[str]) -> None:
    env = environment(RESIZER_WIDTHS="320,abc", RESIZER_SIGNING_KEY=SECRET)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert (
        lines[-1]
        == "resizer: bad setting RESIZER_WIDTHS: must be a comma-separated list of positive integers, not '320,abc'"
    )
    assert SECRET not in result.stderr + result.stdout


def test_a_data_dir_that_does_not_exist_is_an_error_not_a_new_tree(tmp_path: Path) -> None:
    typo = tmp_path / "srv" / "resizre"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment(RESIZER_DATA_DIR=str(typo)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert (
        result.stderr.strip().splitlines()[-1]
        == f"resizer: bad setting RESIZER_DATA_DIR: {str(typo)!r} is not a directory (create it, or unset it)"
    )
    assert not (tmp_path / "srv").exists()


def test_importing_the_settings_creates_no_file_or_directory(tmp_path: Path) -> None:
    temp, data = tmp_path / "tmp", tmp_path / "data"
    temp.mkdir()
    data.mkdir()
    code = "import django; django.setup(); from django.conf import settings; print(sorted(settings.STORAGES))"
    env = {"TMPDIR": str(temp), "RESIZER_DATA_DIR": str(data), "RESIZER_RUN_DIR": str(temp), "PYTHONPATH": str(ROOT)}
    result = run(code, env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "originals" in result.stdout
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["data", "tmp"]
    assert "PROMETHEUS_MULTIPROC_DIR" not in result.stdout


def test_a_stopped_server_leaves_no_run_directory_behind(tmp_path: Path) -> None:
    run_parent, data = tmp_path / "run", tmp_path / "data"
    run_parent.mkdir()
    data.mkdir()
    server = Server({"RESIZER_DATA_DIR": str(data), "RESIZER_RUN_DIR": str(run_parent)}, tmp_path / "log", workers=2)
    server.start()
    try:
        assert server.get("/healthz").status == 200
        (running,) = run_parent.glob("resizer-run-*")
        assert (running / "metrics").is_dir()
    finally:
        assert server.stop() == 0
    assert list(run_parent.iterdir()) == [], server.log()


def test_host_site_problems_are_system_checks_with_stable_ids() -> None:
    cases = [
        ({"RESIZER_WIDTHS": [320, "big"]}, "resizer.E001", "RESIZER_WIDTHS"),
        ({"RESIZER_SIGNING_KEY": ""}, "resizer.E001", "RESIZER_SIGNING_KEY"),
        ({"RESIZER_SIGNING_KEY": "a", "RESIZER_SIGNING_KEYS": ["b"]}, "resizer.E002", "not both"),
        ({"RESIZER_WIDTHS": [320, 5000]}, "resizer.E003", "5000"),
        ({"RESIZER_PRESETS": {"thumb": "w_0"}}, "resizer.E005", "RESIZER_PRESETS"),
        ({"RESIZER_WIDHTS": [320]}, "resizer.E001", "did you mean RESIZER_WIDTHS"),
    ]
    assert not [e for e in run_checks() if e.id.startswith("resizer.")]
    for overrides, check_id, says in cases:
        with override_settings(**overrides):
            found = [e for e in run_checks() if e.id.startswith("resizer.")]
        assert [e.id for e in found] == [check_id], (overrides, found)
        assert says in found[0].msg


def test_the_docs_settings_table_is_the_declared_one() -> None:
    operations = (ROOT / "docs" / "operations.md").read_text()
    start, end = "<!-- settings table: python -m resizer.core.config -->\n", "\n<!-- end of settings table -->"
    assert operations.split(start)[1].split(end)[0] == table()
    assert len(SETTINGS) == len({s.name for s in SETTINGS})


def test_no_repr_shows_a_signing_key() -> None:
    from resizer.conf import config

    with override_settings(RESIZER_SIGNING_KEYS=[SECRET, "older-" + SECRET]):
        settings = config()
        assert len(settings.policy.signing_keys) == 2
        assert SECRET not in repr(settings) and SECRET not in repr(settings.policy)
