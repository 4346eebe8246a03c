"""Rate–distortion of resizer against thumbor and ipx, and of encoders alone: `.venv/bin/python bench/quality.py`.

One command, ≈45 min on two busy cores the first time (encodes and scores are cached under
bench/.cache/quality, so a rerun takes a minute); `--quick` runs a few pictures for a look.
Writes the generated section of docs/quality.md (between its `quality.py` markers) and
bench/out/quality.json.

- Pictures: bench/sets.py's tuning set (10) and held-out set (43), policy cases (transparency) apart.
  Each picture at one width ≤ 480 px (SSIMULACRA2 costs ≈0.2 s a picture there), alternately an
  exact JPEG decode scale of the original (1/2, 1/4 or 1/8: where thumbor's and sharp's
  shrink-on-load decode straight to the target) and 4/5 of it (between scales: every tool resamples).
- Reference: Pillow's Lanczos downscale of the full-size decode (alpha flattened onto white).
- Metrics (bench/metrics.py): SSIMULACRA2, the headline; luma MS-SSIM; RGB-averaged SSIM (secondary).
- Systems, each swept over four qualities per format: resizer (the pipeline in-process, its
  settings), thumbor 7.8.0 (defaults; "best": AVIF_SPEED 4, its slower-better documented knob), ipx
  3.1.1 (defaults; ipx passes only `quality` to sharp, so its best is its default) and sharp 0.34.5,
  ipx's library, called directly with its best documented options (JPEG mozjpeg: trellis
  quantisation, overshoot deringing, optimised scans; WebP effort 6; AVIF effort 6).
- Table A (encoders): every encoder given the same picture, the reference itself, over three qualities.
- Table B (resize): each system's lossless (PNG) rendition against the reference.
- BD-rate (Bjøntegaard): bytes at equal SSIMULACRA2 over the score range both curves share, per
  case; the headline is the mean over the held-out cases, with the median and the share we lose.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import hashlib
import io
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]

import metrics  # noqa: E402
import peers  # noqa: E402
import sets  # noqa: E402

from resizer.core.policy import Limits  # noqa: E402
from resizer.core.spec import RenditionSpec  # noqa: E402
from resizer.imaging import encoders, pipeline  # noqa: E402

WORK = peers.CACHE / "quality"
OUT = BENCH / "out"
DOCS = BENCH.parent / "docs" / "quality.md"
BEGIN, END = "<!-- quality.py: begin (generated; edit bench/quality.py) -->", "<!-- quality.py: end -->"
FORMATS = ("jpg", "webp", "avif")
MAX_WIDTH = 480
SWEEP = {"jpg": (40, 60, 78, 92), "webp": (40, 60, 78, 92), "avif": (30, 50, 68, 85)}
ENCODER_SWEEP = {"jpg": (50, 72, 88), "webp": (50, 72, 88), "avif": (40, 60, 78)}
SHARP_BEST = {
    "jpg": ("jpeg", {"mozjpeg": True}),
    "webp": ("webp", {"effort": 6}),
    "avif": ("avif", {"effort": 6}),
}
SYSTEMS = ("resizer", "thumbor", "thumbor-best", "ipx", "sharp-best")
PEERS = ("thumbor", "thumbor-best", "ipx", "sharp-best")
THUMBOR_BEST = {"AVIF_SPEED": 4}


# -- cases ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    picture: sets.Picture
    width: int
    kind: str  # "decode scale", "between scales" (JPEG originals) or "PNG original"

    @property
    def key(self) -> str:
        return f"{self.picture.split}/{self.picture.name}@{self.width}"

    @property
    def file(self) -> str:  # relative to sets.SETS, as the peers are asked for it
        return f"{self.picture.split}/{self.picture.name}"


def cases(split: str, limit: int | None = None) -> list[Case]:
    chosen = sets.pictures(split)[:limit]
    out = []
    for index, picture in enumerate(chosen):
        width = Image.open(picture.path).width
        denominator = next(d for d in (2, 4, 8) if math.ceil(width / d) <= MAX_WIDTH or d == 8)
        exact = math.ceil(width / denominator)
        between = index % 2 == 1
        kind = "PNG original" if picture.path.suffix == ".png" else ("between scales" if between else "decode scale")
        out.append(Case(picture, round(exact * 0.8) if between else exact, kind))
    return out


def reference_path(case: Case) -> Path:
    path = WORK / "refs" / f"{case.key}.png"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        original = Image.open(case.picture.path)
        original.load()
        height = round(original.height * case.width / original.width)
        ref = original.resize((case.width, height), Image.Resampling.LANCZOS)
        flat = Image.fromarray(metrics.rgb(ref).round().astype(np.uint8))  # alpha onto white
        flat.save(path, "PNG", compress_level=1)
    return path


# -- renders: bodies on disk, one per (system, case, format, quality) -----------------------------


# resizer's outputs are cached under the hash of its encoder settings: a change re-renders them.
SHIPPED = hashlib.sha1(Path(encoders.__file__).read_bytes()).hexdigest()[:8]


def body_path(system: str, case: Case, fmt: str, quality: int | None) -> Path:
    folder = f"resizer-{SHIPPED}" if system == "resizer" else system
    return WORK / "out" / folder / f"{case.key}.q{quality or 'default'}.{fmt}"


def resizer_render(case: Case, fmt: str, quality: int | None) -> tuple[bytes, float]:
    """The pipeline in-process; for "png" (table B) with a plain lossless PNG encoder, not the
    service's, which may choose a palette."""
    spec = RenditionSpec(case.picture.name, width=case.width, quality=quality)
    data = case.picture.path.read_bytes()
    shipped = encoders.ENCODERS["png"]
    if fmt == "png":
        encoders.ENCODERS["png"] = lambda image, out, quality: image.save(out, "PNG", compress_level=1)
    try:
        started = time.perf_counter()
        body = pipeline.render(data, spec, fmt, Limits()).body
        return body, (time.perf_counter() - started) * 1000
    finally:
        encoders.ENCODERS["png"] = shipped


