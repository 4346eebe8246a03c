"""Encoder defaults: JPEG through jpegli or libjpeg (each way), chroma subsampling, our JPEG tables,
exact palette PNG, AVIF speed."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat, JpegImagePlugin

from resizer.imaging import encoders
from tests.support.images import decode, quadrants


def photo(size: tuple[int, int] = (400, 300)) -> Image.Image:
    noise = Image.effect_noise((size[0] // 8, size[1] // 8), 60).convert("RGB").resize(size, Image.Resampling.BICUBIC)
    return Image.blend(noise, quadrants(size), 0.5)


# -- JPEG: jpegli (the `jpegli` extra) where it can write what we promise, else libjpeg ---------


@pytest.mark.parametrize(("quality", "sampling"), [(78, 2), (89, 2), (90, 0), (100, 0)])  # 2: 4:2:0, 0: 4:4:4
def test_jpeg_halves_chroma_only_below_the_fidelity_threshold(jpeg_encoder: str, quality: int, sampling: int) -> None:
    body = encoders.encode(photo(), "jpg", quality)
    image = decode(body)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (400, 300))
    assert JpegImagePlugin.get_sampling(image) == sampling
    by_jpegli = jpeg_encoder == "jpegli" and quality < encoders.FULL_CHROMA_FROM
    assert (body[2:4] == b"\xff\xe0") != by_jpegli  # Pillow's libjpeg opens with JFIF's APP0, jpegli without
    assert image.info.get("progressive") == (None if by_jpegli else 1)  # pyjpegli writes baseline only


def smooth_photo(size: tuple[int, int] = (400, 300)) -> Image.Image:
    """Gradients and soft shapes, where a good encode stays within a few levels of every pixel."""
    x = Image.linear_gradient("L").resize(size)
    y = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize(size)
    blobs = quadrants(size).filter(ImageFilter.GaussianBlur(12))
    return Image.blend(Image.merge("RGB", (x, y, ImageChops.invert(x))), blobs, 0.5)


@pytest.mark.parametrize("quality", [50, 78, 89, 95])
def test_jpeg_pixels_stay_close_to_the_source(jpeg_encoder: str, quality: int) -> None:
    source = smooth_photo()
    image = decode(encoders.encode(source.copy(), "jpg", quality)).convert("RGB")
    error = ImageStat.Stat(ImageChops.difference(image, source)).mean
    assert max(error) < 1.8, error  # mean absolute error per channel, in levels of 255 (q30: 2.3)
    assert image.getpixel((10, 10)) == pytest.approx(source.getpixel((10, 10)), abs=12)


@pytest.mark.parametrize("quality", [None, 95])
def test_grey_jpeg_stays_single_channel(jpeg_encoder: str, quality: int | None) -> None:
    source = smooth_photo((64, 64)).convert("L")
    image = decode(encoders.encode(source.copy(), "jpg", quality))
    assert image.mode == "L" and len(image.quantization) == 1 and image.info.get("progressive") == 1
    assert ImageStat.Stat(ImageChops.difference(image, source)).mean[0] < 1.0


def test_jpeg_writes_no_metadata(jpeg_encoder: str) -> None:
    source = photo()
    source.info = {"exif": Image.Exif().tobytes(), "icc_profile": b"x" * 100, "comment": b"private"}
    image = decode(encoders.encode(source, "jpg", None))
    assert not {"exif", "icc_profile", "comment"} & image.info.keys()


def test_jpegli_quality_follows_ours_from_q70_and_is_lower_below() -> None:
    mapped = [encoders.jpegli_quality(quality) for quality in range(1, 101)]
    assert mapped == sorted(mapped) and mapped[0] == 1 and mapped[-1] == 100
    assert all(encoders.jpegli_quality(quality) == quality for quality in (78, 80, 89, 95))
    assert encoders.jpegli_quality(40) == 26 and encoders.jpegli_quality(10) < 10


def test_jpeg_encodes_alike_on_many_threads_at_once(jpeg_encoder: str) -> None:
    """Renders run on a pool of threads: concurrent encodes give what one at a time gives."""
    pictures = [photo((320 + 16 * index, 240)) for index in range(8)]
    alone = [encoders.encode(picture.copy(), "jpg", 70) for picture in pictures]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda picture: encoders.encode(picture.copy(), "jpg", 70), pictures * 3))
    assert together == alone * 3


@pytest.mark.parametrize(
    ("blocked", "chosen", "shown"),
    [
        (False, None, "libjpeg True"),  # installed, not chosen: libjpeg, the default
        (False, "jpegli", "jpegli False"),
        (True, None, "libjpeg True"),
        (True, "jpegli", "RuntimeError"),  # chosen without the extra (the setting refuses it first)
    ],
)
def test_jpeg_encoder_is_jpegli_only_when_chosen_and_installed(blocked: bool, chosen: str | None, shown: str) -> None:
    """A fresh interpreter, with pyjpegli installed (the suite's lock) or failing to import."""
    program = (
        ("import sys; sys.modules['pyjpegli'] = None\n" if blocked else "")
        + "from PIL import Image\nfrom resizer.imaging import encoders\n"
        + "try:\n"
        + (f"    encoders.use_jpeg_encoder({chosen!r})\n" if chosen else "    pass\n")
        + "except RuntimeError:\n    print('RuntimeError'); raise SystemExit\n"
        + "body = encoders.encode(Image.new('RGB', (80, 60), (200, 30, 30)), 'jpg', None)\n"
        + "print(encoders.JPEG_ENCODER, body[2:4] == b'\\xff\\xe0')"
    )
    root = Path(__file__).resolve().parents[1]  # this checkout's resizer, whatever the venv's editable install
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=root)
    assert result.stdout.strip() == shown


