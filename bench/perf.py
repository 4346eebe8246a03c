"""resizer beside thumbor and ipx, measured in one run: `.venv/bin/python bench/perf.py [--quick] [--only …]`.

Starts on loopback, over the same originals and for the same output (a 400 px wide JPEG at q80):
resizer with 2 uvicorn workers (filesystem default, the same with its masters cache off, and
SeaweedFS), thumbor with 2 processes
(without and with file result storage) and ipx (sharp, 2 processes). Loads each with wrk at
concurrency 1 and 8, several runs of fixed duration after a warm-up, alternating the systems, and
samples every server process's RSS. Three groups of scenarios:

- base: cold (every request a new rendition), warm (the same URL again: stored, or thumbor's
  result storage), revalidate (If-None-Match → 304) and a srcset burst (5 widths of one original at
  once); also the pipeline alone, in-process: the ceiling of the cold scenario on this machine
  (cores ÷ render time).
- avif: the cold scenario with AVIF out at each system's default quality, and the median bytes
  and SSIM of each system's outputs.
- page: a page publish (bench/publish.py): 50 photographs of 1–12 MP, each asked for at 4
  widths × AVIF, WebP, JPEG in a browser-like interleaved order at c=8, every system started
  afresh for every run (so every request is a miss); renditions/s, time to first byte, peak RSS.

`--only page,avif` runs some groups and merges their figures into the last run's
bench/out/perf.json. docs/performance.md is then rewritten from that JSON: its generated sections
(the preamble, Targets, and the sections of figures) are replaced; every other section, written by
hand, is kept where it stands, and so are the sections and target rows of a group that the JSON
does not hold. The chart (docs/performance.png) is redrawn when the JSON holds every group.
Needs wrk (Debian) and node/npm for ipx; thumbor and ipx install under bench/.cache on first use.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import functools
import http.client
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT)]

import peers  # noqa: E402
import publish  # noqa: E402
import quality  # noqa: E402
import sets  # noqa: E402
from perf_report import AVIF_MATCHED, GROUPS, PEERS, Report, Sample  # noqa: E402

from resizer.core.policy import Limits  # noqa: E402
from resizer.core.spec import RenditionSpec  # noqa: E402
from resizer.imaging import encoders, pipeline  # noqa: E402
from tests.support.prom import scrape  # noqa: E402
from tests.support.seaweed import SeaweedFS  # noqa: E402
from tests.support.server import Server  # noqa: E402

DOCS = ROOT / "docs"
SAMPLES = BENCH / "out" / "perf.json"
WORK = peers.CACHE / "perf"
CORES = os.cpu_count() or 1
QUALITY = 80
# The widths of the cold scenario: wrk.lua asks for each in turn, and the in-process ceiling renders
# the same ones (for photo.jpg those above 400 decode at 1/4 rather than 1/8).
COLD_WIDTHS = range(300, 500)
BURST_WIDTHS = (320, 480, 640, 960, 1280)
BURSTS = 10
# resizer-each is resizer with its masters cache off (RESIZER_MASTERS_CACHE_BYTES=0): every request
# decodes its original, as the first request for an original does. With the cache, the cold
# scenario's widths of one original share a decode kept 15 s, which measures the cache as much as
# the render; resizer-each is what one cold rendition costs.
COLD = ("resizer", "resizer-each", "resizer-s3", "thumbor", "ipx")
BURSTING = ("resizer", "resizer-s3", "thumbor", "ipx")
WARM = ("resizer", "resizer-s3", "thumbor-rs")
# The path each system is asked for: {f} the file; cold paths vary {w} (and {t}, a fresh token).
PATHS = {
    "resizer": ("/media/w_{w}/q_80/f_jpg/v_{t}/{f}", "/media/w_400/q_80/f_jpg/{f}"),
    "thumbor": (
        "/unsafe/{w}x0/filters:quality(80):format(jpeg)/{f}",
        "/unsafe/400x0/filters:quality(80):format(jpeg)/{f}",
    ),
    "ipx": ("/w_{w},q_80,f_jpeg/{f}", "/w_400,q_80,f_jpeg/{f}"),
}
PATHS["resizer-s3"] = PATHS["resizer-each"] = PATHS["resizer"]
PATHS["thumbor-rs"] = PATHS["thumbor"]
# The AVIF cold scenario: each system's default quality (what `f_auto` or a <picture> gets).
AVIF_PATHS = {
    "resizer": "/media/w_{w}/f_avif/v_{t}/{f}",
    "thumbor": "/unsafe/{w}x0/filters:format(avif)/{f}",
    "ipx": "/w_{w},f_avif/{f}",
}
AVIF_PATHS["resizer-s3"] = AVIF_PATHS["resizer-each"] = AVIF_PATHS["resizer-fast"] = AVIF_PATHS["resizer"]
# The AVIF target is at equal quality. Each system's default is not: thumbor's AVIF is q80, ours
# q55. So resizer-each (speed 7, the default) and resizer-fast (RESIZER_AVIF_SPEED=8), both with
# the masters cache off, are also asked at the lowest q_ of MATCH_QUALITIES whose median SSIM
# reaches the best of the peers' on that image, found before the load (`name@ssim` → its server).
MATCHED = {name: name.removesuffix("@ssim") for name in AVIF_MATCHED}
AVIF_PATHS.update(dict.fromkeys(MATCHED, "/media/w_{w}/q_{q}/f_avif/v_{t}/{f}"))
MATCH_QUALITIES = range(50, 96, 5)
AVIF_COLD = (*COLD, "resizer-fast", *MATCHED)
# resizer-avif8: the same service with RESIZER_AVIF_SPEED=8, the trade docs/performance.md weighs.
PAGE = ("resizer", "resizer-avif8", "thumbor", "ipx")


# -- originals -----------------------------------------------------------------------------------


def originals() -> dict[str, str]:
    """photo.jpg: 4000×3000, a real 2560×1600 photograph scaled up with a little grain (none of the
    wallpapers is a 12 MP photograph); wall.jpg: a 2560×1600 photograph as it is."""
    sets.make()
    folder = WORK / "originals"
    folder.mkdir(parents=True, exist_ok=True)
    wall = folder / "wall.jpg"
    if not wall.exists():
        wall.write_bytes((sets.SETS / "tuning" / "BytheWater.jpg").read_bytes())
    photo = folder / "photo.jpg"
    if not photo.exists():
        source = Image.open(sets.SETS / "tuning" / "Path.jpg").convert("RGB")
        scaled = source.resize((4800, 3000), Image.Resampling.LANCZOS).crop((400, 0, 4400, 3000))
        grain = Image.effect_noise((4000, 3000), 24).convert("RGB")
        Image.blend(scaled, grain, 0.08).save(photo, "JPEG", quality=90)
    for index in range(BURSTS):  # a fresh page brings originals not fetched before: one per burst
        copy = folder / f"burst{index}.jpg"
        if not copy.exists():
            copy.write_bytes(photo.read_bytes())
    return {"photo.jpg": "4000×3000 photographic JPEG", "wall.jpg": "2560×1600 photograph"}


# -- load and memory -----------------------------------------------------------------------------


def wrk(base: str, path: str, seconds: float, connections: int, cold: bool, run: str, validator: str = "") -> dict:
    widths = f"{COLD_WIDTHS.start} {len(COLD_WIDTHS)}" if cold else ""
    env = {**os.environ, "WRK_PATH": path, "WRK_WIDTHS": widths, "WRK_RUN": run}
    env["WRK_IF_NONE_MATCH"] = validator
    command = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s"]
    command += ["--timeout", "30s", "-s", str(BENCH / "wrk.lua"), base]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


class Memory:
    """Samples the RSS of every process in the given process groups; keeps each one's peak."""

    def __init__(self, groups: dict[str, tuple[int, ...]]) -> None:
        self.groups = {group: name for name, several in groups.items() for group in several}
        self.peaks: dict[tuple[str, int], int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Memory:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
                with contextlib.suppress(OSError, IndexError, ValueError):
                    group = int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[2])
                    if group in self.groups:
                        rss = next(
                            line
                            for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                            if line.startswith("VmRSS")
                        )
                        key = (self.groups[group], pid)
                        self.peaks[key] = max(self.peaks.get(key, 0), int(rss.split()[1]) * 1024)

    def reset(self) -> None:
        self.peaks.clear()

    def per_process(self, name: str) -> float:
        """The largest peak of one process of `name` (a worker), in MiB."""
        return max((rss for (system, _), rss in self.peaks.items() if system == name), default=0) / 2**20