def http_render(peer: peers.Running) -> Callable[[Case, str, int | None], tuple[bytes, float]]:
    def render(case: Case, fmt: str, quality: int | None) -> tuple[bytes, float]:
        started = time.perf_counter()
        with urllib.request.urlopen(peer.url(case.file, case.width, fmt, quality), timeout=300) as response:
            return response.read(), (time.perf_counter() - started) * 1000

    return render


def sharp(jobs: list[dict]) -> list[float]:
    """Run sharp jobs (bench/sharp_encode.mjs) in one node process; their encode times in ms."""
    if not jobs:
        return []
    folder = peers.ensure_ipx().parent
    script = folder / "sharp_encode.mjs"
    shutil.copyfile(BENCH / "sharp_encode.mjs", script)
    for job in jobs:
        Path(job["output"]).parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["node", script], input=json.dumps(jobs).encode(), cwd=folder, capture_output=True, check=True
    )
    return json.loads(done.stdout)


@contextlib.contextmanager
def system(name: str) -> Iterator[Callable[[Case, str, int | None], tuple[bytes, float]] | None]:
    if name == "resizer":
        yield resizer_render
    elif name in ("thumbor", "thumbor-best"):
        settings = THUMBOR_BEST if name == "thumbor-best" else {}
        with peers.thumbor(sets.SETS, settings=settings) as peer:
            yield http_render(peer)
    elif name == "ipx":
        with peers.ipx(sets.SETS) as peer:
            yield http_render(peer)
    else:
        yield None  # sharp: batched


