"""Encode time, bytes and luma SSIM of each still encoder: `taskset -c 1 .venv/bin/python bench/encoders.py`.

The photographs are bench/quality.py's wallpapers (fetched once into bench/.cache), centre-cropped
to 4:3 and downscaled with Lanczos to 400×300 and 1280×960, the two sizes of the table. Each
encoder encodes each picture at the same q_ (`--quality`, else the format's default) `--runs`
times; the table gives, per size, the median over pictures of: the median encode CPU time, that time
and the bytes as a ratio to the reference encoder of the format (today's Pillow path: libjpeg-turbo
with our settings, aom at speed 7), and the SSIM of the decoded luma against the source's. Bytes
at equal quality (BD-rate, SSIMULACRA2) are bench/quality.py's business; this is the speed.

Encoders: JPEG through Pillow (libjpeg-turbo, resizer's settings) and jpegli (the `jpegli` extra,
at `encoders.jpegli_quality(q)`); AVIF through Pillow's aom at speeds 6–9 on one thread, and,
when `pillow-avif-plugin` is installed (the `bench` extra), the SVT-AV1 and rav1e its wheels carry
(4:2:0, the only sampling SVT-AV1 encodes).

`--match` prints, for each of our qualities, each other encoder's quality whose median luma SSIM
over the pictures equals ours, and its bytes there (a first look: bench/quality.py has the
equal-quality comparison). The JPEG table, with jpegli's raw quality, is how
`encoders.JPEG_TO_JPEGLI` was chosen.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

import quality as bench  # noqa: E402

from resizer.core.formats import DEFAULT_QUALITY  # noqa: E402
from resizer.imaging import encoders  # noqa: E402

SIZES = ((400, 300), (1280, 960))
Encoder = Callable[[Image.Image, int], bytes]


def pillow(fmt: str, **options: object) -> Encoder:
    def encode(image: Image.Image, quality: int) -> bytes:
        out = io.BytesIO()
        image.save(out, fmt, quality=quality, **options)
        return out.getvalue()

    return encode


def libjpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    encoders.libjpeg(image, out, quality)
    return out.getvalue()


def jpegli(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    encoders.jpegli(image, out, quality)
    return out.getvalue()


def raw_jpegli(image: Image.Image, quality: int) -> bytes:
    return encoders.pyjpegli.encode(image.tobytes(), *image.size, quality=quality)


def plugin_avif() -> dict[str, Encoder]:
    """SVT-AV1 and rav1e through pillow-avif-plugin, if installed. Importing it registers its own
    AVIF plugin over Pillow's; Pillow's is put back so that every other encoder here is Pillow's."""
    os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1's banner and config on every encode: errors only
    Image.init()
    saved = {table: dict(getattr(Image, table)) for table in ("OPEN", "SAVE", "SAVE_ALL", "MIME", "EXTENSION")}
    ids = list(Image.ID)
    try:
        from pillow_avif import AvifImagePlugin, _avif
    except ImportError:
        return {}
    finally:
        for table, entries in saved.items():
            getattr(Image, table).clear()
            getattr(Image, table).update(entries)
        Image.ID[:] = ids

    def via(codec: str, speed: int) -> Encoder:
        def encode(image: Image.Image, quality: int) -> bytes:
            image.encoderinfo = {"quality": quality, "speed": speed, "codec": codec, "subsampling": "4:2:0"}
            out = io.BytesIO()
            AvifImagePlugin._save(image, out, "")
            return out.getvalue()

        return encode

    available = [codec for codec in ("svt", "rav1e") if _avif.encoder_codec_available(codec)]
    print(f"pillow-avif-plugin: libavif {_avif.libavif_version}, {_avif.codec_versions()}", file=sys.stderr)
    return {f"{codec} speed {speed}, 4:2:0": via(codec, speed) for codec in available for speed in (8, 10)}


def candidates() -> dict[str, dict[str, Encoder]]:
    jpg = {"libjpeg (Pillow, ours)": libjpeg}
    if encoders.pyjpegli is not None:
        jpg["jpegli"] = jpegli
    aom = encoders.AVIF_OPTIONS
    avif = {
        "aom speed 7, 1 thread (ours)": pillow("AVIF", **aom, speed=7, max_threads=1),
        **{f"aom speed {speed}, 1 thread": pillow("AVIF", **aom, speed=speed, max_threads=1) for speed in (6, 8, 9)},
        "aom speed 7, 4:2:0, 1 thread": pillow("AVIF", **{**aom, "subsampling": "4:2:0"}, speed=7, max_threads=1),
        **plugin_avif(),
    }
    return {"jpg": jpg, "avif": avif}


def pictures(size: tuple[int, int]) -> list[tuple[str, Image.Image]]:
    made = []
    for name in bench.WALLPAPERS:
        original = Image.open(bench.ORIGINALS / f"{name}.jpg").convert("RGB")
        width = round(original.height * size[0] / size[1])
        left = (original.width - width) // 2
        made.append((name, original.crop((left, 0, left + width, original.height)).resize(size, Image.LANCZOS)))
    return made