# -- one measurement -----------------------------------------------------------------------------


@dataclass
class Bench:
    systems: dict[str, peers.Running]
    memory: Memory
    runs: int
    seconds: float
    warmup: float
    samples: list[Sample] = field(default_factory=list)
    qualities: dict[tuple[str, str], int] = field(default_factory=dict)  # (name@ssim, image) → q_

    def measure(self, image: str, scenario: str, connections: int, names: tuple[str, ...]) -> None:
        for run in range(self.runs):
            order = names[run % len(names) :] + names[: run % len(names)]  # alternate who goes first
            for name in order:
                self.samples.append(self._one(image, scenario, connections, name, run))
                last = self.samples[-1]
                print(
                    f"  {image} {scenario} c={connections} {name} run {run}: {last.rps:.0f} req/s, "
                    f"p50 {last.p50:.1f} ms, p99 {last.p99:.1f} ms, rss {last.rss:.0f} MiB, errors {last.errors}"
                )

    def _one(self, image: str, scenario: str, connections: int, name: str, run: int) -> Sample:
        system = self.systems[MATCHED.get(name, name)]
        if scenario == "avif":
            cold_path, warm_path = avif_path(name, image, self.qualities.get((name, image))), ""
        else:
            cold_path, warm_path = (template.replace("{f}", image) for template in PATHS[name])
        cold = scenario in ("cold", "avif")
        path = cold_path if cold else warm_path
        validator = ""
        if not cold:
            validator = prime(system.base, warm_path) if scenario == "revalidate" else ""
        # A matched name shares its twin's server: its own token keeps it off the twin's renditions.
        token = f"{scenario}{connections}r{run}" + ("q" if name in MATCHED else "")
        wrk(system.base, path, self.warmup, connections, cold, f"{token}w", validator)
        self.memory.reset()
        figures = wrk(system.base, path, self.seconds, connections, cold, token, validator)
        errors = figures["socket_errors"] + figures["http_errors"]
        return Sample(
            image,
            scenario,
            connections,
            name,
            run,
            figures["rps"],
            figures["p50_us"] / 1000,
            figures["p99_us"] / 1000,
            errors,
            self.memory.per_process(MATCHED.get(name, name)),
        )


