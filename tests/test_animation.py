"""Animated GIF, WebP and APNG: frames, timing and loop count survive when the output can hold them."""

from __future__ import annotations

import pytest
from PIL import Image

from resizer.core.errors import Unprocessable
from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import pipeline
from tests.support.images import close, decode, encode

COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
DURATIONS = [100, 200, 300, 400]


def animation(fmt: str, loop: int | None = 0, alpha: bool = False) -> bytes:
    """Four 200×100 frames, one flat colour each (left half transparent when `alpha`)."""
    frames = []
    for colour in COLOURS:
        frame = Image.new("RGBA", (200, 100), (*colour, 255))
        if alpha:
            frame.paste((0, 0, 0, 0), (0, 0, 100, 100))
        frames.append(frame if alpha or fmt == "PNG" else frame.convert("RGB"))
    loop_option = {} if loop is None else {"loop": loop}
    extra = {"disposal": 2} if fmt == "GIF" else {}
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=DURATIONS, **loop_option, **extra)


def render(data: bytes, output: str | None = None, accept_auto: bool = False, **options) -> pipeline.Rendered:
    spec = RenditionSpec("k", format="auto" if accept_auto else None, **options)
    return pipeline.render(data, spec, output, Limits())


def frames_of(body: bytes) -> list[tuple[Image.Image, int]]:
    image = decode(body)
    found = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        found.append((image.convert("RGBA"), image.info.get("duration", 0)))
    return found


@pytest.mark.parametrize(
    ("source", "output", "fmt"),
    [
        ("GIF", None, "GIF"),
        ("GIF", "webp", "WEBP"),
        ("WEBP", None, "WEBP"),
        ("WEBP", "gif", "GIF"),
        ("PNG", "webp", "WEBP"),
        ("GIF", "avif", "AVIF"),
        ("PNG", "avif", "AVIF"),
    ],
)
def test_animation_is_kept_with_every_frame_and_its_timing(source: str, output: str | None, fmt: str) -> None:
    result = render(animation(source), output, width=100)
    assert decode(result.body).format == fmt and result.size == (100, 50)
    frames = frames_of(result.body)
    assert [duration for _, duration in frames] == DURATIONS
    for (frame, _), colour in zip(frames, COLOURS, strict=True):
        assert frame.size == (100, 50)
        assert close(frame.getpixel((50, 25))[:3], colour, 8), (frame.getpixel((50, 25)), colour)
    if fmt != "AVIF":  # Pillow's AVIF reader does not report a loop count (its writer takes one)
        assert decode(result.body).info.get("loop") == 0


@pytest.mark.parametrize("loop", [None, 0, 3])
def test_gif_loop_count_is_kept(loop: int | None) -> None:
    gif = decode(render(animation("GIF", loop=loop), width=100).body)
    assert gif.info.get("loop") == loop
    webp = decode(render(animation("GIF", loop=loop), "webp", width=100).body)
    assert webp.info.get("loop") == (1 if loop is None else loop)  # WebP has no "absent": play once


@pytest.mark.parametrize("output", ["gif", "webp"])
def test_transparent_frames_do_not_show_the_frame_before(output: str) -> None:
    frames = frames_of(render(animation("GIF", alpha=True), output, width=100).body)
    assert len(frames) == 4
    for (frame, _), colour in zip(frames, COLOURS, strict=True):
        assert frame.getpixel((10, 25))[3] == 0  # still transparent in every frame
        assert close(frame.getpixel((90, 25))[:3], colour, 8)


@pytest.mark.parametrize(("source", "output"), [("GIF", "jpg"), ("GIF", "png"), ("PNG", None)])
def test_outputs_without_animation_get_the_first_frame(source: str, output: str | None) -> None:
    result = render(animation(source), output, width=100)
    image = decode(result.body)
    assert getattr(image, "n_frames", 1) == 1 and image.size == (100, 50)
    assert close(image.convert("RGBA").getpixel((50, 25))[:3], COLOURS[0], 8)


def test_f_auto_gives_an_animated_avif_when_avif_is_accepted() -> None:
    """docs/urls.md: f_auto is AVIF when Accept names it; the animation survives (AVIF holds one)."""
    result = render(animation("GIF"), "avif", accept_auto=True, width=100)
    assert result.format == "avif" and result.content_type == "image/avif"
    assert [duration for _, duration in frames_of(result.body)] == DURATIONS


def test_animated_frames_are_cropped_alike() -> None:
    result = render(animation("GIF"), width=50, height=50, crop="fill")
    frames = frames_of(result.body)
    assert len(frames) == 4 and all(frame.size == (50, 50) for frame, _ in frames)


def flat_frames(count: int, size: tuple[int, int]) -> bytes:
    frames = [Image.new("L", size, 10 * i) for i in range(count)]  # distinct, or Pillow merges them
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=40, loop=0)


def test_an_animation_is_bounded_by_its_pixels_across_frames() -> None:
    # Twenty 300×300 frames kept as they are: 1.8 million pixels held at once, over a limit of one
    # million that each frame alone is well within.
    data, limits = flat_frames(20, (300, 300)), Limits(max_source_pixels=1_000_000)
    with pytest.raises(Unprocessable) as error:
        pipeline.render(data, RenditionSpec("k"), None, limits)
    assert error.value.message == ("too many pixels across frames: 20 frames of 300×300; the limit is 1000000 in all")
    with pytest.raises(Unprocessable, match="across frames"):
        pipeline.render(data, RenditionSpec("k", width=250), "webp", limits)  # 1.25 million
    smaller = pipeline.render(data, RenditionSpec("k", width=200), None, limits)  # 0.8 million
    assert len(frames_of(smaller.body)) == 20
    still = pipeline.render(data, RenditionSpec("k"), "png", limits)  # the first frame alone
    assert still.size == (300, 300)