def test_jpegli_is_refused_as_a_setting_without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from resizer.core.config import BY_NAME, SettingError

    setting = BY_NAME["RESIZER_JPEG_ENCODER"]
    assert setting.default == "libjpeg" and setting.read("jpegli") == "jpegli"  # installed for the tests
    monkeypatch.setitem(sys.modules, "pyjpegli", None)  # `import pyjpegli` raises ImportError
    with pytest.raises(SettingError, match="RESIZER_JPEG_ENCODER: must be libjpeg: pyjpegli is not installed"):
        setting.read("jpegli")
    with pytest.raises(SettingError, match="must be one of libjpeg, jpegli"):
        setting.read("mozjpeg")


# -- JPEG through libjpeg: our tables and smoothing ----------------------------------------------


def unsmoothed_jpeg(image: Image.Image, quality: int, subsampling: str, smooth: int = 0) -> bytes:
    out = io.BytesIO()
    tables = encoders.JPEG_TABLES
    image.save(
        out,
        "JPEG",
        quality=quality,
        qtables=tables,
        optimize=True,
        progressive=True,
        subsampling=subsampling,
        smooth=smooth,
    )
    return out.getvalue()


def test_jpeg_does_not_smooth_its_input(libjpeg: str) -> None:
    """Input smoothing cost bytes at equal SSIMULACRA2 (docs/quality.md, table A): none, at any quality."""
    image = Image.blend(photo(), Image.effect_noise((400, 300), 20).convert("RGB"), 0.3)  # with grain
    plain = encoders.encode(image.copy(), "jpg", 78)
    assert plain == unsmoothed_jpeg(image, 78, "4:2:0")
    assert plain != unsmoothed_jpeg(image, 78, "4:2:0", smooth=20)  # the option would change the bytes
    assert encoders.encode(image.copy(), "jpg", 90) == unsmoothed_jpeg(image, 90, "4:4:4")


def test_jpeg_uses_our_tables_scaled_by_quality(libjpeg: str) -> None:
    low, high = (decode(encoders.encode(photo(), "jpg", q)) for q in (50, 90))
    assert list(low.quantization[0]) != list(high.quantization[0])
    assert low.quantization[0][0] == 16  # the table's base at q50 (libjpeg scales by 100 %)
    assert max(low.quantization[0]) <= 255 and low.quantization[0][63] > 100  # coarser at high frequency


