"""docs/performance.md and its chart, from the samples of bench/perf.py."""

from __future__ import annotations

import collections
import datetime
import functools
import math
import os
import platform
import statistics
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import PIL


@dataclass
class Sample:
    image: str
    scenario: str
    connections: int
    system: str
    run: int
    rps: float
    p50: float  # ms
    p99: float  # ms
    errors: int
    rss: float = 0.0  # MiB, the largest server process during the run


CORES = os.cpu_count() or 1
PEERS = ("thumbor", "ipx")
# The page publish's rows: (system, scenario), read where the run measured the system.
PAGE_ROWS = (("resizer", "page publish, c=8"), ("resizer-avif8", "page publish, c=8, `RESIZER_AVIF_SPEED=8`"))
# The AVIF servers also asked at the peers' SSIM (bench/perf.py's MATCHED): `server@ssim`.
AVIF_MATCHED = ("resizer-each@ssim", "resizer-fast@ssim")
# The AVIF target's rows: (system, how it renders), read where the run measured the system.
AVIF_ROWS = (
    ("resizer-each", "every request decoding"),
    ("resizer", "widths sharing decodes"),
    ("resizer-each@ssim", "every request decoding, at the peers' SSIM"),
    ("resizer-fast@ssim", "every request decoding, `RESIZER_AVIF_SPEED=8`, at the peers' SSIM"),
)
GROUPS = ("base", "avif", "page")  # what bench/perf.py --only chooses from
NAMES = {"avif": "AVIF", "webp": "WebP", "jpg": "JPEG"}
PREAMBLE = ""  # the text before the first section
# The sections this report writes, in order, and the group each one needs; docs/performance.md's
# other sections are written by hand and kept where they stand.
SECTIONS = {
    PREAMBLE: "base",
    "Targets": "",
    "Page publish": "page",
    "AVIF cold": "avif",
    "Every measurement": "base",
    "The pipeline alone": "base",
    "srcset burst and revalidation": "base",
}


def group_of(target: str) -> str:
    """The group a row of the Targets table belongs to, by its scenario."""
    return "page" if target.startswith("page publish") else "avif" if target.startswith("AVIF cold") else "base"


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, text) of each `## ` section of a markdown document; the preamble's heading is ""."""
    out, heading, lines = [], PREAMBLE, []
    for line in text.splitlines():
        if line.startswith("## "):
            out.append((heading, "\n".join(lines)))
            heading, lines = line[3:].strip(), []
        lines.append(line)
    out.append((heading, "\n".join(lines)))
    return out


def splice(previous: str, generated: list[tuple[str, str]]) -> str:
    """`previous` with its generated sections replaced by those of `generated`; the others kept
    in place, and a generated section it lacks put before the next generated one it has."""
    new = dict(generated)
    out = [(heading, new.pop(heading, text)) for heading, text in sections(previous)]
    for heading, text in generated:
        if heading not in new:
            continue
        later = list(SECTIONS)[list(SECTIONS).index(heading) + 1 :]
        at = next((i for i, (h, _) in enumerate(out) if h in later), len(out))
        out.insert(at, (heading, text))
    return "\n".join(text.rstrip("\n") + "\n" for _, text in out)


