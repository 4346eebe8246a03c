"""Originals generated in the tests, and decoding of what the service answers."""

from __future__ import annotations

import io

from PIL import Image, ImageFile


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def decode(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


def quadrants(size: tuple[int, int] = (400, 300)) -> Image.Image:
    """Four flat colours: red top-left, green top-right, blue bottom-left, white bottom-right.

    Flat areas make pixel assertions robust to resampling and compression.
    """
    width, height = size
    image = Image.new("RGB", size)
    half_w, half_h = width // 2, height // 2
    image.paste((255, 0, 0), (0, 0, half_w, half_h))
    image.paste((0, 255, 0), (half_w, 0, width, half_h))
    image.paste((0, 0, 255), (0, half_h, half_w, height))
    image.paste((255, 255, 255), (half_w, half_h, width, height))
    return image


def jpeg(size: tuple[int, int] = (400, 300), **params: object) -> bytes:
    return encode(quadrants(size), "JPEG", quality=95, **params)


def png(size: tuple[int, int] = (400, 300)) -> bytes:
    return encode(quadrants(size), "PNG")


def close(actual: tuple, expected: tuple, tolerance: int = 24) -> bool:
    """Colour within tolerance per channel (lossy codecs shift flat colours a little)."""
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


def noise_jpeg(size: tuple[int, int] = (3000, 2000)) -> bytes:
    """Grey noise: nothing to compress, so a full-size PNG rendition of it takes a second or so."""
    noise = Image.effect_noise(size, 80)
    return encode(Image.merge("RGB", [noise] * 3), "JPEG", quality=85)


def frames_of(body: bytes) -> list[Image.Image]:
    """Every frame of an answered animation, as RGB."""
    image = decode(body)
    found = []
    for index in range(image.n_frames):
        image.seek(index)
        found.append(image.convert("RGB"))
    return found


def record_loads(monkeypatch) -> list[tuple[int, int]]:
    """The size of every picture Pillow decodes from now on (a spy on Image.load that observes,
    and changes nothing): how far a JPEG was shrunk on load. `monkeypatch.undo()` ends it."""
    loaded: list[tuple[int, int]] = []
    load = Image.Image.load

    def spy(self: Image.Image):
        result = load(self)
        loaded.append(self.size)
        return result

    monkeypatch.setattr(Image.Image, "load", spy)
    return loaded


def record_decodes(monkeypatch) -> list[tuple[str, tuple[int, int]]]:
    """The format and size of every original Pillow decodes from now on: a spy on ImageFile.load
    that counts only the calls that decode (the file still has tiles to read), and changes nothing."""
    decoded: list[tuple[str, tuple[int, int]]] = []
    load = ImageFile.ImageFile.load

    def spy(self: ImageFile.ImageFile):
        pending = bool(self.tile)
        result = load(self)
        if pending:
            decoded.append((self.format, self.size))
        return result

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return decoded
