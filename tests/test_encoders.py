"""Encoder defaults: chroma subsampling, our JPEG tables, exact palette PNG, AVIF speed."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image, JpegImagePlugin

from resizer.imaging import encoders
from tests.support.images import decode, quadrants


def photo(size: tuple[int, int] = (400, 300)) -> Image.Image:
    noise = Image.effect_noise((size[0] // 8, size[1] // 8), 60).convert("RGB").resize(size, Image.Resampling.BICUBIC)
    return Image.blend(noise, quadrants(size), 0.5)


@pytest.mark.parametrize(("quality", "sampling"), [(78, 2), (89, 2), (90, 0), (100, 0)])  # 2: 4:2:0, 0: 4:4:4
def test_jpeg_halves_chroma_only_below_the_fidelity_threshold(quality: int, sampling: int) -> None:
    image = decode(encoders.encode(photo(), "jpg", quality))
    assert JpegImagePlugin.get_sampling(image) == sampling
    assert image.info.get("progressive") == 1


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


def test_jpeg_does_not_smooth_its_input() -> None:
    """Input smoothing cost bytes at equal SSIMULACRA2 (docs/quality.md, table A): none, at any quality."""
    image = Image.blend(photo(), Image.effect_noise((400, 300), 20).convert("RGB"), 0.3)  # with grain
    plain = encoders.encode(image.copy(), "jpg", 78)
    assert plain == unsmoothed_jpeg(image, 78, "4:2:0")
    assert plain != unsmoothed_jpeg(image, 78, "4:2:0", smooth=20)  # the option would change the bytes
    assert encoders.encode(image.copy(), "jpg", 90) == unsmoothed_jpeg(image, 90, "4:4:4")


def test_jpeg_uses_our_tables_scaled_by_quality() -> None:
    low, high = (decode(encoders.encode(photo(), "jpg", q)) for q in (50, 90))
    assert list(low.quantization[0]) != list(high.quantization[0])
    assert low.quantization[0][0] == 16  # the table's base at q50 (libjpeg scales by 100 %)
    assert max(low.quantization[0]) <= 255 and low.quantization[0][63] > 100  # coarser at high frequency


def test_grey_jpeg_stays_single_channel() -> None:
    image = decode(encoders.encode(Image.new("L", (64, 64), 90), "jpg", None))
    assert image.mode == "L" and len(image.quantization) == 1


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