def render_all(todo: list[tuple[str, Case, str, int | None]], times: dict[str, float]) -> None:
    """Render what is not on disk yet, system by system (each peer started once)."""
    for name in SYSTEMS:
        mine = [t for t in todo if t[0] == name and not body_path(*t).exists()]
        if not mine:
            continue
        print(f"  rendering {len(mine)} with {name}", file=sys.stderr, flush=True)
        with system(name) as render:
            if render is None:
                jobs = []
                for _, case, fmt, quality in mine:
                    kind, options = SHARP_BEST[fmt]
                    options = {**options, **({"quality": quality} if quality else {})}
                    output = body_path(name, case, fmt, quality)
                    jobs.append({"input": str(case.picture.path), "output": str(output), "width": case.width})
                    jobs[-1] |= {"format": kind, "options": options}
                for item, ms in zip(mine, sharp(jobs), strict=True):
                    times[str(body_path(*item))] = ms
                continue
            for item in mine:
                body, ms = render(*item[1:])
                path = body_path(*item)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(body)
                times[str(path)] = ms


# -- encoders alone (table A): every encoder given the reference ----------------------------------


def pillow(fmt: str, **options: object) -> Callable[[Image.Image, int], bytes]:
    def encode(image: Image.Image, quality: int) -> bytes:
        out = io.BytesIO()
        image.save(out, fmt, quality=quality, **options)
        return out.getvalue()

    return encode


def ours(fmt: str) -> Callable[[Image.Image, int], bytes]:
    return lambda image, quality: encoders.encode(image.copy(), fmt, quality)


def jpegli(image: Image.Image, quality: int) -> bytes:
    import pyjpegli  # the bench extra

    return pyjpegli.encode(image.tobytes(), image.width, image.height, quality)


JPEG_COMMON = {"optimize": True, "progressive": True, "subsampling": "4:2:0"}
AOM = {"advanced": {"tune": "ssim"}, "max_threads": 1}
# name → (format, encoder or ("sharp", options)). The first of each format is the one the others
# are compared with: what resizer ships.
ENCODERS: dict[str, tuple[str, object]] = {
    "ours: our tables, 4:2:0, no smoothing": ("jpg", ours("jpg")),
    "our tables, smoothing 20 (shipped before)": (
        "jpg",
        pillow("JPEG", qtables=encoders.JPEG_TABLES, smooth=20, **JPEG_COMMON),
    ),
    "libjpeg Annex K tables, smoothing 0": ("jpg", pillow("JPEG", smooth=0, **JPEG_COMMON)),
    "jpegli (pyjpegli defaults)": ("jpg", jpegli),
    "sharp mozjpeg": ("jpg", ("sharp", {"mozjpeg": True})),
    "ours: libwebp method 4": ("webp", ours("webp")),
    "libwebp method 6": ("webp", pillow("WEBP", method=6)),
    "ours: aom speed 7, 4:4:4, tune ssim": ("avif", pillow("AVIF", speed=7, subsampling="4:4:4", **AOM)),
    "aom speed 7, 4:2:0, tune ssim": ("avif", pillow("AVIF", speed=7, subsampling="4:2:0", **AOM)),
    "aom speed 6, 4:4:4, tune ssim": ("avif", pillow("AVIF", speed=6, subsampling="4:4:4", **AOM)),
    "aom speed 8, 4:4:4, tune ssim": ("avif", pillow("AVIF", speed=8, subsampling="4:4:4", **AOM)),
}


def encoder_slug(name: str) -> str:
    return "enc-" + "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


def encode_all(todo: list[tuple[str, Case, str, int]], times: dict[str, float]) -> None:
    jobs, sharp_items = [], []
    for name, case, fmt, quality in todo:
        path = body_path(encoder_slug(name), case, fmt, quality)
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        encoder = ENCODERS[name][1]
        if isinstance(encoder, tuple):
            kind = {"jpg": "jpeg"}.get(fmt, fmt)
            options = {**encoder[1], "quality": quality}
            jobs.append({"input": str(reference_path(case)), "output": str(path), "width": None, "format": kind})
            jobs[-1]["options"] = options
            sharp_items.append(path)
            continue
        image = Image.open(reference_path(case)).convert("RGB")
        started = time.perf_counter()
        body = encoder(image, quality)
        times[str(path)] = (time.perf_counter() - started) * 1000
        path.write_bytes(body)
    for path, ms in zip(sharp_items, sharp(jobs), strict=True):
        times[str(path)] = ms


