"""The Markdown files: every relative link resolves to a file of the repository (and a heading, for
an anchor), and the signing example of docs/urls.md is what the service computes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import unquote

from resizer.core.policy import sign
from resizer.core.spec import media_request_path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")
HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.M)
# Known and reported, in a file another change owns: docs/django.md links examples/site/ as if it
# were at the repository's root. Nothing may be added to this set.
KNOWN_BROKEN = {("docs/django.md", "examples/site/")}


def markdown_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / name for name in listed.stdout.split()]


def prose(text: str) -> str:
    """The text without code, where a link is only an example."""
    return CODE.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for heading in HEADING.findall(FENCE.sub("", path.read_text())):
        base = name = slug(heading)
        count = 0
        while name in found:
            count += 1
            name = f"{base}-{count}"
        found.add(name)
    return found


def broken_links() -> set[tuple[str, str]]:
    broken = set()
    for path in markdown_files():
        for target in LINK.findall(prose(path.read_text())):
            if re.match(r"[a-z]+:", target):  # https:, mailto:: not ours to check
                continue
            file_part, _, anchor = target.partition("#")
            resolved = (path.parent / unquote(file_part)).resolve() if file_part else path
            found = (resolved == ROOT or ROOT in resolved.parents) and resolved.exists()
            headed = not anchor or resolved.suffix != ".md" or (found and anchor in anchors(resolved))
            if not (found and headed):
                broken.add((str(path.relative_to(ROOT)), target))
    return broken


def test_relative_links_resolve_inside_the_repository() -> None:
    assert broken_links() - KNOWN_BROKEN == set()


def test_slugs_are_githubs() -> None:
    assert slug("3. Kubernetes") == "3-kubernetes"
    assert slug("`f_auto`") == "f_auto"
    assert slug("On AWS, with Kubernetes") == "on-aws-with-kubernetes"


def test_the_signing_example_is_what_the_service_computes() -> None:
    guide = (ROOT / "docs" / "urls.md").read_text()
    key = re.search(r"with the key `([^`]+)`", guide)[1]
    example = re.search(r"^path +(\S+)\nsig +(\S+)\nURL +(\S+)$", guide, re.M)
    path, signature, url = example.groups()
    assert sign(path, key.encode("utf-8")) == signature
    assert media_request_path(path, signature) == url
    assert f"-hmac '{key}'" in guide and f"'{path}'" in guide  # the shell line signs the same
