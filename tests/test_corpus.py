"""bench/corpus.py, the public-corpora check, run over a small corpus made here: the harness itself
is tested (its verdicts, its judging of answers, its memory figures) against the real service."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bench.corpus import PROBES, Source, check, examine, gather, judge, settings_limits
from tests.support import hostile
from tests.support.images import encode, jpeg, png, quadrants

PROBE = {probe.name: probe for probe in PROBES}


def exif_rotated() -> bytes:
    """A 400×300 PNG whose eXIf chunk says "rotate 90°": served upright, 300×400."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(quadrants((400, 300)), "PNG", exif=exif.tobytes())


def apng() -> bytes:
    frames = [quadrants((60, 40)).rotate(180 * i) for i in range(3)]
    return encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100, loop=0)


def many_frames_gif(count: int) -> bytes:
    frames = [Image.new("L", (24, 16), i % 256) for i in range(count)]  # distinct, or Pillow merges them
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=30, loop=0)


def palette_png() -> bytes:
    image = quadrants((50, 30)).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    return encode(image, "PNG", transparency=0)


def cmyk_jpeg() -> bytes:
    return encode(Image.new("CMYK", (80, 60), (200, 0, 0, 0)), "JPEG", quality=90)


def grey16_png() -> bytes:
    return encode(Image.linear_gradient("L").resize((64, 40)).convert("I;16"), "PNG")


CORPUS = {
    "strips/wide.png": lambda: png((500, 1)),
    "strips/tall.jpg": lambda: jpeg((1, 500)),
    "palette/transparent.png": palette_png,
    "palette/flat.gif": lambda: encode(quadrants((40, 40)).convert("P"), "GIF"),
    "animated/three.apng": apng,
    "animated/ninety.gif": lambda: many_frames_gif(90),
    "deep/grey16.png": grey16_png,
    "jpeg/cmyk.jpg": cmyk_jpeg,
    "jpeg/progressive.jpg": lambda: jpeg((320, 240), progressive=True),
    "exif/rotated.png": exif_rotated,
    "broken/truncated.jpg": hostile.truncated_jpeg,
    "broken/notes.txt": lambda: b"not a picture\n",
    "foreign/quadrants.bmp": lambda: hostile.foreign("BMP"),
    "limits/too-many-frames.gif": lambda: many_frames_gif(101),
}
REFUSED = {
    "broken/truncated.jpg": "Pillow cannot decode it",
    "broken/notes.txt": "Pillow cannot open it",
    "foreign/quadrants.bmp": "not an allowed format (BMP)",
    "limits/too-many-frames.gif": "over the frame limit (101 frames)",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "made"
    for name, make in CORPUS.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make())
    return root


def test_the_made_corpus_passes_with_every_answer_judged(corpus: Path, tmp_path: Path) -> None:
    report = check([corpus], tmp_path)
    assert report.findings == []
    assert not report.skipped and not report.originals_changed
    results = {result.key.removeprefix("made/"): result for result in report.results}
    assert results.keys() == CORPUS.keys()
    for name, result in results.items():
        statuses = {answer.status for answer in result.answers}
        assert len(result.answers) == len(PROBES)
        if name in REFUSED:
            assert statuses == {422} and result.source.verdict.startswith(REFUSED[name]), (name, result.source)
        else:
            assert statuses == {200} and result.source.decodes, (name, result.answers)
    # The harness read what it judged: the rotated PNG upright, the animation's frames.
    assert results["exif/rotated.png"].source.size == (300, 400)
    assert results["animated/ninety.gif"].source.frames == 90
    # and it measured the worker: a resident set, and each original charged what it added.
    assert report.idle_mib > 20 and report.peak_mib >= report.idle_mib
    assert all(result.cost_mib >= 0 for result in report.results)


def test_a_refusal_of_what_pillow_decodes_is_a_finding(corpus: Path) -> None:
    source = examine(corpus / "palette/transparent.png", settings_limits({}))
    assert source.decodes and source.size == (50, 30)
    assert judge(PROBE["w_300"], 422, "text/plain", b"", source) == "422, yet Pillow decodes it within the limits"
    assert judge(PROBE["w_300"], 500, "text/plain", b"", source) == "status 500"
    assert judge(PROBE["w_300"], 404, "text/plain", b"", source) == "status 404"
    # A 422 where Pillow refuses too is the answer wanted; a 200 there passed a limit by.
    refused = examine(corpus / "limits/too-many-frames.gif", settings_limits({}))
    assert judge(PROBE["w_300"], 422, "text/plain", b"", refused) is None
    assert judge(PROBE["optimized"], 200, "image/gif", (corpus / "palette/flat.gif").read_bytes(), refused)


def test_a_wrong_image_in_a_200_is_a_finding() -> None:
    source = Source("decodes", "PNG", (400, 300))
    right = encode(quadrants((300, 225)), "PNG")
    assert judge(PROBE["w_300"], 200, "image/png", right, source) is None
    assert judge(PROBE["w_300"], 200, "image/webp", right, source) == "the body is PNG, declared image/webp"
    enlarged = encode(quadrants((500, 375)), "PNG")
    assert "expected (300, 225)" in judge(PROBE["w_300"], 200, "image/png", enlarged, source)
    assert "image/png where ['image/webp']" in judge(PROBE["webp_200"], 200, "image/png", right, source)
    assert judge(PROBE["w_300"], 200, "image/png", right[:-30], source).startswith("the 200's body does not decode")
    # The square fill of a source smaller than its box shrinks to the source's short side.
    small = Source("decodes", "PNG", (120, 80))
    assert judge(PROBE["fill_300"], 200, "image/png", encode(quadrants((80, 80)), "PNG"), small) is None


def test_the_corpus_keys_are_the_directory_and_the_path_inside_it(corpus: Path, tmp_path: Path) -> None:
    originals = tmp_path / "originals"
    keys, skipped = gather([corpus], originals)
    assert sorted(keys) == sorted(f"made/{name}" for name in CORPUS) and not skipped
    assert (originals / "made/exif/rotated.png").read_bytes() == exif_rotated()


def test_an_animation_over_its_pixels_across_frames_is_refused_only_where_it_stays_animated() -> None:
    # Twenty 300×300 frames under a limit of one million pixels: 1.8 million kept as they are.
    source = Source("decodes", "GIF", (300, 300), frames=20, max_pixels=1_000_000)
    assert judge(PROBE["optimized"], 422, "text/plain", b"", source) is None
    assert judge(PROBE["optimized"], 200, "image/gif", b"", source).startswith("200, yet too many pixels across")
    assert judge(PROBE["webp_200"], 200, "image/webp", encode(quadrants((200, 200)), "WEBP"), source) is None
    # A PNG holds the first frame only: no reason to refuse it.
    assert judge(PROBE["png_100"], 422, "text/plain", b"", source) == "422, yet Pillow decodes it within the limits"