def luma(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.float64)


def luma_ssim(source: Image.Image, body: bytes) -> float:
    return bench._ssim_plane(luma(source), luma(Image.open(io.BytesIO(body))))


def timed(tools: dict[str, Encoder], image: Image.Image, quality: int, runs: int) -> dict[str, tuple[float, bytes]]:
    """Each encoder's median CPU time (ms, the process's: every thread of it) and its output. CPU
    time, not wall time: on a shared machine a wall clock counts the time the scheduler gave to
    others, which falls unevenly on a 1 ms encode and a 40 ms one. The encoders take turns run by
    run, so what load does to caches falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in tools}
    bodies: dict[str, bytes] = {}
    for _ in range(runs):
        for name, encode in tools.items():
            copy = image.copy()
            start = time.process_time()
            bodies[name] = encode(copy, quality)
            times[name].append(time.process_time() - start)
    return {name: (statistics.median(times[name]) * 1000, bodies[name]) for name in tools}


def table(fmt: str, tools: dict[str, Encoder], quality: int, runs: int) -> None:
    reference = next(iter(tools))
    print(f"\n### {fmt}, q{quality}, reference: {reference}\n")
    print("| size | encoder | encode CPU ms | time ÷ reference | bytes ÷ reference | luma SSIM |")
    print("|---|---|---|---|---|---|")
    for size in SIZES:
        shots = pictures(size)
        results = [timed(tools, image, quality, runs) for _, image in shots]
        for name in tools:
            mine = [result[name] for result in results]
            base = [result[reference] for result in results]
            ms = statistics.median(t for t, _ in mine)
            speed = statistics.median(t / b[0] for (t, _), b in zip(mine, base, strict=True))
            size_ratio = statistics.median(len(body) / len(b[1]) for (_, body), b in zip(mine, base, strict=True))
            ssim = statistics.median(luma_ssim(image, body) for (_, body), (_, image) in zip(mine, shots, strict=True))
            print(f"| {size[0]}×{size[1]} | {name} | {ms:.2f} | {speed:.2f} | {size_ratio:.3f} | {ssim:.4f} |")
        sys.stdout.flush()


def match(fmt: str) -> None:
    """For each of our qualities, each other encoder's quality at the same median luma SSIM
    (interpolated), and its bytes there as a share of ours."""
    tools = candidates()[fmt]
    if fmt == "jpg" and encoders.pyjpegli is not None:
        tools["jpegli, its own quality"] = raw_jpegli
    reference = next(iter(tools))
    ours = (20, 30, 40, 50, 60, 70, 78, 85) if fmt == "jpg" else (40, 55, 70)
    print(f"\n### {fmt}: quality at the luma SSIM of {reference}\n")
    print("| size | encoder | our q | our SSIM | its q at equal SSIM | bytes ÷ ours there |")
    print("|---|---|---|---|---|---|")
    for size in SIZES:
        shots = [image for _, image in pictures(size)]
        for name, encode in list(tools.items())[1:]:
            sweep = [(q, [encode(image.copy(), q) for image in shots]) for q in range(5, 96, 5)]
            for quality in ours:
                mine = [tools[reference](image.copy(), quality) for image in shots]
                target = statistics.median(luma_ssim(image, body) for image, body in zip(shots, mine, strict=True))
                curve = [
                    (
                        statistics.median(luma_ssim(image, b) for image, b in zip(shots, bodies, strict=True)),
                        q,
                        statistics.median(len(b) / len(m) for b, m in zip(bodies, mine, strict=True)),
                    )
                    for q, bodies in sweep
                ]
                q, ratio = interpolate(curve, target)
                print(f"| {size[0]}×{size[1]} | {name} | {quality} | {target:.4f} | {q:.1f} | {ratio:.3f} |")


def interpolate(curve: list[tuple[float, int, float]], target: float) -> tuple[float, float]:
    for (s0, q0, r0), (s1, q1, r1) in itertools.pairwise(curve):
        if s0 <= target <= s1 and s1 > s0:
            share = (target - s0) / (s1 - s0)
            return q0 + share * (q1 - q0), r0 + share * (r1 - r0)
    return float("nan"), float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quality", type=int)
    parser.add_argument("--match", action="store_true", help="fit jpegli's quality to ours by luma SSIM")
    parser.add_argument("--only", choices=("jpg", "avif"))
    args = parser.parse_args()
    bench.prepare()
    print(f"CPUs allowed: {sorted(os.sched_getaffinity(0))}; JPEG_ENCODER = {encoders.JPEG_ENCODER}")
    if args.match:
        for fmt in ("jpg", "avif"):
            if args.only in (None, fmt):
                match(fmt)
        return
    for fmt, tools in candidates().items():
        if args.only in (None, fmt):
            table(fmt, tools, args.quality or DEFAULT_QUALITY[fmt], args.runs)


if __name__ == "__main__":
    main()
