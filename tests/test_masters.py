"""Decode once, render many: the masters cache, the pipeline's shared decode and frames, and a
burst through the service. Decodes are counted with a spy on Pillow's ImageFile.load; outputs are
compared with the same renditions made alone, by their bytes or their pixel values.
"""

from __future__ import annotations

import asyncio
import io
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from django.core.files.storage import FileSystemStorage
from PIL import Image
from prometheus_client import REGISTRY

from resizer.conf import config
from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import pipeline
from resizer.imaging.masters import Masters, nbytes
from resizer.server.service import Service
from resizer.stores.objects import FileObjects
from tests.support.images import decode, encode, quadrants, record_decodes

WIDTHS = (320, 640, 960, 1280)
FORMATS = ("avif", "webp", "jpg")
MIB = 1024 * 1024


def photo(size: tuple[int, int] = (4000, 3000), seed: int = 1) -> bytes:
    """Smooth colour fields and sensor-like grain (σ 6): a photograph's detail, made without a file."""
    rng = np.random.default_rng(seed)
    coarse = Image.fromarray(rng.integers(0, 256, (size[1] // 16, size[0] // 16, 3), dtype=np.uint8))
    fields = np.asarray(coarse.resize(size, Image.Resampling.BICUBIC)).astype(float)
    grain = rng.normal(0, 6, (size[1], size[0], 1))
    return encode(Image.fromarray(np.clip(fields + grain, 0, 255).astype(np.uint8)), "JPEG", quality=90)


def pixels(body: bytes) -> np.ndarray:
    return np.asarray(decode(body).convert("RGBA")).astype(int)


def colour_at(body: bytes, xy: tuple[int, int]) -> tuple[int, ...]:
    return decode(body).convert("RGBA").getpixel(xy)


def picture(size: tuple[int, int]) -> Image.Image:
    return Image.new("RGB", size)


# -- the cache -----------------------------------------------------------------------------------


def test_entries_are_bounded_by_bytes_least_recently_used_first() -> None:
    masters = Masters(3 * nbytes(picture((100, 100))))
    for name in ("a", "b", "c"):
        masters.get([name], lambda: picture((100, 100)), name)
    masters.get(["a"], pytest.fail, "a")  # kept: no make; and now the most recently used
    masters.get(["d"], lambda: picture((100, 100)), "d")
    assert masters.size <= masters.max_bytes
    assert len(masters) == 3
    made = []
    masters.get(["b"], lambda: made.append("b") or picture((100, 100)), "b")  # the oldest went
    assert made == ["b"]
    masters.get(["a"], pytest.fail, "a")


def test_entries_expire_after_their_seconds() -> None:
    now = [1000.0]
    masters = Masters(10 * MIB, ttl=15, clock=lambda: now[0])
    masters.get(["a"], lambda: picture((10, 10)), "a")
    now[0] += 14.9
    masters.get(["a"], pytest.fail, "a")
    now[0] += 0.2
    made = []
    masters.get(["a"], lambda: made.append("a") or picture((10, 10)), "a")
    assert made == ["a"]


def test_a_picture_larger_than_the_bound_is_used_but_never_kept() -> None:
    masters = Masters(nbytes(picture((100, 100))))
    masters.get(["small"], lambda: picture((50, 50)), "small")
    large = masters.get(["large"], lambda: picture((200, 200)), "large")
    assert large.size == (200, 200)
    assert len(masters) == 1 and masters.size == nbytes(picture((50, 50)))  # nothing flushed for it


def test_the_first_acceptable_kept_entry_is_taken() -> None:
    masters = Masters(10 * MIB)
    fine = masters.get([("x", 2)], lambda: picture((20, 20)), ("x", 2))
    assert masters.get([("x", 8), ("x", 4), ("x", 2)], pytest.fail, ("x", 8)) is fine


def test_kept_finds_an_entry_kept_or_being_made_and_never_makes_one() -> None:
    masters = Masters(10 * MIB)
    assert masters.kept([("x", 2), ("x", 4)]) is None
    fine = masters.get([("x", 2)], lambda: picture((20, 20)), ("x", 2))
    assert masters.kept([("x", 1), ("x", 2)]) is fine
    slow, found = threading.Event(), []
    maker = threading.Thread(target=masters.get, args=([("y", 2)], lambda: slow.wait(5) and picture((8, 8)), ("y", 2)))
    maker.start()
    time.sleep(0.05)
    waiter = threading.Thread(target=lambda: found.append(masters.kept([("y", 2)])))
    waiter.start()
    time.sleep(0.05)
    assert not found  # waiting for the one being made
    slow.set()
    maker.join()
    waiter.join()
    assert found[0].size == (8, 8)
    assert Masters(0).kept([("x", 2)]) is None


def test_concurrent_callers_share_one_make_and_its_error() -> None:
    masters = Masters(10 * MIB)
    calls, results = [], []

    def make() -> Image.Image:
        calls.append(1)
        time.sleep(0.2)
        return picture((10, 10))

    def fail() -> Image.Image:
        calls.append(1)
        time.sleep(0.2)
        raise ValueError("broken")

    def call(make) -> None:
        try:
            results.append(masters.get(["k"], make, "k"))
        except ValueError as exc:
            results.append(exc)

    for work in (fail, make):
        calls.clear()
        results.clear()
        threads = [threading.Thread(target=call, args=(work,)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(calls) == 1  # one make for six callers
        assert len({id(result) for result in results}) == 1  # all got the same picture, or error
    assert isinstance(results[0], Image.Image)  # the error was not kept: the second round made one


def test_zero_bytes_turns_it_off() -> None:
    masters = Masters(0)
    made = []
    for _ in range(2):
        masters.get(["a"], lambda: made.append(1) or picture((10, 10)), "a")
    assert len(made) == 2 and len(masters) == 0


# -- the pipeline --------------------------------------------------------------------------------


def burst(key: str = "photo.jpg") -> list[tuple[RenditionSpec, str]]:
    return [(RenditionSpec(key, width=width), fmt) for width in WIDTHS for fmt in (*FORMATS, "png")]


def test_render_many_decodes_once_at_the_finest_scale_and_matches_renditions_made_alone(monkeypatch) -> None:
    """At the master's own scale (w_1280 and w_960 here: 1/2) the very same bytes as alone; at a
    coarser one (w_320: 1/8, w_640: 1/4 alone, each reduced from the 1/2 decode) the frame within
    MASTER_TOLERANCE of the one made alone (PNG: the encoder's input itself), and in every format
    as close to a resize of the full-size decode as the rendition made alone."""
    data = photo()
    decoded = record_decodes(monkeypatch)
    made = pipeline.render_many(data, burst(), Limits(), {}, Masters(64 * MIB))
    assert decoded == [("JPEG", (2000, 1500))]  # w_1280 needs 1/2; every other width takes that decode
    monkeypatch.undo()
    for (spec, fmt), shared in zip(burst(), made, strict=True):
        assert_as_made_alone(data, spec, fmt, shared.body)


@pytest.mark.parametrize("exif", [None, "before pixels", "after pixels"])
def test_a_png_burst_decodes_once_unless_its_exif_follows_its_pixels(monkeypatch, exif: str | None) -> None:
    """PNG has no decode scales: one decode serves every width, the very same bytes as alone. Its
    orientation is read from the chunk headers; only an eXIf chunk after the pixels (Pillow
    finds it by decoding them) costs each rendition a decode, as before the master cache."""
    image = quadrants((1600, 1200))
    block = Image.Exif()
    block[0x0112] = 1
    data = encode(image, "PNG", **({"exif": block.tobytes()} if exif else {}))
    if exif == "after pixels":  # move the eXIf chunk from before IDAT to just before IEND
        start = data.index(b"eXIf") - 4
        end = start + 12 + int.from_bytes(data[start : start + 4], "big")
        chunk, rest = data[start:end], data[:start] + data[end:]
        data = rest[:-12] + chunk + rest[-12:]
    wanted = burst("photo.png")
    decoded = record_decodes(monkeypatch)
    made = pipeline.render_many(data, wanted, Limits(), {}, Masters(64 * MIB))
    assert len(decoded) == (len(wanted) if exif == "after pixels" else 1), decoded
    assert set(decoded) == {("PNG", (1600, 1200))}
    monkeypatch.undo()
    for (spec, fmt), shared in zip(wanted, made, strict=True):
        assert shared.body == pipeline.render(data, spec, fmt, Limits()).body, (spec, fmt)


def assert_as_made_alone(data: bytes, spec: RenditionSpec, fmt: str, body: bytes) -> None:
    """At the master's own scale (w_1280 and w_960 of the photo: 1/2) the very same bytes as the
    rendition made alone; at a coarser one (w_320: 1/8, w_640: 1/4 alone) the picture the encoder
    gets within MASTER_TOLERANCE of the one made alone (PNG shows it), and in every format as close
    to a resize of the full-size decode as the rendition made alone: within a tenth of a level on
    average (a 2×2 or 4×4 average of a finer decode and the JPEG's own DCT scaling are two
    approximations of the same average, each a little closer on some pictures)."""
    alone = pipeline.render(data, spec, fmt, Limits())
    assert decode(body).size == alone.size
    if spec.width >= 960:
        assert body == alone.body, (spec.width, fmt)
        return
    if fmt == "png":
        difference = np.abs(pixels(body) - pixels(alone.body)).mean()
        assert 0 < difference <= pipeline.MASTER_TOLERANCE, (spec.width, difference)
    full = Image.open(io.BytesIO(data)).convert("RGB")
    reference = np.asarray(full.resize(alone.size, Image.Resampling.LANCZOS).convert("RGBA")).astype(int)
    error, alone_error = (np.abs(pixels(made) - reference).mean() for made in (body, alone.body))
    assert error <= alone_error + 0.1, (spec.width, fmt, error, alone_error)


def test_g_auto_is_made_from_its_own_scale_the_very_same_bytes_as_alone(monkeypatch) -> None:
    data = photo()
    auto = RenditionSpec("photo.jpg", width=300, height=300, crop="fill", gravity="auto")
    wanted = [(RenditionSpec("photo.jpg", width=1280), "jpg"), (auto, "jpg"), (auto, "webp")]
    decoded = record_decodes(monkeypatch)
    made = pipeline.render_many(data, wanted, Limits(), {}, Masters(64 * MIB))
    assert decoded == [("JPEG", (2000, 1500)), ("JPEG", (500, 375))]  # its own 1/8, once for both formats
    monkeypatch.undo()
    for (spec, fmt), shared in zip(wanted, made, strict=True):
        assert shared.body == pipeline.render(data, spec, fmt, Limits()).body, (spec, fmt)


def test_formats_with_and_without_alpha_are_each_finished_as_alone(monkeypatch) -> None:
    """JPEG flattens onto white, pads opaque; WebP, PNG and AVIF keep alpha: two frames, one decode."""
    image = quadrants((400, 300)).convert("RGBA")
    image.paste((0, 0, 0, 0), (0, 0, 200, 150))  # the top-left quarter transparent
    data = encode(image, "PNG")
    specs = [
        RenditionSpec("alpha.png", width=200, height=200, crop="pad", quality=quality)
        for quality in (None, 60)  # two qualities share the frame too
    ]
    wanted = [(spec, fmt) for spec in specs for fmt in ("png", "webp", "jpg", "avif")]
    masters = Masters(64 * MIB)
    made = pipeline.render_many(data, wanted, Limits(), {}, masters)
    for (spec, fmt), shared in zip(wanted, made, strict=True):
        assert shared.body == pipeline.render(data, spec, fmt, Limits()).body, (fmt, spec.quality)
    frames = [key for key in masters._entries if key[0] == "frame"]
    assert len(frames) == 3  # one resized, then one padded with alpha, one flattened: not one per format or quality
    assert colour_at(made[2].body, (10, 60)) == (255, 255, 255, 255)  # JPEG: padded and flattened white
    assert colour_at(made[0].body, (10, 60))[3] == 0  # PNG: transparent there


def test_an_opaque_burst_resizes_once_per_width_for_every_format(monkeypatch) -> None:
    """Nothing to pad or flatten: AVIF, WebP, JPEG and PNG of one width encode the same resized
    frame, and each width is resized once, from a master at its own scale."""
    data = photo((1600, 1200))
    resized: list[tuple[tuple[int, int], tuple[int, int]]] = []
    resize = Image.Image.resize

    def counted(image: Image.Image, size: tuple[int, int], *args: object, **kwargs: object) -> Image.Image:
        resized.append((image.size, tuple(size)))
        return resize(image, size, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "resize", counted)
    masters = Masters(64 * MIB)
    wanted = [(RenditionSpec("photo.jpg", width=width), fmt) for width in (200, 400, 800) for fmt in (*FORMATS, "png")]
    made = pipeline.render_many(data, wanted, Limits(), {}, masters)
    monkeypatch.undo()
    # 800 px decodes at 1/1, 400 at 1/2 and 200 at 1/4 alone (headroom 1.25): each from its own.
    assert sorted(resized) == [((400, 300), (200, 150)), ((800, 600), (400, 300)), ((1600, 1200), (800, 600))]
    frames = [key for key in masters._entries if key[0] == "frame"]
    assert sorted(key[2] for key in frames) == [(400, 300), (800, 600), (1600, 1200)]  # one a width
    for (spec, fmt), shared in zip(wanted, made, strict=True):
        assert decode(shared.body).size == (spec.width, spec.width * 3 // 4), (spec, fmt)


def test_a_new_version_of_an_original_never_renders_from_the_old_master() -> None:
    masters = Masters(64 * MIB)
    spec = RenditionSpec("same/key.jpg", width=200)
    old = encode(quadrants((800, 600)), "JPEG", quality=95)
    new = encode(quadrants((800, 600)).transpose(Image.Transpose.FLIP_LEFT_RIGHT), "JPEG", quality=95)
    assert colour_at(pipeline.render(old, spec, "png", Limits(), None, masters).body, (10, 10))[0] > 200
    again = pipeline.render(new, spec, "png", Limits(), None, masters)
    assert again.body == pipeline.render(new, spec, "png", Limits()).body
    assert colour_at(again.body, (10, 10))[:3] == pytest.approx((0, 255, 0), abs=24)  # green, not red


def test_animated_originals_and_trims_are_rendered_alone_and_kept_nowhere(monkeypatch) -> None:
    frames = [quadrants((120, 90)), quadrants((120, 90)).transpose(Image.Transpose.ROTATE_180)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    masters = Masters(64 * MIB)
    wanted = [(RenditionSpec("anim.gif", width=60), fmt) for fmt in ("gif", "webp", "jpg")]
    made = pipeline.render_many(out.getvalue(), wanted, Limits(), {}, masters)
    for (spec, fmt), shared in zip(wanted, made, strict=True):
        assert shared.body == pipeline.render(out.getvalue(), spec, fmt, Limits()).body
    assert getattr(decode(made[0].body), "n_frames", 1) == 2
    trimmed = [(RenditionSpec("photo.jpg", width=60, trim=10), "jpg")]
    pipeline.render_many(encode(quadrants((400, 300)), "JPEG"), trimmed, Limits(), {}, masters)
    assert len(masters) == 0


# -- through the service -------------------------------------------------------------------------


def service_over(root: Path, originals: dict[str, bytes]) -> Service:
    for key, data in originals.items():
        (root / "originals").mkdir(parents=True, exist_ok=True)
        (root / "originals" / key).write_bytes(data)
    return Service(
        config(),
        FileObjects(FileSystemStorage(location=str(root / "originals"))),
        FileObjects(FileSystemStorage(location=str(root / "renditions"))),
    )


async def get_all(service: Service, paths: list[str]) -> list:
    return await asyncio.gather(*(service.respond("GET", path) for path in paths))


def test_a_burst_of_renditions_through_the_service_decodes_once(tmp_path: Path, monkeypatch) -> None:
    data = photo(seed=2)
    service = service_over(tmp_path, {"photo.jpg": data})
    assert service.masters.max_bytes == 64 * MIB  # RESIZER_MASTERS_CACHE_BYTES' default
    paths = [f"w_{width}/f_{fmt}/photo.jpg" for fmt in (*FORMATS, "png") for width in WIDTHS]  # narrowest first
    before = masters_counted()
    decoded = record_decodes(monkeypatch)
    replies = asyncio.run(get_all(service, paths))
    monkeypatch.undo()
    assert [reply.status for reply in replies] == [200] * len(paths)
    assert decoded == [("JPEG", (2000, 1500))]
    counted = {key: value - before[key] for key, value in masters_counted().items()}
    # resizer_masters_total: the 1/2 decode and the three reduced (1/4, 1/8) or own-scale masters
    # are made once each, and so is each width's frame; every other rendition finds them.
    assert counted[("frame", "made")] == len(WIDTHS)
    assert counted[("frame", "kept")] + counted[("frame", "joined")] == len(paths) - len(WIDTHS)
    assert counted[("master", "made")] == 3  # 1/2 decoded (w_960, w_1280), 1/4 and 1/8 reduced
    assert counted[("master", "kept")] + counted[("master", "joined")] >= len(paths) - 3
    assert 0 < service.masters.size <= service.masters.max_bytes
    for path, reply in zip(paths, replies, strict=True):
        width, fmt = int(path.split("/")[0][2:]), path.split("/")[1][2:]
        assert_as_made_alone(data, RenditionSpec("photo.jpg", width=width), fmt, reply.body)


def masters_counted() -> dict[tuple[str, str], float]:
    return {
        (kind, result): REGISTRY.get_sample_value("resizer_masters_total", {"kind": kind, "result": result}) or 0.0
        for kind in ("master", "frame")
        for result in ("kept", "joined", "made")
    }


def test_a_replaced_original_is_rendered_from_its_new_bytes_through_the_service(tmp_path: Path) -> None:
    old = encode(quadrants((800, 600)), "JPEG", quality=95)
    service = service_over(tmp_path, {"photo.jpg": old})
    (first,) = asyncio.run(get_all(service, ["w_400/f_png/photo.jpg"]))
    assert colour_at(first.body, (10, 10))[0] > 200  # red top-left
    assert len(service.masters) > 0
    new = encode(quadrants((800, 600)).transpose(Image.Transpose.FLIP_LEFT_RIGHT), "JPEG", quality=95)
    (tmp_path / "originals" / "photo.jpg").write_bytes(new)
    (later,) = asyncio.run(get_all(service, ["w_400/f_webp/photo.jpg"]))  # a new rendition, same scale
    assert colour_at(later.body, (10, 10))[:3] == pytest.approx((0, 255, 0), abs=24)  # green: new bytes


def test_renditions_asked_one_after_another_widest_first_share_one_decode(tmp_path: Path, monkeypatch) -> None:
    """As warm_on_save asks (and as a CDN's misses may come): each request alone, the widest first.
    Asked narrowest first, each wider one needs a finer decode than any kept: one decode per scale."""
    widest_first = [f"w_{width}/f_{fmt}/photo.jpg" for width in sorted(WIDTHS, reverse=True) for fmt in ("jpg", "png")]
    for order, expected in ((widest_first, 1), (list(reversed(widest_first)), 3)):
        service = service_over(tmp_path / str(expected), {"photo.jpg": photo((4000, 3000), seed=3)})
        decoded = record_decodes(monkeypatch)
        for path in order:
            (reply,) = asyncio.run(get_all(service, [path]))
            assert reply.status == 200
        monkeypatch.undo()
        assert len(decoded) == expected, decoded  # 1/8 for w_320, 1/4 for w_640, 1/2 for w_960 and w_1280


def test_render_many_with_the_cache_off_renders_each_alone(monkeypatch) -> None:
    data = encode(quadrants((1600, 1200)), "JPEG", quality=90)
    wanted = [(RenditionSpec("q.jpg", width=width), fmt) for width in (200, 800) for fmt in ("jpg", "webp")]
    decoded = record_decodes(monkeypatch)
    made = pipeline.render_many(data, wanted, Limits(), {}, Masters(0))
    assert len(decoded) == 4
    monkeypatch.undo()
    for (spec, fmt), rendered in zip(wanted, made, strict=True):
        assert rendered.body == pipeline.render(data, spec, fmt, Limits()).body


def test_the_services_cache_stays_within_its_bytes_over_bursts_of_several_originals(tmp_path: Path) -> None:
    """Bounded to one 1/2-scale master of a 4000×3000 photo (2000 × 1500 × 4 B) and a little: the
    frames push it out (least recently used first), and after each original's burst what is kept
    is within the bound."""
    originals = {f"p{seed}.jpg": photo(seed=seed) for seed in (4, 5, 6)}
    service = service_over(tmp_path, originals)
    service.masters = Masters(2000 * 1500 * 4 + 2 * MIB)
    for key in originals:
        paths = [f"w_{width}/f_{fmt}/{key}" for width in (320, 1280) for fmt in ("jpg", "webp")]
        replies = asyncio.run(get_all(service, paths))
        assert [reply.status for reply in replies] == [200] * len(paths)
        assert 0 < service.masters.size <= service.masters.max_bytes
        for path, reply in zip(paths, replies, strict=True):
            width = int(path.split("/")[0][2:])
            assert decode(reply.body).size == (width, width * 3 // 4)