def prime(base: str, path: str) -> str:
    """Request once (so the rendition is stored) and return its ETag (for revalidation)."""
    with urllib.request.urlopen(base + path, timeout=60) as response:
        response.read()
        return response.headers.get("ETag") or ""


def revalidates(base: str, path: str) -> int:
    validator = prime(base, path)
    request = urllib.request.Request(base + path, headers={"If-None-Match": validator})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:  # urllib treats 304 as an error
        return error.code


# -- srcset burst --------------------------------------------------------------------------------


def burst(system: peers.Running, name: str, bursts: int) -> dict:
    """`bursts` times, five widths of an original (photo.jpg's copy burstN.jpg) at once; seconds
    per burst and, for resizer, how many times the original was read from storage per burst."""
    times, reads = [], []
    port = int(system.base.rpartition(":")[2])
    for index in range(bursts):
        template = PATHS[name][0].replace("{f}", f"burst{index}.jpg").replace("{t}", "burst")
        paths = [template.replace("{w}", str(width)) for width in BURST_WIDTHS]
        before = originals_read(system) if name.startswith("resizer") else 0
        barrier = threading.Barrier(len(paths))
        started = time.perf_counter()
        with ThreadPoolExecutor(len(paths)) as pool:
            statuses = list(pool.map(functools.partial(together, port, barrier), paths))
        times.append(time.perf_counter() - started)
        assert statuses == [200] * len(paths), statuses
        if name.startswith("resizer"):
            reads.append(originals_read(system) - before)
    return {"ms": statistics.median(times) * 1000, "reads": reads}