def encode_times(chosen: list[Case]) -> dict[str, float]:
    """Median single-thread encode time of each encoder in ENCODERS, in ms: the middle quality of
    its sweep on 12 held-out references, three rounds with the encoders interleaved (the machine's
    load drifts), the process pinned to one core as `taskset -c 1` would. Cached in
    bench/.cache/quality/encode_ms.json."""
    path = WORK / "encode_ms.json"
    cached = json.loads(path.read_text()) if path.exists() else {}
    if all(name in cached for name in ENCODERS):
        return cached
    references = [reference_path(c) for c in chosen[:12]]
    images = [Image.open(r).convert("RGB") for r in references]
    times: dict[str, list[float]] = {name: [] for name in ENCODERS}
    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {max(affinity)})
    try:
        for _ in range(3):
            for name, (fmt, encoder) in ENCODERS.items():
                quality = ENCODER_SWEEP[fmt][1]
                if isinstance(encoder, tuple):
                    kind = {"jpg": "jpeg"}.get(fmt, fmt)
                    options = {**encoder[1], "quality": quality}
                    job = {"width": None, "format": kind, "options": options, "output": str(WORK / f"timing.{fmt}")}
                    times[name] += sharp([job | {"input": str(r)} for r in references])
                    continue
                for image in images:
                    started = time.perf_counter()
                    encoder(image, quality)
                    times[name].append((time.perf_counter() - started) * 1000)
    finally:
        os.sched_setaffinity(0, affinity)
    cached = {name: statistics.median(values) for name, values in times.items()}
    path.write_text(json.dumps(cached))
    return cached


# -- scoring (in worker processes) ----------------------------------------------------------------


def score(reference: str, body: str, headline_only: bool = False) -> dict[str, float]:
    """SSIMULACRA2, and the secondary metrics unless `headline_only` (table A and B: time)."""
    ref = Image.open(reference)
    out = Image.open(body)
    out.load()
    if out.size != ref.size:  # a tool rounding the height the other way
        out = out.resize(ref.size, Image.Resampling.LANCZOS)
    a, b = metrics.rgb(ref), metrics.rgb(out)
    result = {"s2": metrics.ssimulacra2(a, b)}
    if not headline_only:
        result |= {"msssim_y": metrics.msssim_luma(a, b), "ssim_rgb": metrics.ssim_rgb(a, b)}
    return result


class Store:
    """Scores and times by body path, in one JSON file under bench/.cache/quality."""

    def __init__(self) -> None:
        self.path = WORK / "scores.json"
        self.data: dict[str, dict] = json.loads(self.path.read_text()) if self.path.exists() else {}

    def save(self) -> None:
        self.path.write_text(json.dumps(self.data))

    def score_all(self, items: list[tuple[Case, Path]], jobs: int, times: dict[str, float]) -> None:
        for path, ms in times.items():
            self.data.setdefault(path, {})["ms"] = ms
        pending = [(c, p) for c, p in items if "s2" not in self.data.get(str(p), {})]
        if not pending:
            return
        print(f"  scoring {len(pending)}", file=sys.stderr, flush=True)
        started = time.monotonic()
        with concurrent.futures.ProcessPoolExecutor(jobs) as pool:
            futures = {
                pool.submit(score, str(reference_path(c)), str(p), p.suffix == ".png" or "/enc-" in str(p)): p
                for c, p in pending
            }
            for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
                path = futures[future]
                self.data.setdefault(str(path), {})
                self.data[str(path)] |= future.result() | {"bytes": path.stat().st_size}
                if done % 200 == 0:
                    rate = done / (time.monotonic() - started)
                    print(f"  scored {done}/{len(pending)} ({rate:.1f}/s)", file=sys.stderr, flush=True)
                    self.save()
        self.save()

    def curve(self, paths: list[Path], metric: str = "s2") -> list[tuple[float, float]]:
        return [(self.data[str(p)]["bytes"], self.data[str(p)][metric]) for p in paths]