def test_png_is_an_exact_palette_for_flat_colours_and_truecolour_for_rich_ones() -> None:
    flat = quadrants((200, 100))
    indexed = decode(encoders.encode(flat.copy(), "png", None))
    assert indexed.mode == "P" and indexed.convert("RGB").tobytes() == flat.tobytes()
    # Every pixel its own colour: no palette is faithful (few-coloured pictures: test_png_palette.py).
    rich = Image.merge("RGB", [Image.effect_noise((200, 100), 60 + 10 * band) for band in range(3)])
    full = decode(encoders.encode(rich.copy(), "png", None))
    assert full.mode == "RGB" and full.tobytes() == rich.tobytes()


def test_png_palette_keeps_partial_transparency_exactly() -> None:
    rgba = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    rgba.paste((0, 0, 255, 128), (0, 0, 32, 64))
    out = decode(encoders.encode(rgba.copy(), "png", None))
    assert out.mode == "P" and out.convert("RGBA").tobytes() == rgba.tobytes()


def test_avif_encodes_a_400px_photo_quickly() -> None:
    image = photo()
    encoders.encode(image.copy(), "avif", None)  # warm up the codec
    started = time.perf_counter()
    body = encoders.encode(image.copy(), "avif", None)
    # ≈35 ms on one core at speed 7; speed 0–4 would take seconds. Generous for a busy CI machine.
    assert time.perf_counter() - started < 0.5
    assert decode(body).size == (400, 300)


def test_avif_speed_is_the_setting_through_the_service(start_server, data_dir: Path, monkeypatch) -> None:
    """RESIZER_AVIF_SPEED reaches aom: each service's AVIF is the in-process encode at its speed."""
    from resizer.core.policy import Limits
    from resizer.core.spec import RenditionSpec
    from resizer.imaging import pipeline

    original = io.BytesIO()
    photo((960, 720)).save(original, "JPEG", quality=92)
    (data_dir / "originals" / "p.jpg").write_bytes(original.getvalue())
    path = "/media/w_320/f_avif/p.jpg"
    bodies = {}
    for speed in ("7", "9"):
        env = {"RESIZER_DATA_DIR": str(data_dir / speed)} | ({} if speed == "7" else {"RESIZER_AVIF_SPEED": speed})
        (data_dir / speed / "originals").mkdir(parents=True)
        (data_dir / speed / "originals" / "p.jpg").write_bytes(original.getvalue())
        answer = start_server(env).get(path)
        assert answer.status == 200 and answer.header("Content-Type") == "image/avif"
        bodies[speed] = answer.body

    spec = RenditionSpec("p.jpg", 320, format="avif")
    for speed, body in bodies.items():
        monkeypatch.setattr(encoders, "AVIF_SPEED", int(speed))
        assert body == pipeline.render(original.getvalue(), spec, "avif", Limits()).body, speed
    assert bodies["7"] != bodies["9"]
    exact = decode(
        pipeline.render(original.getvalue(), RenditionSpec("p.jpg", 320, format="png"), "png", Limits()).body
    )
    errors = {}
    for speed, body in bodies.items():
        image = decode(body)
        assert image.size == (320, 240) and image.mode == "RGB"
        errors[speed] = max(ImageStat.Stat(ImageChops.difference(image, exact.convert("RGB"))).mean)
    # The same picture either way (this one is noise at heart, hard on any encoder): speed is
    # paid in bytes, not in a different picture.
    assert errors["7"] < 6 and abs(errors["9"] - errors["7"]) < 0.5


def test_use_avif_speed_keeps_animations_at_least_at_speed_8(monkeypatch) -> None:
    monkeypatch.setattr(encoders, "AVIF_SPEED", encoders.AVIF_SPEED)
    assert (encoders.AVIF_SPEED, encoders.animated_avif_speed()) == (7, 8)  # the defaults
    encoders.use_avif_speed(6)
    assert (encoders.AVIF_SPEED, encoders.animated_avif_speed()) == (6, 8)
    encoders.use_avif_speed(9)
    assert (encoders.AVIF_SPEED, encoders.animated_avif_speed()) == (9, 9)
