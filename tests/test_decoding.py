"""Images that Pillow decodes are rendered, and only decoding failures are 422: the file classes a
run over public test corpora found refused (tiny strips with g_auto, APNGs whose later frames are
out of sequence, PNGs with an unreadable eXIf chunk), and our own bugs are not blamed on them."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from resizer.core.errors import Unprocessable
from resizer.core.policy import Limits
from resizer.core.spec import Grammar
from resizer.imaging import encoders, pipeline
from tests.support.hostile import chunk
from tests.support.images import decode, encode

GRAMMAR = Grammar({}, max_dimension=4096)


def render(data: bytes, path: str, output: str | None = None) -> Image.Image:
    rendered = pipeline.render(data, GRAMMAR.parse(f"{path}/k.png").spec, output, Limits())
    image = decode(rendered.body)
    assert image.size == rendered.size
    return image


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    found, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        found.append((png[at + 4 : at + 8], png[at + 8 : at + 8 + length]))
        at += 12 + length
    return found


def assemble(parts: list[tuple[bytes, bytes]]) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunk(kind, data) for kind, data in parts)


def palette_strip(size: tuple[int, int]) -> bytes:
    strip = Image.new("P", size)
    strip.putpalette([value for index in range(256) for value in (index, 255 - index, 40)])
    strip.putdata([index % 256 for index in range(size[0] * size[1])])
    return encode(strip, "PNG")


@pytest.mark.parametrize("size", [(256, 1), (2, 1), (1, 2), (3, 1), (1, 1), (5, 2)])
def test_fill_with_auto_gravity_renders_strips_a_pixel_or_two_high(size: tuple[int, int]) -> None:
    image = render(palette_strip(size), "w_300/h_300/c_fill/g_auto")
    side = min(size)  # the largest square the original holds: never enlarged
    assert (image.format, image.size) == ("PNG", (side, side))
    # The square comes from inside the strip: its pixels are the strip's colours.
    assert image.convert("RGB").getpixel((0, 0))[2] == 40


def test_fill_with_auto_gravity_on_a_three_pixel_animated_png() -> None:
    frames = [Image.new("RGB", (3, 1), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    data = encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100, loop=0)
    image = render(data, "w_300/h_300/c_fill/g_auto", "webp")
    assert (image.format, image.size, getattr(image, "n_frames", 1)) == ("WEBP", (1, 1), 2)


def apng_with_a_broken_last_frame() -> bytes:
    """Three frames, the last fdAT chunk's sequence number out of order (as Pillow's
    apng/sequence_gap.png): Pillow decodes frames 0 and 1 and refuses to seek to frame 2."""
    colours = ((255, 0, 0), (0, 255, 0), (0, 0, 255))
    frames = [Image.new("RGB", (40, 30), colour) for colour in colours]
    good = encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0)
    parts = chunks(good)
    last = max(index for index, (kind, _) in enumerate(parts) if kind == b"fdAT")
    kind, data = parts[last]
    parts[last] = (kind, struct.pack(">I", struct.unpack(">I", data[:4])[0] + 7) + data[4:])
    return assemble(parts)


def test_an_animated_png_plays_the_frames_that_decode() -> None:
    data = apng_with_a_broken_last_frame()
    with Image.open(io.BytesIO(data)) as source:
        assert source.n_frames == 3
        with pytest.raises(SyntaxError):
            source.seek(2)  # Pillow itself refuses the last frame
    for output in ("webp", "avif", "gif"):
        image = render(data, "w_20", output)
        assert image.format == output.upper() and image.size == (20, 15)
        assert image.n_frames == 2
        image.seek(1)
        assert image.convert("RGB").getpixel((10, 7))[1] > 200  # frame 1 is the green one
    still = render(data, "w_20")
    assert (still.format, still.size) == ("PNG", (20, 15))
    assert still.convert("RGB").getpixel((10, 7))[0] > 200


def test_an_animated_png_whose_first_frame_does_not_decode_is_422() -> None:
    parts = chunks(apng_with_a_broken_last_frame())
    parts = [(kind, b"\x00" * len(data) if kind == b"IDAT" else data) for kind, data in parts]
    with pytest.raises(Unprocessable, match="could not be decoded"):
        render(assemble(parts), "w_20", "webp")


@pytest.mark.parametrize(
    "exif",
    [b"Exif\x00\x00Exif\x00\x00MM\x00*\x00\x00\x00\x08", b"not exif at all", b"MM\x00*\x00\x00\xff\xff"],
    ids=["doubled-header", "garbage", "bad-offset"],
)
def test_a_png_with_an_unreadable_exif_chunk_renders_as_if_it_had_none(exif: bytes) -> None:
    picture = Image.new("RGB", (50, 40), (200, 30, 30))
    parts = chunks(encode(picture, "PNG"))
    parts.insert(1, (b"eXIf", exif))
    image = render(assemble(parts), "w_20")
    assert (image.format, image.size) == ("PNG", (20, 16))  # not turned: no orientation was read
    assert image.convert("RGB").getpixel((10, 8)) == (200, 30, 30)


def test_our_own_bug_while_encoding_is_not_reported_as_an_undecodable_original(monkeypatch) -> None:
    def broken(image: Image.Image, fmt: str, quality: int | None) -> bytes:
        raise KeyError(fmt)

    monkeypatch.setattr(encoders, "encode", broken)
    with pytest.raises(KeyError):
        render(encode(Image.new("RGB", (50, 40)), "PNG"), "w_20")


def test_a_decoder_failure_is_still_422_with_the_reason_in_the_log(caplog) -> None:
    data = encode(Image.new("RGB", (50, 40)), "PNG")
    broken = data[:60] + zlib.compress(b"\xff" * 10)[:8] + data[68:]
    with pytest.raises(Unprocessable, match="could not be decoded"):
        render(broken, "w_20")
    assert "undecodable original 'k.png'" in caplog.text