def together(port: int, barrier: threading.Barrier, path: str) -> int:
    barrier.wait()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path)
    status = connection.getresponse().status
    connection.close()
    return status


def originals_read(system: peers.Running) -> float:
    server = Server({}, Path(os.devnull), port=int(system.base.rpartition(":")[2]))
    return scrape(server).get('resizer_storage_seconds_count{op="read",store="originals"}', 0.0)


# -- AVIF outputs -------------------------------------------------------------------------------


def avif_path(name: str, image: str, q: int | None = None) -> str:
    if q == encoders.DEFAULT_QUALITY["avif"]:  # q_ at the default is not written: no q_ at all
        name = MATCHED[name]
    return AVIF_PATHS[name].replace("{f}", image).replace("{q}", str(q))


def avif_outputs(system: peers.Running, path: str, folder: Path, image: str, token: str = "bytes") -> dict:
    """Median bytes and SSIM (bench/quality.py's, against a Lanczos downscale of the full decode)
    of the AVIF cold scenario's outputs, every 20 px over its widths."""
    sizes, scores = [], []
    for width in COLD_WIDTHS[::20]:
        with urllib.request.urlopen(
            system.base + path.replace("{w}", str(width)).replace("{t}", token), timeout=120
        ) as response:
            body = response.read()
        sizes.append(len(body))
        scores.append(quality.ssim(reference(folder / image, width), Image.open(io.BytesIO(body))))
    return {"bytes": statistics.median(sizes), "ssim": statistics.median(scores)}


def match_quality(system: peers.Running, name: str, folder: Path, image: str, target: float) -> int:
    """The lowest q_ of MATCH_QUALITIES at which `name`'s median SSIM reaches `target` (else the
    highest): the quality at which its AVIF is compared with the peers'."""
    for q in MATCH_QUALITIES:
        if avif_outputs(system, avif_path(name, image, q), folder, image, f"match{q}")["ssim"] >= target:
            return q
    return MATCH_QUALITIES[-1]


@functools.lru_cache(maxsize=64)
def reference(path: Path, width: int) -> Image.Image:
    """Pillow's Lanczos downscale of the full-size decode, as bench/quality.py's references."""
    original = Image.open(path)
    original.load()
    return original.resize((width, round(original.height * width / original.width)), Image.Resampling.LANCZOS)


# -- page publish --------------------------------------------------------------------------------


def page_publish(runs: int, count: int) -> dict:
    """`runs` times, each system started afresh (nothing stored, nothing cached) and sent the
    page-publish load at c=8 after a warm-up on an original outside it, its RSS sampled."""
    folder = WORK / "pages"
    made = publish.originals(folder, count)
    names = [name for name in made if name != "warmup.jpg"]
    order = publish.schedule(names)
    starts = {
        "resizer": peers.resizer,
        "resizer-avif8": functools.partial(peers.resizer, settings={"RESIZER_AVIF_SPEED": "8"}, name="resizer-avif8"),
        "thumbor": peers.thumbor,
        "ipx": peers.ipx,
    }
    results = []
    for run in range(runs):
        for name in PAGE[run % len(PAGE) :] + PAGE[: run % len(PAGE)]:
            with starts[name](folder, processes=2) as system:
                publish.load(system, [("warmup.jpg", 640, fmt) for fmt in publish.FORMATS], 3)
                with Memory({name: system.groups}) as memory:
                    figures = publish.load(system, order, 8)
                figures.update(system=name, run=run, rss=memory.per_process(name))
            results.append(figures)
            print(
                f"  page publish {name} run {run}: {figures['rps']:.1f} renditions/s, TTFB p50 "
                f"{figures['ttfb_p50']:.0f} ms, p95 {figures['ttfb_p95']:.0f} ms, rss {figures['rss']:.0f} MiB, "
                f"errors {figures['errors']}"
            )
    pixels = sorted(width * height / 1e6 for name, (width, height) in made.items() if name in names)
    return {
        "results": results,
        "originals": len(names),
        "megapixels": [pixels[0], statistics.median(pixels), pixels[-1]],
        "widths": list(publish.WIDTHS),
        "formats": list(publish.FORMATS),
        "requests": len(order),
        "runs": runs,
    }