# -- analysis ------------------------------------------------------------------------------------


def sweep_paths(name: str, case: Case, fmt: str, qualities: tuple[int, ...]) -> list[Path]:
    return [body_path(name, case, fmt, q) for q in qualities]


def systems_for(fmt: str) -> tuple[str, ...]:
    return SYSTEMS if fmt == "avif" else tuple(s for s in SYSTEMS if s != "thumbor-best")


def bd(store: Store, a: list[Path], b: list[Path], metric: str = "s2") -> float | None:
    return metrics.bd_rate(store.curve(a, metric), store.curve(b, metric))


def summarize(values: list[float | None]) -> dict:
    got = [v for v in values if v is not None]
    return {
        "mean": statistics.fmean(got) if got else None,
        "median": statistics.median(got) if got else None,
        "lose": sum(v > 0 for v in got),
        "n": len(got),
        "missing": len(values) - len(got),
    }


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:+.1f} %"


def system_tables(store: Store, chosen: list[Case], title: str) -> tuple[list[str], dict]:
    """BD-rate of resizer against each peer per format: summary, by metric, by category, per case."""
    lines, results = [], {}
    head = "| format | peer | BD-rate SSIMULACRA2, mean | median | cases we lose | MS-SSIM (Y) | SSIM (RGB) |"
    lines += [f"#### {title}: resizer against each peer", "", head, "|---|---|---|---|---|---|---|"]
    per_case: dict[tuple[str, str], list[float | None]] = {}
    for fmt in FORMATS:
        for peer in systems_for(fmt)[1:]:
            rows = {}
            for metric in ("s2", "msssim_y", "ssim_rgb"):
                values = [
                    bd(
                        store,
                        sweep_paths("resizer", c, fmt, SWEEP[fmt]),
                        sweep_paths(peer, c, fmt, SWEEP[fmt]),
                        metric,
                    )
                    for c in chosen
                ]
                rows[metric] = summarize(values)
                if metric == "s2":
                    per_case[(fmt, peer)] = values
            results[f"{fmt} vs {peer}"] = rows
            s = rows["s2"]
            lose = f"{s['lose']} of {s['n']}" + (f" ({s['missing']} no overlap)" if s["missing"] else "")
            lines.append(
                f"| {fmt} | {peer} | **{pct(s['mean'])}** | {pct(s['median'])} | {lose} | "
                f"{pct(rows['msssim_y']['mean'])} | {pct(rows['ssim_rgb']['mean'])} |"
            )
    lines += ["", f"#### {title}: by category (mean BD-rate on SSIMULACRA2)", ""]
    pairs = list(per_case)
    lines += ["| category | cases | " + " | ".join(f"{f} vs {p}" for f, p in pairs) + " |"]
    lines += ["|---|---|" + "---|" * len(pairs)]
    for category in sorted({c.picture.category for c in chosen}, key=str):
        index = [i for i, c in enumerate(chosen) if c.picture.category == category]
        cells = [pct(summarize([per_case[pair][i] for i in index])["mean"]) for pair in pairs]
        lines.append(f"| {category} | {len(index)} | " + " | ".join(cells) + " |")
    for kind in ("decode scale", "between scales", "PNG original"):
        index = [i for i, c in enumerate(chosen) if c.kind == kind]
        if index:
            cells = [pct(summarize([per_case[pair][i] for i in index])["mean"]) for pair in pairs]
            lines.append(f"| *width: {kind}* | {len(index)} | " + " | ".join(cells) + " |")
    lines += ["", f"<details><summary>{title}: every case (BD-rate on SSIMULACRA2; + is more bytes for us)</summary>"]
    lines += ["", "| case | category | width | " + " | ".join(f"{f} vs {p}" for f, p in pairs) + " |"]
    lines += ["|---|---|---|" + "---|" * len(pairs)]
    for i, c in enumerate(chosen):
        cells = [pct(per_case[pair][i]) for pair in pairs]
        lines.append(f"| {c.picture.name} | {c.picture.category} | {c.width} ({c.kind}) | " + " | ".join(cells) + " |")
    lines += ["", "</details>", ""]
    results["per_case"] = {f"{f} vs {p}": v for (f, p), v in per_case.items()}
    return lines, results


