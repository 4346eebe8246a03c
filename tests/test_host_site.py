"""docs/django.md, followed literally by a new user: a fresh venv with the built wheel, a project
from `django-admin startproject`, the settings, model, view, URLs and templates copied from the
doc's code blocks (found by their captions, so that the test fails when the doc drifts), the
doc's shell commands run as written; then the page, served by the real service, and the commands.

Once per Django LTS release the app supports (4.2 and 5.2), each in a venv of its own.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.support.images import decode, encode, quadrants
from tests.support.markup import Document, srcset
from tests.support.ports import free_port
from tests.support.server import ROOT, Server

DOC = ROOT / "docs" / "django.md"
KEY = "host-site-signing-key"
TIMEOUT = 300  # per command: pip on a cold cache is the slowest
# A fenced block and its caption: the paragraph line just above it, which ends with a colon.
BLOCK = re.compile(r"^(?P<caption>[^\n]+):\n\n```(?P<lang>[a-z]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)
WRITE = re.compile(r"\b[Ww]rite `(?P<path>[^`]+)`$")  # the block is the whole file
ADD = re.compile(r"^In `(?P<path>[^`]+)`, .*\badd\b")  # the block goes at the end of the file
FILES = {
    "mysite/settings.py",
    "mysite/urls.py",
    "gallery/models.py",
    "gallery/admin.py",
    "gallery/views.py",
    "gallery/templates/gallery/index.html",
    "gallery/jinja2/gallery/index.jinja",
}
PILLOW_STATE = """
import json, warnings
from PIL import Image, ImageFile, PngImagePlugin
Image.init()
bomb = next((f[0] for f in warnings.filters if f[2] is Image.DecompressionBombWarning), "default")
state = [Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES, PngImagePlugin.MAX_TEXT_CHUNK,
         PngImagePlugin.MAX_TEXT_MEMORY, bomb, sorted(Image.OPEN), sorted(Image.SAVE)]
"""
# In the site, after importing every module of the app a site uses and rendering both pages.
IN_SITE = (
    """
import json, resizer, resizer.fields, resizer.jinja2, resizer.signals, resizer.templatetags.resizer
from django.template.loader import render_to_string
from gallery.models import Photo
photos = {"photos": Photo.objects.order_by("pk")}
pages = [render_to_string("gallery/index.html", photos)]
pages.append(render_to_string("gallery/index.jinja", photos, using="jinja2"))
rows = list(Photo.objects.values_list("image", "width", "height"))
"""
    + PILLOW_STATE
)


class Doc:
    def __init__(self, text: str) -> None:
        self.blocks = [(m["caption"], m["lang"], m["code"]) for m in BLOCK.finditer(text)]
        self.text = text

    def block(self, caption: str) -> str:
        found = [code for text, _, code in self.blocks if text.startswith(caption)]
        assert len(found) == 1, f"docs/django.md: {len(found)} blocks captioned {caption!r}"
        return found[0]

    def files(self) -> list[tuple[str, str, str]]:
        """(mode, path, code) in the doc's order: `write` a whole file, `add` at its end."""
        found = []
        for caption, _, code in self.blocks:
            if written := WRITE.search(caption):
                found.append(("write", written["path"], code))
            elif added := ADD.search(caption):
                found.append(("add", added["path"], code))
        return found


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("host-dist")
    # sdist, then the wheel from it: nothing is built inside the checkout.
    command = [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)]
    subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT)
    (found,) = out.glob("*.whl")
    return found