# -- the pipeline alone --------------------------------------------------------------------------


def in_process(image: Path, fmt: str, runs: int = 3) -> float:
    """Mean over the cold scenario's widths of the median ms of decode → resize → encode, one thread."""
    data = image.read_bytes()
    per_width = []
    for width in COLD_WIDTHS[::10]:
        spec = RenditionSpec(image.name, width=width, quality=QUALITY)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            pipeline.render(data, spec, fmt, Limits())
            times.append((time.perf_counter() - started) * 1000)
        per_width.append(statistics.median(times))
    return statistics.mean(per_width)


def pipeline_alone(folder: Path, images: dict[str, str]) -> dict[str, float]:
    print("in-process pipeline …")
    return {f"{image}|{fmt}": in_process(folder / image, fmt) for image in images for fmt in ("jpg", "webp", "avif")}


# -- the systems ---------------------------------------------------------------------------------


@contextlib.contextmanager
def systems(folder: Path, avif: bool) -> Iterator[dict[str, peers.Running]]:
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="perf-seaweed-")))
        seaweed = SeaweedFS(tmp, peers.free_port())
        seaweed.start()
        stack.callback(seaweed.stop)
        for path in folder.iterdir():
            seaweed.put("originals", path.name, path.read_bytes())
        running = {
            "resizer": stack.enter_context(peers.resizer(folder, processes=2)),
            "resizer-each": stack.enter_context(
                peers.resizer(folder, processes=2, settings={"RESIZER_MASTERS_CACHE_BYTES": "0"}, name="resizer-each")
            ),
            "resizer-s3": stack.enter_context(peers.resizer(folder, processes=2, s3=seaweed.env())),
            "thumbor": stack.enter_context(peers.thumbor(folder, processes=2)),
            "thumbor-rs": stack.enter_context(peers.thumbor(folder, processes=2, result_storage=True)),
            "ipx": stack.enter_context(peers.ipx(folder, processes=2)),
        }
        if avif:
            fast = {"RESIZER_MASTERS_CACHE_BYTES": "0", "RESIZER_AVIF_SPEED": "8"}
            running["resizer-fast"] = stack.enter_context(
                peers.resizer(folder, processes=2, settings=fast, name="resizer-fast")
            )
        yield running


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short run per case (a smoke test, not figures)")
    parser.add_argument("--report", action="store_true", help="rewrite the docs from the last run's samples")
    parser.add_argument(
        "--only", default=",".join(GROUPS), help=f"some of {','.join(GROUPS)}: merged into the last run's JSON"
    )
    parser.add_argument("--runs", type=int, help="runs per case (default: 3, page publish 2; --quick: 1)")
    args = parser.parse_args()
    groups = [group for group in args.only.split(",") if group]
    if unknown := set(groups) - set(GROUPS):
        parser.error(f"unknown scenarios {sorted(unknown)}: choose from {','.join(GROUPS)}")
    samples = SAMPLES.with_name("perf-quick.json") if args.quick else SAMPLES
    if not args.report:
        samples.parent.mkdir(parents=True, exist_ok=True)
        if set(groups) == set(GROUPS):  # a full run starts afresh
            samples.unlink(missing_ok=True)
        for part in (["base", "avif"], ["page"]):  # each saved as soon as measured
            if chosen := [group for group in part if group in groups]:
                started = time.monotonic()
                previous = json.loads(samples.read_text()) if samples.exists() else {}
                samples.write_text(json.dumps(merge(previous, measure(args.quick, chosen, args.runs), chosen)))
                print(f"measured {','.join(chosen)} in {(time.monotonic() - started) / 60:.1f} min")
    report = Report.from_json(json.loads(samples.read_text()))
    document = DOCS / "performance.md"
    if args.quick:  # a smoke test: the docs keep the figures of the last full run
        print(report.markdown(document.read_text()))
        return
    document.write_text(report.markdown(document.read_text()))
    if report.complete():
        report.chart(DOCS / "performance.png")
    else:
        print("the chart is kept: the JSON does not hold every group (run them all to redraw it)")
    print(document.read_text())