def encoder_tables(
    store: Store, tuning: list[Case], heldout: list[Case], timings: dict[str, float]
) -> tuple[list[str], dict]:
    lines = [
        "| format | encoder | BD-rate vs ours, tuning (mean, lose) | held-out (mean, median, lose) "
        "| encode ms, median (1 core) |",
        "|---|---|---|---|---|",
    ]
    results = {}
    for fmt in FORMATS:
        names = [n for n, (f, _) in ENCODERS.items() if f == fmt]
        base = names[0]
        for name in names:
            row = {}
            for split, chosen in (("tuning", tuning), ("heldout", heldout)):
                values = [
                    bd(
                        store,
                        sweep_paths(encoder_slug(name), c, fmt, ENCODER_SWEEP[fmt]),
                        sweep_paths(encoder_slug(base), c, fmt, ENCODER_SWEEP[fmt]),
                    )
                    for c in chosen
                ]
                row[split] = summarize(values)
            row["ms"] = timings.get(name)
            results[f"{fmt}: {name}"] = row
            t, h = row["tuning"], row["heldout"]
            tuning_cell = f"{pct(t['mean'])}, {t['lose']}/{t['n']}" if name != base else "(reference)"
            held = f"{pct(h['mean'])}, {pct(h['median'])}, {h['lose']}/{h['n']}" if name != base else "(reference)"
            timing = f"{row['ms']:.1f}" if row["ms"] is not None else "–"
            lines.append(f"| {fmt} | {name} | {tuning_cell} | {held} | {timing} |")
    return lines, results


