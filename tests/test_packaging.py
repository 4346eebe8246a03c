"""The distribution a site installs: its name on PyPI, what the core pulls in, what the extras add."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.support.server import ROOT


@pytest.fixture(scope="module")
def metadata(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        # sdist first, then the wheel from it: nothing is built inside the checkout.
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        files = archive.namelist()
        text = archive.read(name).decode()
    return Parser().parsestr(text), files, wheel


def test_the_distribution_has_a_name_of_its_own_and_installs_the_resizer_package(metadata) -> None:
    message, files, wheel = metadata
    # `resizer` and `django-resizer` on PyPI are other projects: a user typing ours gets ours.
    assert message["Name"] == "django-resizer-origin"
    assert Path(wheel).name.startswith("django_resizer_origin-")
    assert "resizer/__init__.py" in files
    assert "resizer/templatetags/resizer.py" in files
    # The admin's crop and focal-point editor: its template, script and styles ship as package data.
    editor = ["templates/resizer/admin/framing_widget.html", "static/resizer/editor.js", "static/resizer/editor.css"]
    for name in editor:
        assert f"resizer/{name}" in files, name
    assert not any(f.startswith(("settings/", "tests/", "demo/")) for f in files)
    assert message["License-Expression"] == "MIT"


def test_the_core_is_what_a_site_needs_for_the_tags_and_the_service_is_an_extra(metadata) -> None:
    message = metadata[0]
    requirements = [Requirement(line) for line in message.get_all("Requires-Dist")]
    core = {r.name.lower(): r for r in requirements if r.marker is None}
    assert set(core) == {"django", "pillow"}
    # Ranges that real sites have: both Django LTS releases, not one exact version.
    assert core["django"].specifier.contains("4.2.20") and core["django"].specifier.contains("5.2.9")
    assert not core["django"].specifier.contains("4.1.13")
    assert core["pillow"].specifier.contains("10.4.0")
    extras = set(message.get_all("Provides-Extra"))
    assert {"service", "jinja2", "heif"} <= extras

    def extra(name: str) -> set[str]:
        return {r.name.lower() for r in requirements if r.marker and r.marker.evaluate({"extra": name})}

    assert {"uvicorn", "boto3", "django-storages", "whitenoise", "prometheus-client", "tqdm"} <= extra("service")
    assert extra("jinja2") == {"jinja2"}
    assert extra("heif") == {"pillow-heif"}


def test_the_locks_pin_every_range_of_pyproject_at_one_version() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for lock, extras in (("requirements.lock", ("service", "heif")), ("requirements-dev.lock", ("service", "test"))):
        pins = {}
        for line in (ROOT / lock).read_text().splitlines():
            if "==" in line and not line.startswith(("#", " ")):
                name, _, version = line.partition("==")
                pins[name.strip().lower().replace("_", "-")] = version.strip()
        wanted = [*project["dependencies"], *(r for e in extras for r in project["optional-dependencies"][e])]
        for text in wanted:
            requirement = Requirement(text)
            name = requirement.name.lower().replace("_", "-")
            assert name in pins, f"{lock} has no pin for {name}"
            assert requirement.specifier.contains(pins[name], prereleases=True), (lock, text, pins[name])
