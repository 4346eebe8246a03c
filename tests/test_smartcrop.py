"""g_auto: a fill crop that keeps the subject where a centre crop would cut it."""

from __future__ import annotations

import math

import pytest
from PIL import Image, ImageDraw

from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import pipeline, smartcrop
from tests.support.images import decode, encode

SUBJECT = (230, 40, 40)


def scene(size: tuple[int, int], centre: tuple[int, int], radius: int) -> Image.Image:
    """A detailed, colourful subject (striped disc) on a smooth, dull backdrop."""
    backdrop = Image.linear_gradient("L").resize(size).point(lambda v: 150 + v // 8).convert("RGB")
    subject = Image.new("RGB", (radius * 2, radius * 2), SUBJECT)
    draw = ImageDraw.Draw(subject)
    for x in range(0, radius * 2, 8):
        draw.line((x, 0, x, radius * 2), fill=(250, 220, 60), width=3)
    mask = Image.new("L", subject.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, radius * 2 - 1, radius * 2 - 1), fill=255)
    backdrop.paste(subject, (centre[0] - radius, centre[1] - radius), mask)
    return backdrop


def subject_share(image: Image.Image) -> float:
    """How much of the subject's colour the rendition shows (reds and yellows of the disc)."""
    pixels = image.convert("RGB").get_flattened_data()
    hits = sum(1 for r, g, b in pixels if r > 200 and b < 110)
    return hits / (image.width * image.height)


def render(original: Image.Image, **options) -> Image.Image:
    spec = RenditionSpec("k", crop="fill", **options)
    return decode(pipeline.render(encode(original, "JPEG", quality=92), spec, "png", Limits()).body)


@pytest.mark.parametrize(
    ("size", "centre", "box"),
    [
        ((1200, 600), (180, 300), (300, 300)),  # subject at the left of a landscape, square crop
        ((1200, 600), (1050, 320), (300, 300)),  # at the right
        ((600, 1200), (300, 1040), (300, 300)),  # near the bottom of a portrait
        ((600, 1200), (300, 150), (400, 200)),  # near the top, wide crop
    ],
)
def test_auto_keeps_the_subject_that_a_centre_crop_cuts(size, centre, box) -> None:
    original = scene(size, centre, 140)
    centred = render(original, width=box[0], height=box[1])
    auto = render(original, width=box[0], height=box[1], gravity="auto")
    assert auto.size == centred.size == box
    # What share of the crop the whole disc covers: the region is the box scaled up to the source.
    scale = max(box[0] / size[0], box[1] / size[1])
    disc = math.pi * 140**2 * scale**2 / (box[0] * box[1])
    assert subject_share(centred) < 0.1 * disc  # the centre crop misses the subject
    assert subject_share(auto) > 0.8 * disc  # g_auto shows (nearly) all of it


def test_a_featureless_picture_crops_like_centre() -> None:
    flat = Image.new("RGB", (800, 400), (120, 130, 140))
    flat.paste((200, 60, 60), (390, 0, 410, 400))  # a thin bar exactly in the middle
    auto = render(flat, width=200, height=200, gravity="auto").convert("RGB")
    assert auto.getpixel((100, 100))[0] > 180


def test_auto_leaves_fit_and_pad_and_uncropped_plans_alone() -> None:
    from resizer.imaging import geometry

    image = scene((1200, 600), (180, 300), 140)
    for spec in (
        RenditionSpec("k", width=300, gravity="auto"),
        RenditionSpec("k", width=300, height=300, crop="pad", gravity="auto"),
        RenditionSpec("k", width=600, height=300, crop="fill", gravity="auto"),  # same aspect: no slack
    ):
        plan = geometry.plan(image.size, spec)
        assert smartcrop.refine(image, plan, spec) == plan


def test_auto_analyses_a_small_copy_of_a_large_original(monkeypatch) -> None:
    # What keeps g_auto cheap whatever the original's size (figures: bench/limits_time.py).
    from resizer.imaging import geometry

    analysed = []
    profile = smartcrop.profile

    def spy(energy: Image.Image, horizontal: bool) -> list[float]:
        analysed.append(energy.size)
        return profile(energy, horizontal)

    monkeypatch.setattr(smartcrop, "profile", spy)
    image = scene((4000, 3000), (500, 1500), 400)
    spec = RenditionSpec("k", width=400, height=400, crop="fill", gravity="auto")
    plan = geometry.plan(image.size, spec)
    refined = smartcrop.refine(image, plan, spec)
    assert analysed == [(smartcrop.SAMPLE, smartcrop.SAMPLE * 3 // 4)]  # 96×72, not 4000×3000
    assert refined.region[0] < plan.region[0]  # and it still found the subject at the left