def merge(previous: dict, measured: dict, groups: list[str]) -> dict:
    """The last run's figures with those of `groups` replaced by the new ones."""
    merged = {**previous, **measured}
    kept = [s for s in previous.get("samples", []) if GROUPS_OF.get(s["scenario"]) not in groups]
    merged["samples"] = kept + measured.get("samples", [])
    merged["dates"] = {**previous.get("dates", {}), **measured["dates"]}
    return merged


GROUPS_OF = {"cold": "base", "warm": "base", "revalidate": "base", "avif": "avif"}


def measure(quick: bool, groups: list[str], runs: int | None = None) -> dict:
    """The figures of `groups` in one run, as JSON-ready data (bench/out/perf.json)."""
    wrk_runs, seconds, warmup, bursts = (1, 3, 1, 3) if quick else (3, 10, 2, BURSTS)
    today = datetime.date.today().isoformat()
    out: dict = {"samples": [], "dates": dict.fromkeys(groups, today)}
    if "base" in groups or "avif" in groups:
        out.update(cold_and_warm(groups, runs or wrk_runs, seconds, warmup, bursts))
    if "page" in groups:
        out["page"] = page_publish(runs or (1 if quick else 2), 12 if quick else publish.COUNT)
    return out


def cold_and_warm(groups: list[str], runs: int, seconds: float, warmup: float, bursts: int) -> dict:
    """The base scenarios and the AVIF cold one, on the same servers."""
    images = originals()
    folder = WORK / "originals"
    out: dict = {}
    if "base" in groups:
        before = pipeline_alone(folder, images)
    with systems(folder, "avif" in groups) as running:
        names = {name: system.groups for name, system in running.items()}
        with Memory(names) as memory:
            bench = Bench(running, memory, runs, seconds, warmup)
            if "avif" in groups:
                for image in images:
                    best = max(avif_outputs(running[p], avif_path(p, image), folder, image)["ssim"] for p in PEERS)
                    for name, server in MATCHED.items():
                        bench.qualities[(name, image)] = match_quality(running[server], name, folder, image, best)
                print("AVIF at the peers' SSIM:", {f"{n} {i}": q for (n, i), q in bench.qualities.items()})
            for image in images:
                if "base" in groups:
                    bench.measure(image, "cold", 8, COLD)
                    bench.measure(image, "cold", 1, COLD)
                    bench.measure(image, "warm", 8, WARM)
                    bench.measure(image, "revalidate", 8, WARM)
                if "avif" in groups:
                    bench.measure(image, "avif", 8, AVIF_COLD)
            if "base" in groups:
                out["revalidation"] = {
                    name: revalidates(running[name].base, PATHS[name][1].replace("{f}", "wall.jpg")) for name in WARM
                }
                out["bursts"] = {name: burst(running[name], name, bursts) for name in BURSTING}
            if "avif" in groups:
                out["avif_outputs"] = {
                    image: {
                        name: avif_outputs(running[MATCHED.get(name, name)], avif_path(name, image, q), folder, image)
                        | ({"q": q} if q else {})
                        for name in AVIF_COLD
                        for q in [bench.qualities.get((name, image))]
                    }
                    for image in images
                }
    out.update(samples=[dataclasses.asdict(sample) for sample in bench.samples], images=images, runs=runs)
    out["seconds"] = seconds
    if "base" in groups:
        # Measured before and after the load, and the faster taken: a ceiling is what this machine
        # can do, and a neighbour's burst during one of the two passes only ever slows it.
        after = pipeline_alone(folder, images)
        out["ceilings"] = {key: min(ms, after[key]) for key, ms in before.items()}
        print(
            "in-process ms, before and after the load:",
            {key: (round(ms, 1), round(after[key], 1)) for key, ms in before.items()},
        )
    return out


if __name__ == "__main__":
    main()
