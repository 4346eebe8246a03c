"""docs/performance.md and its chart, from the samples of bench/perf.py."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
from dataclasses import dataclass
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
NOTES = Path(__file__).with_name("perf_notes.md").read_text().splitlines()  # what was tried, by hand


@dataclass
class Report:
    samples: list[Sample]
    ceilings: dict[tuple[str, str], float]  # (image, format) → in-process ms
    bursts: dict[str, dict]
    revalidation: dict[str, int]
    images: dict[str, str]
    runs: int
    seconds: float

    @classmethod
    def from_json(cls, data: dict) -> Report:
        samples = [Sample(**sample) for sample in data["samples"]]
        ceilings = {tuple(key.split("|")): ms for key, ms in data["ceilings"].items()}
        return cls(
            samples, ceilings, data["bursts"], data["revalidation"], data["images"], data["runs"], data["seconds"]
        )

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
        rows = []
        for image in self.images:
            cold = self.median("rps", image=image, scenario="cold", connections=8, system="resizer")
            rows += [
                (
                    f"cold, c=8, filesystem ({image})",
                    "≥ 1.15 × best of thumbor and ipx",
                    *self._at_least(self.ratio(image, "cold", "resizer", PEERS), 1.15),
                ),
                (
                    f"cold, c=8, filesystem ({image})",
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
            latency = self.median("p50", image=image, scenario="cold", connections=1, system="resizer")
            bound = self.ceilings[(image, "jpg")] + 15
            rows.append(
                (
                    f"c=1 cold latency ({image})",
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
        ours = max(s.rss for s in self.samples if s.scenario == "cold" and s.system.startswith("resizer"))
        theirs = max(s.rss for s in self.samples if s.scenario == "cold" and s.system == "thumbor")
        rows.append(
            (
                "memory",
                "peak RSS per worker under the cold load ≤ thumbor's per process",
                f"{ours:.0f} MiB vs {theirs:.0f} MiB",
                ours <= theirs,
            )
        )
        return rows

    @staticmethod
    def _at_least(value: float, bound: float, extra: str = "", unit: str = "×") -> tuple[str, bool]:
        shown = f"{value * 100:.0f} %" if unit == "%" else f"{value:.2f} ×"
        return shown + extra, value >= bound

    # -- markdown --------------------------------------------------------------------------------

    def markdown(self) -> str:
        lines = [
            "# Performance",
            "",
            "resizer beside thumbor and ipx on one machine, in one run, written by",
            "`.venv/bin/python bench/perf.py` (about 20 minutes; `--quick` for a smoke test).",
            "",
            *self._environment(),
            "",
            "## Targets",
            "",
            "Medians over runs; ratios are taken run by run (resizer ÷ the best peer of the same run).",
            "",
            "| scenario | target | measured | met |",
            "|---|---|---|---|",
            *(f"| {s} | {t} | {m} | {'yes' if ok else '**no**'} |" for s, t, m, ok in self.targets()),
            "",
            "![requests per second](performance.png)",
            "",
            *NOTES,
            "",
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
            "## The pipeline alone",
            "",
            "decode → resize → encode in-process on one thread, q80: over the cold scenario's widths (300–499 px,",
            "every 10 px) the mean of each width's median of 3; measured before and after the load, the faster kept:",
            "",
            "| image | format | ms | ceiling (req/s on all cores) |",
            "|---|---|---|---|",
            *(
                f"| {image} | {fmt} | {ms:.1f} | {CORES / (ms / 1000):.0f} |"
                for (image, fmt), ms in self.ceilings.items()
            ),
            "",
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
            "",
        ]
        return "\n".join(lines)

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
            f"Measured {datetime.date.today().isoformat()} on {CORES} cores ({model}), Python "
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

        figure, axes = pyplot.subplots(1, 2, figsize=(11, 4))
        for axis, scenario, names in (
            (axes[0], "cold", ("resizer", "resizer-s3", "thumbor", "ipx")),
            (axes[1], "warm", ("resizer", "resizer-s3", "thumbor-rs")),
        ):
            width = 0.8 / len(self.images)
            for offset, image in enumerate(self.images):
                values = [self.median("rps", image=image, scenario=scenario, connections=8, system=n) for n in names]
                positions = [i + offset * width for i in range(len(names))]
                axis.bar(positions, values, width, label=image)
            axis.set_xticks([i + width * (len(self.images) - 1) / 2 for i in range(len(names))], names)
            axis.set_title(f"{scenario}, 8 connections")
            axis.set_ylabel("requests per second (median)")
        handles, labels = axes[0].get_legend_handles_labels()
        figure.legend(handles, labels, loc="lower center", ncol=len(self.images))
        figure.tight_layout(rect=(0, 0.08, 1, 1))
        figure.savefig(path, dpi=100)
