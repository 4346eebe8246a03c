"""Source limits, in process: the limits are process-wide, foreign decoders never run, bombs are refused.

The same originals go through real HTTP in test_hostile.py; here we can watch Pillow itself.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable

import pytest
from PIL import EpsImagePlugin, Image, ImageFile, PsdImagePlugin, TiffImagePlugin

from resizer.core.errors import Unprocessable
from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import pipeline
from tests.support import hostile
from tests.support.images import decode, png
from tests.support.server import ROOT

# As in production, where AppConfig.ready makes it an error (pytest resets warning filters per test).
pytestmark = pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
LIMITS = Limits()
SPEC = RenditionSpec("k", width=10)


def refused(data: bytes, limits: Limits = LIMITS) -> str:
    with pytest.raises(Unprocessable) as error:
        pipeline.render(data, SPEC, None, limits)
    return error.value.message


def best_of(work: Callable[[], object], runs: int = 3) -> float:
    """The shortest of a few timings of `work`: the one least disturbed by the rest of the machine.

    Costs are compared with a peer's measured the same way in the same test, never with a fixed
    number of seconds, so that a slower machine moves both. Figures: bench/limits_time.py.
    """
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def chunk_data(data: bytes, kind: bytes) -> bytes:
    """The data of the first PNG chunk of this type."""
    at = data.index(kind)
    (length,) = struct.unpack(">I", data[at - 4 : at])
    return data[at + 4 : at + 4 + length]


PILLOW_LIMITS = (
    "from PIL import Image, ImageFile, PngImagePlugin\n"
    "action = next((f[0] for f in warnings.filters if f[2] is Image.DecompressionBombWarning), 'default')\n"
    "print(Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES, PngImagePlugin.MAX_TEXT_CHUNK,"
    " PngImagePlugin.MAX_TEXT_MEMORY, action)"
)


def limits_after(setup: str) -> list[str]:
    # In a fresh process: pytest's own warning capture would hide the filter from a test here.
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("RESIZER_", "AWS_"))}
    environ.update(RESIZER_MAX_SOURCE_PIXELS="1234567", DJANGO_SETTINGS_MODULE="settings")
    code = f"import warnings, django; django.setup()\n{setup}\n{PILLOW_LIMITS}"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_service_bootstrap_sets_the_limits_once_process_wide() -> None:
    after = limits_after("from settings.bootstrap import bootstrap; bootstrap(server=False)")
    assert after == ["1234567", "False", str(1 << 20), str(64 << 20), "error"]


def test_setting_up_the_app_alone_leaves_pillow_as_it_was() -> None:
    # A host site that adds "resizer" to INSTALLED_APPS keeps Pillow's own defaults.
    assert limits_after("") == ["89478485", "False", str(1 << 20), str(64 << 20), "default"]


def test_the_apps_modules_register_no_plugin_with_pillow_on_import() -> None:
    # pillow-heif is installed here (the heif extra): a host site importing the field, the tags or
    # warm_on_save still opens exactly the formats its own Pillow opened before.
    modules = "resizer.fields, resizer.templatetags.resizer, resizer.signals, resizer.jinja2, resizer.markup"
    setup = f"from PIL import Image\nImage.init()\nbefore = set(Image.OPEN)\nimport pillow_heif, {modules}"
    added = "print(sorted(set(Image.OPEN) - before))"
    assert limits_after(f"{setup}\n{added}")[0] == "[]"
    # The process that renders registers it: the service's bootstrap.
    assert (
        limits_after(f"{setup}\nfrom settings.bootstrap import bootstrap\nbootstrap(server=False)\n{added}")[0]
        == "['HEIF']"
    )


@pytest.mark.parametrize(
    ("fmt", "plugin"),
    [
        ("EPS", EpsImagePlugin.EpsImageFile),  # would run Ghostscript on load
        ("PSD", PsdImagePlugin.PsdImageFile),
        ("TIFF", TiffImagePlugin.TiffImageFile),
    ],
)
def test_foreign_formats_named_jpg_never_reach_their_decoder(monkeypatch, fmt: str, plugin: type) -> None:
    calls = []
    original_open = plugin._open

    def spy(self) -> None:
        calls.append(fmt)
        original_open(self)

    monkeypatch.setattr(plugin, "_open", spy)
    data = hostile.foreign(fmt)
    Image.open(io.BytesIO(data))  # control: without the allow-list, Pillow hands it to that plugin
    assert calls == [fmt]
    assert "could not be decoded" in refused(data)
    assert calls == [fmt], "the pipeline let the bytes reach a decoder outside the allow-list"


def test_a_png_declaring_65535_squared_is_refused_from_its_header(monkeypatch) -> None:
    honest = png((1000, 1000))
    decoding = best_of(lambda: pipeline.render(honest, SPEC, None, LIMITS))  # the peer: one honest megapixel
    loads = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: loads.append(self.size))
    bomb = hostile.png_declaring(65535, 65535)
    assert "over the limit of 50000000 pixels" in refused(bomb)
    assert loads == []  # no pixel was decoded
    assert best_of(lambda: refused(bomb)) < decoding  # nor allocated: 4 gigapixels cost less than one megapixel


@pytest.mark.parametrize(
    "data",
    [
        hostile.png_declaring(7072, 7072),  # just over 50 MP: Pillow's warning, made an error
        hostile.jpeg_declaring(65500, 65500),
        hostile.gif_declaring(65535, 65535),
    ],
    ids=["png-50mp", "jpeg-65500", "gif-65535"],
)
def test_oversized_canvases_are_refused_before_decode(data: bytes) -> None:
    assert "pixels" in refused(data)


def test_pixel_limit_follows_the_configured_limit() -> None:
    data = hostile.png_declaring(1000, 1000)
    assert "pixels" in refused(data, Limits(max_source_pixels=999_999))


def test_idat_bomb_within_the_pixel_limit_decodes_only_its_canvas() -> None:
    # 100 MB of image data behind a 2000×2000 header: the decoder stops when the canvas is full.
    bomb = hostile.idat_bomb(2000, 2000)
    assert decode(pipeline.render(bomb, SPEC, None, LIMITS).body).size == (10, 10)
    idat = chunk_data(bomb, b"IDAT")
    inflating = best_of(lambda: zlib.decompress(idat))  # the peer: what inflating all of it costs
    assert best_of(lambda: pipeline.render(bomb, SPEC, None, LIMITS)) < inflating / 2


def test_idat_bomb_over_the_pixel_limit_is_refused_from_its_header() -> None:
    assert "pixels" in refused(hostile.idat_bomb(8000, 8000))


@pytest.mark.parametrize(
    "make",
    [
        hostile.ztxt_bomb,
        lambda: hostile.ztxt_bomb(after_idat=True),
        hostile.itxt_bomb,
        hostile.iccp_bomb,
        hostile.many_text_chunks,
    ],
    ids=["ztxt", "ztxt-after-idat", "itxt", "iccp", "many-text-chunks"],
)
def test_text_and_profile_chunk_bombs_are_refused(make) -> None:
    refused(make())


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (hostile.ztxt_bomb, b"zTXt"),
        (lambda: hostile.ztxt_bomb(after_idat=True), b"zTXt"),
        (hostile.itxt_bomb, b"iTXt"),
        (hostile.iccp_bomb, b"iCCP"),
    ],
    ids=["ztxt", "ztxt-after-idat", "itxt", "iccp"],
)
def test_one_chunk_bombs_are_refused_at_the_chunk_limit_not_inflated(make, kind: bytes) -> None:
    # Each inflates to 32 MiB; the 1 MiB chunk limit stops it after a thirty-second of that.
    # (many-text-chunks is refused at the total limit, so only after inflating most of it.)
    data = make()
    payload = chunk_data(data, kind).partition(b"\0")[2].lstrip(b"\0\x01")  # past the keyword and flags
    assert len(zlib.decompress(payload)) == hostile.BOMB
    inflating = best_of(lambda: zlib.decompress(payload))
    assert best_of(lambda: refused(data)) < inflating / 4


def test_frame_counts_declared_or_real_are_limits() -> None:
    assert "5000 frames" in refused(hostile.gif_frames(5000))
    assert "frames" in refused(hostile.apng_declaring_frames(2**31 - 1))
    assert "200 frames" in refused(hostile.webp_frames(200))


def test_polyglots_are_re_encoded_without_their_payload() -> None:
    for data in (hostile.jpeg_with_html_tail(), hostile.png_with_payload_text()):
        result = pipeline.render(data, SPEC, None, LIMITS)
        assert hostile.PAYLOAD not in result.body
        assert b"php" not in result.body
    assert "could not be decoded" in refused(hostile.gif_js_polyglot())
