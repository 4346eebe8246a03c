"""Hostile originals, generated: bombs, polyglots, lies about the format, broken files.

Each is small on the wire and built here from scratch (no fixture files), so the suite shows
exactly what an attacker would upload.
"""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache

from PIL import Image

from tests.support.images import encode, jpeg, png, quadrants

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PAYLOAD = b"<script>alert('owned')</script>"
BOMB = 32 << 20  # inflated size of the text-chunk bombs: 32 times Pillow's 1 MiB chunk limit


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def inflating_to(size: int, step: int = 1 << 20) -> bytes:
    """zlib data that inflates to `size` zero bytes (≈ 1000:1), built without holding `size` bytes."""
    compressor = zlib.compressobj(9)
    block = b"\0" * min(step, size)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, compressor.flush()])


def raw_png(width: int, height: int, idat: bytes, *, before: bytes = b"", after: bytes = b"") -> bytes:
    """An 8-bit RGB PNG with the header and image data given, and extra chunks around IDAT."""
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return PNG_MAGIC + header + before + chunk(b"IDAT", idat) + after + chunk(b"IEND", b"")


def tiny_idat(width: int = 10, height: int = 10) -> bytes:
    return zlib.compress(b"\0" * (3 * width + 1) * height)


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge canvas while its data is a few bytes."""
    return raw_png(width, height, zlib.compress(b"\0" * 64))


@cache
def idat_bomb(width: int, height: int, inflated: int = 100 << 20) -> bytes:
    """Image data that inflates far beyond what the header's canvas can hold."""
    return raw_png(width, height, inflating_to(inflated))


@cache
def ztxt_bomb(after_idat: bool = False) -> bytes:
    text = chunk(b"zTXt", b"comment\0\0" + inflating_to(BOMB))
    return raw_png(10, 10, tiny_idat(), **{"after" if after_idat else "before": text})


@cache
def itxt_bomb() -> bytes:
    text = chunk(b"iTXt", b"comment\0\x01\0\0\0" + inflating_to(BOMB))
    return raw_png(10, 10, tiny_idat(), before=text)


@cache
def iccp_bomb() -> bytes:
    return raw_png(10, 10, tiny_idat(), before=chunk(b"iCCP", b"icc\0\0" + inflating_to(BOMB)))


@cache
def many_text_chunks() -> bytes:
    """70 zTXt chunks of 1 MB each: every one within the chunk limit, together over the 64 MiB total."""
    one = inflating_to(1_000_000, 1_000_000)
    texts = b"".join(chunk(b"zTXt", b"k%d\0\0" % i + one) for i in range(70))
    return raw_png(10, 10, tiny_idat(), before=texts)


def png_bad_crc() -> bytes:
    data = bytearray(png((40, 30)))
    data[29] ^= 0xFF  # inside IHDR's CRC
    return bytes(data)


def jpeg_declaring(width: int, height: int) -> bytes:
    data = jpeg((40, 30))
    at = data.find(b"\xff\xc0") + 5  # SOF0: marker, length (2), precision (1), then height, width
    return data[:at] + struct.pack(">HH", height, width) + data[at + 4 :]


def gif_declaring(width: int, height: int) -> bytes:
    data = encode(quadrants((40, 30)), "GIF")
    return data[:6] + struct.pack("<HH", width, height) + data[10:]


@cache
def gif_frames(count: int) -> bytes:
    frames = [Image.new("L", (2, 2), i % 256) for i in range(count)]  # distinct, or Pillow merges them
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=20)


def apng_declaring_frames(count: int) -> bytes:
    """An APNG whose acTL chunk claims `count` frames while it holds one."""
    actl = chunk(b"acTL", struct.pack(">II", count, 0))
    return raw_png(10, 10, tiny_idat(), before=actl)


def webp_frames(count: int) -> bytes:
    frames = [Image.new("RGB", (4, 4), (i % 256, 0, 0)) for i in range(count)]
    return encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=20, lossless=True)


def psd() -> bytes:
    """A minimal 3-channel Photoshop file (Pillow reads PSD but cannot write it)."""
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 30, 40, 8, 3)
    sections = struct.pack(">I", 0) * 3 + struct.pack(">H", 0)  # colour mode, resources, layers; raw data
    return header + sections + b"\0" * (3 * 30 * 40)


def foreign(fmt: str) -> bytes:
    """A real file of a format outside the allow-list (EPS, TIFF, BMP, ICO, …)."""
    return psd() if fmt == "PSD" else encode(quadrants((40, 30)), fmt)


def jpeg_with_html_tail() -> bytes:
    """A valid JPEG with a page appended: browsers sniffing it would see HTML."""
    return jpeg((40, 30)) + b"<html><body>" + PAYLOAD + b"</body></html>"


def gif_js_polyglot() -> bytes:
    """`GIF89a` that is also JavaScript: the classic content-sniffing polyglot, not a decodable GIF."""
    return b"GIF89a/*\x0a\x00\x0a\x00\x00\xff\x00*/=1;" + PAYLOAD


def png_with_payload_text() -> bytes:
    return raw_png(10, 10, tiny_idat(), before=chunk(b"tEXt", b"Comment\0" + PAYLOAD + b"<?php system($_GET[1]); ?>"))


def jpeg_with_huge_app_segment() -> bytes:
    data = jpeg((40, 30))
    segment = b"\xff\xe1" + struct.pack(">H", 65535) + b"Exif\0\0" + b"\xaa" * (65535 - 8)
    return data[:2] + segment + data[2:]


def svg_with_script() -> bytes:
    return b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><script>" + PAYLOAD + b"</script></svg>"


def truncated_jpeg() -> bytes:
    data = jpeg((400, 300))
    return data[: len(data) // 2]


def truncated_png() -> bytes:
    data = png((400, 300))
    return data[: len(data) - 40]


def decoded_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size