@dataclass
class Report:
    samples: list[Sample]
    ceilings: dict[tuple[str, str], float]  # (image, format) → in-process ms
    bursts: dict[str, dict]
    revalidation: dict[str, int]
    images: dict[str, str]
    runs: int
    seconds: float
    page: dict = field(default_factory=dict)  # bench/perf.py page_publish()
    avif_outputs: dict = field(default_factory=dict)  # image → system → median bytes and SSIM
    dates: dict = field(default_factory=dict)  # group → the day it was measured

    @classmethod
    def from_json(cls, data: dict) -> Report:
        samples = [Sample(**sample) for sample in data.get("samples", [])]
        ceilings = {tuple(key.split("|")): ms for key, ms in data.get("ceilings", {}).items()}
        return cls(
            samples,
            ceilings,
            data.get("bursts", {}),
            data.get("revalidation", {}),
            data.get("images", {}),
            data.get("runs", 0),
            data.get("seconds", 0),
            data.get("page", {}),
            data.get("avif_outputs", {}),
            data.get("dates", {}),
        )

    def groups(self) -> set[str]:
        """The groups of scenarios these figures hold."""
        held = {"page"} if self.page else set()
        held |= {"base"} if any(s.scenario == "cold" for s in self.samples) and self.ceilings else set()
        return held | ({"avif"} if any(s.scenario == "avif" for s in self.samples) else set())

    def complete(self) -> bool:
        return self.groups() == set(GROUPS)

    # -- figures ---------------------------------------------------------------------------------

    def median(self, attribute: str, **where: object) -> float:
        chosen = [s for s in self.samples if all(getattr(s, k) == v for k, v in where.items())]
        return statistics.median(getattr(s, attribute) for s in chosen) if chosen else float("nan")

    def ratio(self, image: str, scenario: str, ours: str, others: tuple[str, ...], connections: int = 8) -> float:
        """Median over runs of ours ÷ the best of `others` in the same run."""
        ratios = []
        for run in range(self.runs):
            where = {"image": image, "scenario": scenario, "connections": connections, "run": run}
            best = max(self.median("rps", system=name, **where) for name in others)
            ratios.append(self.median("rps", system=ours, **where) / best)
        return statistics.median(ratios)

    def ceiling(self, image: str) -> float:
        """Cold requests a second this machine could render at most: cores ÷ render time."""
        return CORES / (self.ceilings[(image, "jpg")] / 1000)

    def targets(self) -> list[tuple[str, str, str, bool]]:
        rows = self._base_targets() if "base" in self.groups() else []
        if "page" in self.groups():
            rows += self._page_targets()
        if "avif" in self.groups():
            rows += self._avif_targets()
        return rows

    def _base_targets(self) -> list[tuple[str, str, str, bool]]:
        rows = []
        for image in self.images:
            # resizer-each (masters cache off) renders every request from its original's bytes, as
            # the in-process ceiling and the peers do; resizer shares decodes between the widths.
            cold = self.median("rps", image=image, scenario="cold", connections=8, system="resizer-each")
            rows += [
                (
                    f"cold, c=8, filesystem, every request decoding ({image})",
                    "≥ 1.15 × best of thumbor and ipx",
                    *self._at_least(self.ratio(image, "cold", "resizer-each", PEERS), 1.15),
                ),
                (
                    f"cold, c=8, filesystem, widths sharing decodes ({image})",
                    "≥ 1.15 × best of thumbor and ipx",
                    *self._at_least(self.ratio(image, "cold", "resizer", PEERS), 1.15),
                ),
                (
                    f"cold, c=8, filesystem, every request decoding ({image})",
                    "≥ 85 % of the in-process ceiling",
                    *self._at_least(
                        cold / self.ceiling(image), 0.85, f" ({cold:.0f} of {self.ceiling(image):.0f} req/s)", "%"
                    ),
                ),
                (
                    f"cold, c=8, SeaweedFS ({image})",
                    "≥ 1.0 × best of thumbor and ipx",
                    *self._at_least(self.ratio(image, "cold", "resizer-s3", PEERS), 1.0),
                ),
                (
                    f"warm, c=8, filesystem ({image})",
                    "≥ 1.0 × thumbor with result storage",
                    *self._at_least(self.ratio(image, "warm", "resizer", ("thumbor-rs",)), 1.0),
                ),
                (
                    f"warm, c=8, SeaweedFS ({image})",
                    "≥ 0.5 × thumbor with result storage",
                    *self._at_least(self.ratio(image, "warm", "resizer-s3", ("thumbor-rs",)), 0.5),
                ),
            ]
            latency = self.median("p50", image=image, scenario="cold", connections=1, system="resizer-each")
            bound = self.ceilings[(image, "jpg")] + 15
            rows.append(
                (
                    f"c=1 cold latency, every request decoding ({image})",
                    "p50 ≤ in-process render + 15 ms",
                    f"{latency:.1f} ms ≤ {bound:.1f} ms",
                    latency <= bound,
                )
            )
        for name in ("resizer", "resizer-s3"):
            reads = self.bursts[name]["reads"]
            rows.append(
                (
                    f"srcset burst ({name})",
                    "the original fetched once for the 5 renditions",
                    f"reads per burst: {', '.join(f'{r:.0f}' for r in reads)}",
                    all(r == 1 for r in reads),
                )
            )
        theirs = max(s.rss for s in self.samples if s.scenario == "cold" and s.system == "thumbor")
        for name, how in (("resizer-each", "masters cache off"), ("resizer", "default"), ("resizer-s3", "SeaweedFS")):
            ours = max(s.rss for s in self.samples if s.scenario == "cold" and s.system == name)
            rows.append(
                (
                    f"memory ({name}, {how})",
                    "peak RSS per worker under the cold load ≤ thumbor's per process",
                    f"{ours:.0f} MiB vs {theirs:.0f} MiB",
                    ours <= theirs,
                )
            )
        return rows

    def _page_runs(self) -> list[dict[str, dict]]:
        """Each run's page-publish figures, by system."""
        runs = [{} for _ in range(self.page["runs"])]
        for result in self.page["results"]:
            runs[result["run"]][result["system"]] = result
        return runs

    def _page_targets(self) -> list[tuple[str, str, str, bool]]:
        rows = []
        measured = self._page_systems()
        for system, scenario in PAGE_ROWS:
            if system not in measured:
                continue  # a run from before this system was measured
            throughput, latency = [], []
            for run in self._page_runs():
                best = max(PEERS, key=lambda name: run[name]["rps"])
                throughput.append(run[system]["rps"] / run[best]["rps"])
                latency.append(run[system]["ttfb_p95"] / run[best]["ttfb_p95"])
            ratio = statistics.median(latency)
            ours, theirs = (self._page_figure("rss", name, max) for name in (system, "thumbor"))
            rows += [
                (scenario, "≥ 1.5 × the best peer's renditions/s", *self._at_least(statistics.median(throughput), 1.5)),
                (scenario, "p95 time to first byte ≤ 0.7 × the best peer's", f"{ratio:.2f} ×", ratio <= 0.7),
                (
                    scenario,
                    "peak RSS per worker ≤ thumbor's per process",
                    f"{ours:.0f} MiB vs {theirs:.0f} MiB",
                    ours <= theirs,
                ),
            ]
        return rows

    def _measured(self, system: str, scenario: str) -> bool:
        """Whether the run measured `system` in `scenario` (older runs lack the newer systems)."""
        return any(s.system == system and s.scenario == scenario for s in self.samples)

    def _page_systems(self) -> tuple[str, ...]:
        """resizer, resizer-avif8 where the run measured it, and the peers."""
        measured = {result["system"] for result in self.page["results"]}
        return tuple(name for name, _ in PAGE_ROWS if name in measured) + PEERS

    def _page_figure(self, key: str, system: str, over=statistics.median) -> float:
        return over(result[key] for result in self.page["results"] if result["system"] == system)

    def _avif_targets(self) -> list[tuple[str, str, str, bool]]:
        rows = []
        for image, system, how in (
            (image, system, how) for image in self.images for system, how in AVIF_ROWS if self._measured(system, "avif")
        ):
            ratio = self.ratio(image, "avif", system, PEERS)
            best = max(PEERS, key=lambda name: self.median("rps", image=image, scenario="avif", system=name))
            outputs = self.avif_outputs.get(image, {})
            ours, theirs = outputs.get(system), outputs.get(best)
            dominates = bool(ours and theirs) and ours["bytes"] <= theirs["bytes"] and ours["ssim"] >= theirs["ssim"]
            asked = f" (q_{ours['q']})" if ours and "q" in ours else ""
            shown = (
                f"{ratio:.2f} × {best}; {ours['bytes'] / 1000:.1f} kB{asked} at SSIM {ours['ssim']:.3f} against "
                f"{theirs['bytes'] / 1000:.1f} kB at {theirs['ssim']:.3f}"
                if ours and theirs
                else f"{ratio:.2f} ×"
            )
            rows.append(
                (
                    f"AVIF cold, c=8, filesystem, {how} ({image})",
                    "≥ 2 × the best peer, at no more bytes and no lower SSIM",
                    shown,
                    ratio >= 2 and dominates,
                )
            )
        return rows

    @staticmethod
    def _at_least(value: float, bound: float, extra: str = "", unit: str = "×") -> tuple[str, bool]:
        shown = f"{value * 100:.0f} %" if unit == "%" else f"{value:.2f} ×"
        return shown + extra, value >= bound

    # -- markdown --------------------------------------------------------------------------------

    def markdown(self, previous: str) -> str:
        """docs/performance.md: `previous` with the sections these figures make replaced."""
        held = self.groups()
        made = [
            (heading, "\n".join(lines))
            for heading, lines in self._sections(previous)
            if SECTIONS[heading] in held | {""}
        ]
        return splice(previous, made)

    def _sections(self, previous: str) -> list[tuple[str, list[str]]]:
        held = self.groups()
        kept = [  # the rows of the groups not measured, as the document had them
            line
            for heading, text in sections(previous)
            if heading == "Targets"
            for line in text.splitlines()
            if line.startswith("| ") and not line.startswith("| scenario ") and group_of(line[2:]) not in held
        ]
        return [
            (
                PREAMBLE,
                [
                    "# Performance",
                    "",
                    "resizer beside thumbor and ipx on one machine, in one run, written by",
                    "`.venv/bin/python bench/perf.py`: about 35 minutes for the base scenarios and AVIF cold",
                    "together and 11 for the page publish on this machine; `--only page` (or `base,avif`) runs",
                    "some of them and keeps the others' figures, `--runs N` sets the runs per case, `--quick` is a",
                    "smoke test.",
                    "",
                    *self._environment(),
                    "",
                ],
            ),
            (
                "Targets",
                [
                    "## Targets",
                    "",
                    "Medians over runs; ratios are taken run by run (resizer ÷ the best peer of the same run).",
                    "",
                    "| scenario | target | measured | met |",
                    "|---|---|---|---|",
                    *sorted(
                        [
                            *(f"| {s} | {t} | {m} | {'yes' if ok else '**no**'} |" for s, t, m, ok in self.targets()),
                            *kept,
                        ],
                        key=lambda row: ("base", "page", "avif").index(group_of(row[2:])),
                    ),
                    "",
                    "![requests per second](performance.png)",
                    "",
                ],
            ),
            ("Page publish", self._page_section() if "page" in held else []),
            ("AVIF cold", self._avif_section() if "avif" in held else []),
            (
                "Every measurement",
                [
                    "## Every measurement",
                    "",
                    f"wrk, {self.runs} runs of {self.seconds:g} s per case after a warm-up, the systems alternating.",
                    "Peak RSS is the largest server process during the run (a uvicorn worker, a thumbor or ipx",
                    "process); SeaweedFS is not counted.",
                    "",
                    "| image | scenario | c | system | req/s | p50 ms | p99 ms | peak RSS MiB | errors |",
                    "|---|---|---|---|---|---|---|---|---|",
                    *self._rows(),
                    "",
                ],
            ),
            (
                "The pipeline alone",
                [
                    "## The pipeline alone",
                    "",
                    "decode → resize → encode in-process on one thread, q80: over the cold scenario's widths "
                    "(300–499 px,",
                    "every 10 px) the mean of each width's median of 3; measured before and after the load, the "
                    "faster kept:",
                    "",
                    "| image | format | ms | ceiling (req/s on all cores) |",
                    "|---|---|---|---|",
                    *(
                        f"| {image} | {fmt} | {ms:.1f} | {CORES / (ms / 1000):.0f} |"
                        for (image, fmt), ms in self.ceilings.items()
                    ),
                    "",
                ],
            ),
            (
                "srcset burst and revalidation",
                [
                    "## srcset burst and revalidation",
                    "",
                    "Five widths of one original requested at once, as a browser does on a fresh page",
                    "(a fresh copy of photo.jpg for every burst):",
                    "",
                    "| system | ms per burst (median) | originals read per burst |",
                    "|---|---|---|",
                    *(
                        f"| {name} | {b['ms']:.0f} | {', '.join(f'{r:.0f}' for r in b['reads']) or '–'} |"
                        for name, b in self.bursts.items()
                    ),
                    "",
                    "Status of a request with the ETag of the previous answer as If-None-Match: "
                    + ", ".join(f"{name} {status}" for name, status in self.revalidation.items())
                    + ".",
                ],
            ),
        ]

    def _page_section(self) -> list[str]:
        page = self.page
        low, middle, high = page["megapixels"]
        rows = []
        for name in self._page_systems():
            figure = functools.partial(self._page_figure, system=name)
            sizes = [result["bytes"] for result in page["results"] if result["system"] == name]
            median_bytes = " / ".join(
                f"{statistics.median(size[fmt] for size in sizes) / 1000:.1f}" for fmt in page["formats"]
            )
            results = [result for result in page["results"] if result["system"] == name]
            errors = str(sum(result["errors"] for result in results))
            failures = collections.Counter()
            for result in results:
                failures.update(result.get("failures", {}))
            if failures:
                errors += f" ({', '.join(f'{what}: {count}' for what, count in sorted(failures.items()))})"
            rows.append(
                f"| {name} | {figure('rps'):.1f} | {figure('ttfb_p50'):.0f} | {figure('ttfb_p95'):.0f} | "
                f"{figure('rss', over=max):.0f} | {median_bytes} | {errors} |"
            )
        about = (
            f"Measured {self.dates.get('page', '?')}. {page['originals']} photographs ({low:.1f}, {middle:.1f} and "
            f"{high:.1f} MP: smallest, median, largest), each asked for at {len(page['widths'])} widths "
            f"({', '.join(map(str, page['widths']))} px) × {', '.join(NAMES[f] for f in page['formats'])} at each "
            f"system's default quality: {page['requests']} requests, over 8 keep-alive connections, each taking the "
            "next request when its answer is read. The order is a browser's: pages of "
            "4 photographs, a page's 48 requests shuffled, and each page's second half interleaved with the "
            "next page's first half. Every system is started afresh (nothing stored or cached) for each run "
            f"({page['runs']}, the systems in turn), warmed up on one photograph outside the set, and "
            "answers every request with a render; 2 worker processes each (resizer's uvicorn workers on "
            "the filesystem, two thumbor instances, ipx's node cluster)."
            + (
                " resizer-avif8 is resizer with `RESIZER_AVIF_SPEED=8`."
                if "resizer-avif8" in self._page_systems()
                else ""
            )
        )
        return [
            "## Page publish",
            "",
            *textwrap.wrap(about, 100),
            "",
            "The photographs are crops of the photographs in Debian's `plasma-workspace-wallpapers` (GPL-2+),",
            "`mate-backgrounds` (GPL-2+) and `lomiri-wallpapers-16.04`/`-20.04` (CC-BY-4.0, CC-BY-SA-4.0 and CC0,",
            "each photographer's as the package's copyright file names them), fetched with `apt-get download`",
            "into the gitignored bench/.cache and scaled to their size (bench/publish.py); they are not",
            "redistributed.",
            "",
            "Time to first byte: the request sent → the status line and headers read (every system renders",
            "before it answers). Medians over runs; peak RSS: the largest process of the system, largest",
            "over runs.",
            "",
            "| system | renditions/s | TTFB p50 ms | TTFB p95 ms | peak RSS MiB | median kB "
            + " / ".join(NAMES[f] for f in page["formats"])
            + " | errors |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]

    def _avif_section(self) -> list[str]:
        rows = []
        for image in self.images:
            for name in ("resizer", "resizer-each", "resizer-s3", "resizer-fast", *AVIF_MATCHED, *PEERS):
                where = {"image": image, "scenario": "avif", "connections": 8, "system": name}
                if not self._measured(name, "avif"):
                    continue
                outputs = self.avif_outputs.get(image, {}).get(name, {"bytes": math.nan, "ssim": math.nan})
                shown = f"{name} (q_{outputs['q']})" if "q" in outputs else name
                rows.append(
                    f"| {image} | {shown} | {self.median('rps', **where):.1f} | {self.median('p50', **where):.0f} | "
                    f"{self.median('p99', **where):.0f} | {outputs['bytes'] / 1000:.1f} | {outputs['ssim']:.3f} |"
                )
        about = (
            f"Measured {self.dates.get('avif', '?')}. The cold scenario (c=8, 300–499 px, every request a new "
            "rendition) with AVIF out, at each system's default quality: what `f_auto` and `<picture>` give most "
            "browsers. Bytes and SSIM (bench/quality.py's, against a Lanczos downscale of the full decode) are the "
            "medians of each system's outputs every 20 px over those widths. Those defaults are not of equal quality, "
            "so the target is also read at equal SSIM: `@ssim` is the same server asked at the lowest `q_` (from 50 in "
            "steps of 5) whose median SSIM reaches the best of the peers', found before the load. resizer-each and "
            "resizer-fast have the masters cache off, so every request decodes its original; resizer-fast encodes at "
            "`RESIZER_AVIF_SPEED=8` (the default is 7)."
        )
        return [
            "## AVIF cold",
            "",
            *textwrap.wrap(about, 100),
            "",
            "| image | system | req/s | p50 ms | p99 ms | median kB | median SSIM |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]

    def _environment(self) -> list[str]:
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        return [
            f"Measured {self.dates.get('base', datetime.date.today().isoformat())} on {CORES} cores ({model}), Python "
            f"{platform.python_version()}, Pillow {PIL.__version__}; thumbor and ipx as pinned in bench/peers.py.",
            "Originals: " + "; ".join(f"`{name}`: {what}" for name, what in self.images.items()) + ".",
            "Output: 400 px wide (cold: 300–499 px, every request a new rendition), JPEG, q80.",
        ]

    def _rows(self) -> list[str]:
        keys = sorted({(s.image, s.scenario, s.connections, s.system) for s in self.samples}, key=str)
        rows = []
        for image, scenario, connections, system in keys:
            where = {"image": image, "scenario": scenario, "connections": connections, "system": system}
            errors = sum(s.errors for s in self.samples if all(getattr(s, k) == v for k, v in where.items()))
            rows.append(
                f"| {image} | {scenario} | {connections} | {system} | {self.median('rps', **where):.0f} | "
                f"{self.median('p50', **where):.1f} | {self.median('p99', **where):.1f} | "
                f"{self.median('rss', **where):.0f} | {errors} |"
            )
        return rows

    # -- chart -----------------------------------------------------------------------------------

    def chart(self, path: Path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot

        figure, axes = pyplot.subplots(2, 2, figsize=(11, 8))
        for axis, scenario, names in (
            (axes[0][0], "cold", ("resizer", "resizer-each", "resizer-s3", "thumbor", "ipx")),
            (axes[0][1], "warm", ("resizer", "resizer-s3", "thumbor-rs")),
            (axes[1][0], "avif", ("resizer", "resizer-each", "resizer-fast", "resizer-s3", "thumbor", "ipx")),
        ):
            width = 0.8 / len(self.images)
            for offset, image in enumerate(self.images):
                values = [self.median("rps", image=image, scenario=scenario, connections=8, system=n) for n in names]
                positions = [i + offset * width for i in range(len(names))]
                axis.bar(positions, values, width, label=image)
            axis.set_xticks([i + width * (len(self.images) - 1) / 2 for i in range(len(names))], names, fontsize=8)
            axis.set_title(f"{'AVIF cold' if scenario == 'avif' else scenario}, 8 connections")
            axis.set_ylabel("requests per second (median)")
        names = self._page_systems()
        axes[1][1].bar(names, [self._page_figure("rps", name) for name in names], 0.5, color="tab:green")
        axes[1][1].set_title(f"page publish ({self.page['requests']} renditions), 8 connections")
        axes[1][1].set_ylabel("renditions per second (median)")
        handles, labels = axes[0][0].get_legend_handles_labels()
        figure.legend(handles, labels, loc="lower center", ncol=len(self.images))
        figure.tight_layout(rect=(0, 0.04, 1, 1))
        figure.savefig(path, dpi=100)