def resize_table(store: Store, chosen: list[Case]) -> tuple[list[str], dict]:
    """SSIMULACRA2 of each system's lossless rendition against the reference."""
    names = ("resizer", "thumbor", "ipx", "sharp-best")
    lines = ["| width | cases | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    results = {}
    for kind in ("decode scale", "between scales", "PNG original", "all"):
        index = [c for c in chosen if kind in ("all", c.kind)]
        if not index:
            continue
        cells = []
        for name in names:
            values = [store.data[str(body_path(name, c, "png", None))]["s2"] for c in index]
            results[f"{kind}: {name}"] = {"median": statistics.median(values), "min": min(values)}
            cells.append(f"{statistics.median(values):.1f} (min {min(values):.1f})")
        lines.append(f"| {kind} | {len(index)} | " + " | ".join(cells) + " |")
    return lines, results


def policy_table(store: Store, chosen: list[Case]) -> list[str]:
    lines = ["| case | format | " + " | ".join(f"vs {p}" for p in ("thumbor", "ipx", "sharp-best")) + " |"]
    lines.append("|---|---|---|---|---|")
    for c in chosen:
        for fmt in FORMATS:
            cells = [
                pct(bd(store, sweep_paths("resizer", c, fmt, SWEEP[fmt]), sweep_paths(p, c, fmt, SWEEP[fmt])))
                for p in ("thumbor", "ipx", "sharp-best")
            ]
            lines.append(f"| {c.picture.name} @ {c.width} | {fmt} | " + " | ".join(cells) + " |")
    return lines


def crops(store: Store, chosen: list[Case], per_case: dict[str, list[float | None]], path: Path) -> list[str]:
    """A PNG of crops, enlarged 2× (nearest): for JPEG against sharp-best and ipx, the typical
    (median BD-rate) and the worst case; resizer at quality 78 and the peer's sweep point nearest
    in SSIMULACRA2. Returns the caption lines."""
    from PIL import ImageDraw

    rows, captions = [], []
    for peer in ("sharp-best", "ipx"):
        values = per_case[f"jpg vs {peer}"]
        ranked = sorted((v, i) for i, v in enumerate(values) if v is not None)
        for label, (value, index) in (("typical", ranked[len(ranked) // 2]), ("worst", ranked[-1])):
            case = chosen[index]
            ours_path = body_path("resizer", case, "jpg", 78)
            target = store.data[str(ours_path)]["s2"]
            theirs = min(
                sweep_paths(peer, case, "jpg", SWEEP["jpg"]), key=lambda p: abs(store.data[str(p)]["s2"] - target)
            )
            rows.append((case, ours_path, theirs, peer))
            captions.append(f"{label} vs {peer}: {case.picture.name} at {case.width} px (BD-rate {pct(value)})")
    zoom, label_h, box = 2, 16, (160, 100)
    sheet = Image.new("RGB", (box[0] * zoom * 3, (box[1] * zoom + label_h) * len(rows)), "white")
    draw = ImageDraw.Draw(sheet)
    for row, (case, ours_path, theirs, peer) in enumerate(rows):
        ref = Image.open(reference_path(case)).convert("RGB")
        gray = np.asarray(ref.convert("L"), dtype=np.float64)
        x0, y0 = detail_window(gray, box)
        for column, (source, text) in enumerate(
            (
                (reference_path(case), "reference"),
                (ours_path, "resizer q78"),
                (theirs, f"{peer} {theirs.name.split('.')[-2]}"),
            )
        ):
            image = Image.open(source).convert("RGB")
            crop = image.crop((x0, y0, x0 + box[0], y0 + box[1])).resize(
                (box[0] * zoom, box[1] * zoom), Image.Resampling.NEAREST
            )
            x, y = column * box[0] * zoom, row * (box[1] * zoom + label_h)
            sheet.paste(crop, (x, y + label_h))
            data = store.data.get(str(source), {})
            if data:
                text += f": {data['bytes'] / 1024:.1f} KB, SSIMULACRA2 {data['s2']:.1f}"
            draw.text((x + 4, y + 2), f"{case.picture.name} {text}", fill="black")
    sheet.save(path, optimize=True)
    return captions


def detail_window(gray: np.ndarray, box: tuple[int, int]) -> tuple[int, int]:
    """The top-left corner of the box-sized window with the most local contrast (where artefacts show)."""
    h, w = gray.shape
    best, corner = -1.0, (0, 0)
    for y in range(0, max(1, h - box[1]), box[1] // 2):
        for x in range(0, max(1, w - box[0]), box[0] // 2):
            window = gray[y : y + box[1], x : x + box[0]]
            value = float(np.abs(np.diff(window, axis=1)).mean())
            if value > best:
                best, corner = value, (x, y)
    return corner


# -- main ----------------------------------------------------------------------------------------


def write_docs(section: list[str]) -> None:
    text = DOCS.read_text()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
    else:
        head, tail = text.rstrip() + "\n\n", "\n"
    DOCS.write_text(head + BEGIN + "\n\n" + "\n".join(section).strip() + "\n\n" + END + tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 tuning and 6 held-out pictures; docs untouched")
    parser.add_argument("--jobs", type=int, default=2, help="scoring processes (default 2)")
    parser.add_argument("--no-docs", action="store_true", help="print, do not write docs/quality.md")
    args = parser.parse_args()
    sets.make()
    tuning = cases("tuning", 4 if args.quick else None)
    heldout = cases("heldout", 6 if args.quick else None)
    policy = [] if args.quick else cases("policy")
    store, times = Store(), {}

    todo = [
        (name, c, fmt, q)
        for c in heldout + policy
        for fmt in FORMATS
        for name in systems_for(fmt)
        if not (name == "thumbor-best" and c in policy)
        for q in SWEEP[fmt]
    ]
    todo += [(name, c, "png", None) for c in heldout for name in ("resizer", "thumbor", "ipx", "sharp-best")]
    sharp_png = [t for t in todo if t[0] == "sharp-best" and t[2] == "png"]
    todo = [t for t in todo if t not in sharp_png]
    render_all(todo, times)
    png_jobs = [
        {"input": str(c.picture.path), "output": str(body_path(n, c, f, q)), "width": c.width, "format": "png"}
        | {"options": {}}
        for n, c, f, q in sharp_png
        if not body_path(n, c, f, q).exists()
    ]
    sharp(png_jobs)
    encode_todo = [(n, c, f, q) for c in tuning + heldout for n, (f, _) in ENCODERS.items() for q in ENCODER_SWEEP[f]]
    print(f"  encoding {len(encode_todo)} (table A)", file=sys.stderr, flush=True)
    encode_all(encode_todo, times)
    items = [(c, body_path(*t)) for t in todo + sharp_png for c in [t[1]]]
    items += [(c, body_path(encoder_slug(n), c, f, q)) for n, c, f, q in encode_todo]
    store.score_all(items, args.jobs, times)

    section = [
        f"Generated by `bench/quality.py` on {time.strftime('%Y-%m-%d')} (a rerun reuses the cached "
        f"encodes and scores): {len(heldout)} held-out and {len(tuning)} tuning pictures.",
        "",
        "### Headline: resizer against each peer on the held-out set",
        "",
        "BD-rate: how many more bytes (+) or fewer (−) resizer spends than the peer for the same score,",
        "averaged over the score range both sweeps cover; mean over the cases, median, and the cases",
        "where resizer spends more. The MS-SSIM and SSIM columns are the same sweeps scored otherwise.",
        "",
    ]
    lines, results = system_tables(store, heldout, "Held-out")
    section += lines
    if not args.quick:
        captions = crops(store, heldout, results["per_case"], DOCS.parent / "quality-crops.png")
        section += ["Crops, enlarged 2× (rows: " + "; ".join(captions) + "):", "", "![crops](quality-crops.png)", ""]
    section += ["### Table A: encoders given the same picture", ""]
    lines, encoder_results = encoder_tables(store, tuning, heldout, encode_times(heldout))
    section += lines
    section += ["", "### Table B: resize fidelity (lossless renditions, SSIMULACRA2 against the reference)", ""]
    lines, resize_results = resize_table(store, heldout)
    section += lines
    if policy:
        section += ["", "### Policy cases (transparency): reported apart", "", *policy_table(store, policy)]
    OUT.mkdir(exist_ok=True)
    summary = {"heldout": results, "encoders": encoder_results, "resize": resize_results}
    (OUT / "quality.json").write_text(json.dumps(summary, indent=1))
    print("\n".join(section))
    if not (args.quick or args.no_docs):
        write_docs(section)
        print(f"wrote {DOCS}", file=sys.stderr)


def ssim(a: Image.Image, b: Image.Image) -> float:
    """RGB-averaged SSIM, on white and on black when either has alpha (bench/png_palette.py)."""
    if a.size != b.size:
        b = b.resize(a.size, Image.Resampling.LANCZOS)
    grounds = [(255, 255, 255)]
    if any("A" in i.getbands() or "transparency" in i.info for i in (a, b)):
        grounds.append((0, 0, 0))
    return statistics.fmean(metrics.ssim_rgb(metrics.rgb(a, g), metrics.rgb(b, g)) for g in grounds)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