class Site:
    """A shell in the new project's directory, with the fresh venv first on PATH."""

    def __init__(self, venv: Path, root: Path) -> None:
        self.venv, self.root = venv, root
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("RESIZER_", "AWS_", "DJANGO_", "PYTHON", "VIRTUAL_ENV"))
        }
        self.env.update(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", VIRTUAL_ENV=str(venv))
        self.env["RESIZER_SIGNING_KEY"] = KEY  # what section 2's export does

    @property
    def project(self) -> Path:
        return self.root / "mysite"

    def sh(self, script: str, cwd: Path | None = None, ok: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=cwd or self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        if ok:
            assert result.returncode == 0, f"{script}\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        return result

    def manage(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        return self.sh(" ".join(["python", "manage.py", *(_quote(a) for a in args)]), ok=ok)

    def shell(self, code: str, *options: str) -> dict:
        """Run `code` in `manage.py shell -c`; it sets `out`, printed as the last line of JSON."""
        result = self.manage("shell", *options, "-c", f"{code}\nprint(json.dumps(out))")
        return json.loads(result.stdout.strip().splitlines()[-1])


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


def sideways_jpeg() -> bytes:
    """A 600×900 portrait stored as 900×600 with EXIF orientation 6, as phones store them."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(quadrants((600, 900)).transpose(Image.Transpose.ROTATE_90), "JPEG", quality=90, exif=exif)


def get(url: str, timeout: float = 30) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return answer.status, answer.read()


def run_site(site: Site, block: str) -> str:
    """The doc's runserver line on a free port; the page at / as it serves it."""
    port = free_port()
    assert block.strip() == "python manage.py runserver 8001", block
    process = subprocess.Popen(
        ["bash", "-c", f"exec python manage.py runserver {port}"],
        cwd=site.project,
        env=site.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = get(f"http://127.0.0.1:{port}/", timeout=5)
            except urllib.error.HTTPError as exc:
                raise AssertionError(f"runserver answered {exc.code}: {exc.read()[-3000:]!r}") from None
            except OSError:  # not listening yet
                pass
            else:
                assert status == 200
                return body.decode()
            assert process.poll() is None, process.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "runserver did not answer"
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        process.stderr.close()


def renditions_of(data: Path, key: str) -> list[str]:
    folder = data / "renditions" / key
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


@pytest.mark.parametrize("django_version", ["4.2", "5.2"])
def test_a_site_built_from_the_django_guide_serves_its_pages_through_resizer(
    django_version: str, wheel: Path, start_server: Callable[..., Server], tmp_path: Path
) -> None:
    doc = Doc(DOC.read_text(encoding="utf-8"))

    # 1. Install, with the extras the doc names, into a fresh venv.
    install = doc.block("Install the app with both extras")
    extras = re.fullmatch(r"pip install 'django-resizer-origin\[([a-z0-9,]+)\]'\n", install)
    assert extras and "service" in extras[1].split(","), install
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=TIMEOUT)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    installed = subprocess.run(
        [*pip, f"{wheel}[{extras[1]}]", f"Django~={django_version}.0"], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    site = Site(venv, tmp_path / "work")
    site.root.mkdir()

    # 2. The project, as the doc's commands make it.
    site.sh(doc.block("Start a project and an app in it"), cwd=site.root)
    assert (site.project / "manage.py").is_file() and (site.project / "gallery" / "apps.py").is_file()
    assert "export RESIZER_SIGNING_KEY=" in doc.block("Make a key")

    # 7 first, so that the upload's warming finds it: the service, on the site's images/ and key.
    service = doc.block("Run resizer, in another shell with the same `RESIZER_SIGNING_KEY`")
    assert "RESIZER_DATA_DIR=/path/to/mysite/images .venv/bin/uvicorn settings.asgi:application --port 8000" in service
    data = site.project / "images"
    data.mkdir()
    server = start_server({"RESIZER_DATA_DIR": str(data), "RESIZER_SIGNING_KEY": KEY})

    # 3–5, 10: every file the doc gives, written or appended as its caption says.
    files = doc.files()
    assert {path for _, path, _ in files} == FILES
    for mode, path, code in files:
        if 'RESIZER_BASE_URL = "http://127.0.0.1:8000"' in code:  # the service's port is this test's
            code = code.replace('"http://127.0.0.1:8000"', f'"{server.base}"')
        target = site.project / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "write":
            target.write_text(code)
        else:
            target.write_text(target.read_text() + "\n" + code)
    assert server.base in (site.project / "mysite" / "settings.py").read_text()

    # 6, 12: the table; no problem in the settings, and a typo named as the doc says.
    site.sh(doc.block("Create the table"))
    assert "System check identified no issues" in site.manage("check").stdout
    (site.project / "mysite" / "settings_typo.py").write_text(
        'from mysite.settings import *  # noqa: F403\n\nRESIZER_SIGNING_KEYY = "…"\n'
    )
    typo = site.manage("check", "--settings", "mysite.settings_typo", ok=False)
    (message,) = re.findall(r"`(\?: \(resizer\.E001\)[^`]+)`", doc.text)
    assert typo.returncode == 1 and message in typo.stderr, typo.stderr

    # 8, 9: the upload, from the doc's shell line; the exiting process waited for its warming.
    (site.project / "cat.jpg").write_bytes(sideways_jpeg())
    site.sh(doc.block("From the shell, with a photo `cat.jpg` in `mysite/`"))
    assert (data / "originals" / "photos" / "cat.jpg").is_file()  # MEDIA_ROOT is the service's originals
    warmed = [f"w_{w},f_{f}.{f}" for w in (320, 640, 960) for f in ("avif", "webp")]
    assert renditions_of(data, "photos/cat.jpg") == sorted(warmed)

    # The page, from the doc's runserver line.
    html = run_site(site, doc.block("Then run the site"))
    assert "img { max-width: 100%; height: auto; }" in html  # or a 600-pixel image overflows a phone
    page = Document(html)
    assert [e.tag for e in page.elements if e.tag in ("picture", "source", "img")] == [
        "picture", "source", "source", "img", "img"
    ]  # fmt: skip
    avif, webp = page.all("source")
    picture, thumbnail = page.all("img")
    assert (avif.attrs["type"], webp.attrs["type"]) == ("image/avif", "image/webp")
    assert (picture.attrs["width"], picture.attrs["height"], picture.attrs["alt"]) == ("600", "900", "A cat")
    # The 600-wide photo: w_640 is advertised as 600w, and w_960 (no wider) is left out.
    for element in (avif, webp, picture):
        assert [width for _, width in srcset(element.attrs["srcset"])] == [320, 600]
    avif_320 = srcset(avif.attrs["srcset"])[0][0]
    assert re.fullmatch(re.escape(server.base) + r"/media/s_[\w-]+/w_320/f_avif/photos/cat\.jpg", avif_320)
    placeholder = re.search(r'url\("([^"]+)"\)', picture.attrs["style"])[1]
    urls = {
        url: (width, fmt)
        for element, fmt in ((avif, "AVIF"), (webp, "WEBP"), (picture, "JPEG"))
        for url, width in srcset(element.attrs["srcset"])
    }
    urls |= {picture.attrs["src"]: (600, "JPEG"), placeholder: (32, "JPEG"), thumbnail.attrs["src"]: (200, "JPEG")}
    assert len(urls) == 8  # 2 per format (the <img> src is its 600w), the placeholder, the thumbnail
    for url, (width, fmt) in urls.items():
        assert url.startswith(server.base + "/media/s_"), url
        answer = server.get(urlsplit(url).path)
        assert answer.status == 200, (url, answer.status)
        image = decode(answer.body)
        assert (image.width, image.format) == (width, fmt), url
        if width == 600:  # upright, as the EXIF orientation says
            assert image.size == (600, 900), url
    assert decode(server.get(urlsplit(thumbnail.attrs["src"]).path).body).size == (200, 200)

    # 10, and the host's process: the Jinja2 page is the same markup; Pillow is as Pillow has it.
    state = site.shell(IN_SITE + 'out = {"pages": pages, "rows": rows, "pillow": state, "app": resizer.__file__}')
    django_page, jinja_page = (Document(html) for html in state["pages"])
    assert [e.attrs for e in jinja_page.elements] == [e.attrs for e in django_page.elements] != []
    assert [e.attrs for e in django_page.elements if e.tag in ("source", "img")] == [
        e.attrs for e in page.elements if e.tag in ("source", "img")
    ]
    assert state["rows"] == [["photos/cat.jpg", 600, 900]]  # the upright size
    assert state["app"].startswith(str(venv)), state["app"]  # the wheel's app, not this checkout
    bare = subprocess.run(
        [str(venv / "bin" / "python"), "-c", PILLOW_STATE + "print(json.dumps(state))"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=site.env,
        cwd=site.root,
    )
    assert bare.returncode == 0, bare.stderr
    assert state["pillow"] == json.loads(bare.stdout)
    assert state["pillow"][0] == 89478485  # Image.MAX_IMAGE_PIXELS: Pillow's default

    # The S3 variant of the settings gives the commands S3 storages (no request is made).
    (site.project / "mysite" / "settings_s3.py").write_text(
        "from mysite.settings import *  # noqa: F403\n\n" + doc.block("With S3, in `mysite/settings.py`")
    )
    buckets = site.shell(
        "import json\nfrom django.core.files.storage import storages\n"
        "from resizer.stores.objects import originals, renditions\n"
        "out = [type(originals()).__name__, originals().bucket, renditions().bucket, storages['default'].bucket_name]",
        "--settings",
        "mysite.settings_s3",
    )
    assert buckets == ["S3Objects", "my-originals", "my-renditions", "my-originals"]  # uploads: the originals

    # 11: the doc's commands, then one that renders a new width.
    warm, inspect, purge = doc.block("For example").strip().splitlines()
    # JPEG 320 and 640 were served above, AVIF and WebP warmed on upload: only JPEG 960 is new.
    result = site.sh(warm)
    assert "resizer_warm: 1 rendered, 8 already stored, 0 failed" in result.stdout, result.stdout
    assert "w_960.jpg" in renditions_of(data, "photos/cat.jpg")
    result = site.manage("resizer_warm", "--model", "gallery.Photo.image", "--widths", "100")
    assert "resizer_warm: 1 rendered, 0 already stored, 0 failed" in result.stdout, result.stdout
    assert decode((data / "renditions" / "photos" / "cat.jpg" / "w_100.jpg").read_bytes()).size == (100, 150)

    shown = re.search(r"'(http://127\.0\.0\.1:8000/media/s_…/[^']+)'", inspect)
    assert shown and urlsplit(avif_320).path.split("/", 3)[3] == shown[1].split("/s_…/")[1], inspect
    result = site.sh(inspect.replace(shown[1], avif_320))
    lines = {
        label.strip(): value.strip()
        for label, _, value in (line.partition(": ") for line in result.stdout.splitlines())
    }
    assert lines["signature"] == "valid" and lines["key"] == "photos/cat.jpg", result.stdout
    assert lines["rendition"].startswith("photos/cat.jpg/w_320,f_avif.avif (stored, "), result.stdout

    before = renditions_of(data, "photos/cat.jpg")
    assert len(before) == 12  # 6 warmed, JPEG 320/640/960, the placeholder, the thumbnail, w_100
    result = site.sh(purge)
    assert f"resizer_purge: {len(before)} deleted, 0 failed" in result.stdout, result.stdout
    assert renditions_of(data, "photos/cat.jpg") == []
    assert (data / "originals" / "photos" / "cat.jpg").is_file()  # never the original
