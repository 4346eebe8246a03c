"""Public image test corpora through the real service: every answer a correct image or an honest 422.

    .venv/bin/python bench/corpus.py DIR [DIR…] [--setting NAME=VALUE …] [--fresh N] [--json OUT]

Copies every file under the directories into a fresh data directory's originals/ (keys
`<directory name>/<path inside it>`), starts the service under uvicorn (one worker, filesystem
storage, as tests/support/server.py does) and asks seven renditions of each original, one request at
a time. Each answer must be:

- 200 with a body that Pillow decodes, in the format its Content-Type declares, at the size the URL
  asks for (never enlarged; the original's own size, upright, without options); or
- 422 where Pillow itself, with the service's decoder allow-list and limits, refuses the original
  (another format, over a limit, undecodable). A 422 for an original that Pillow decodes in an
  allowed format and within the limits is a finding, and so is any other status (5xx, 404 for a
  file that exists), a traceback in the log, a rendition stored for an answer that was not 200,
  or a change to the originals.

Memory: the worker's peak resident set (VmHWM) is reset before each original (/proc/PID/clear_refs)
and read after its seven requests, so each original is charged what its own renders added to the
resident set. `--fresh N` measures the N costliest again, each on a fresh server (nothing left
resident by the others). Exits 1 on any finding. How to fetch the corpora: docs/operations.md,
"Checking against public corpora".
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image, UnidentifiedImageError  # noqa: E402

from resizer.core.config import BY_NAME  # noqa: E402
from resizer.core.errors import BadRequest  # noqa: E402
from resizer.core.formats import ANIMATED_FORMATS, OWN_FORMATS  # noqa: E402
from resizer.core.formats import BY_NAME as FORMATS  # noqa: E402
from resizer.core.naming import rendition_name  # noqa: E402
from resizer.core.policy import Limits  # noqa: E402
from resizer.core.spec import Grammar, RenditionSpec, media_request_path, validate_key  # noqa: E402
from resizer.imaging import decoders, limits  # noqa: E402
from resizer.imaging.animation import ANIMATED_SOURCES  # noqa: E402
from tests.support.prom import scrape  # noqa: E402
from tests.support.server import Server  # noqa: E402

MIB = 1 << 20
GRAMMAR = Grammar()
# Pillow's names for what a body says it is.
PILLOW_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "AVIF": "image/avif", "GIF": "image/gif"}
TRANSPOSING = frozenset({5, 6, 7, 8})  # EXIF orientations that swap width and height
WARM_KEY = "warm.png"  # beside the corpora's directories, never one of their keys


@dataclass(frozen=True)
class Probe:
    """One URL asked of every original: its options, and the box its answer must fit."""

    name: str
    options: dict[str, object]

    @property
    def format(self) -> str | None:
        return self.options.get("f")  # type: ignore[return-value]

    def spec(self, key: str) -> RenditionSpec:
        return GRAMMAR.make(key, **self.options)

    def expected_size(self, source: tuple[int, int]) -> tuple[int, int]:
        """What the contract (docs/urls.md, "The box") gives for an upright source of this size."""
        width, height = source
        box_w, box_h = self.options.get("w"), self.options.get("h")
        if box_w is None:
            return source
        if self.options.get("c") == "fill":
            side = min(int(box_w), int(box_h), width, height)  # a square box shrinks to fit inside
            return side, side
        out_w = min(int(box_w), width)
        return out_w, max(1, int(height * out_w / width + 0.5))


PROBES = (
    Probe("optimized", {}),
    Probe("w_300", {"w": 300}),
    Probe("fill_300", {"w": 300, "h": 300, "c": "fill", "g": "auto"}),
    Probe("webp_200", {"w": 200, "f": "webp"}),
    Probe("avif_200", {"w": 200, "f": "avif"}),
    Probe("png_100", {"w": 100, "f": "png"}),
    # The costliest answer there is: AVIF's encoder takes ≈45 bytes per output pixel, and without a
    # width the output is the original's size (also what `f_auto` gives a browser that takes AVIF).
    Probe("avif_full", {"f": "avif"}),
)


@dataclass
class Source:
    """What Pillow alone, with the service's allow-list and limits, makes of an original."""

    verdict: str  # "decodes", or why the service may refuse it
    format: str | None = None
    size: tuple[int, int] | None = None  # upright (EXIF orientation applied)
    frames: int = 1
    max_pixels: int = 0  # RESIZER_MAX_SOURCE_PIXELS it was examined under

    @property
    def decodes(self) -> bool:
        return self.verdict == "decodes"

    def refusal(self, probe: Probe) -> str | None:
        """Why the service may refuse this rendition of it: the original's verdict, or the pixels
        an animated rendition holds across its frames (frames × the output's size)."""
        if not self.decodes:
            return self.verdict
        width, height = probe.expected_size(self.size) if self.size else (0, 0)
        if self._animated(probe) and self.frames * width * height > self.max_pixels:
            return f"too many pixels across frames ({self.frames} × {width}×{height})"
        return None

    def _animated(self, probe: Probe) -> bool:
        output = probe.format or OWN_FORMATS.get(self.format or "")
        return self.frames > 1 and self.format in ANIMATED_SOURCES and output in ANIMATED_FORMATS


@dataclass
class Answer:
    probe: str
    status: int
    content_type: str | None
    length: int
    problem: str | None = None  # why this answer is a finding


@dataclass
class Result:
    key: str
    path: str
    bytes: int
    source: Source
    answers: list[Answer] = field(default_factory=list)
    rss_before_mib: float = 0.0
    cost_mib: float = 0.0  # the peak resident set over rss_before while its requests and renders ran
    seconds: float = 0.0
    stray: list[str] = field(default_factory=list)  # renditions stored for answers that were not 200

    @property
    def findings(self) -> list[str]:
        found = [f"{a.probe}: {a.problem}" for a in self.answers if a.problem]
        return found + [f"stored although not answered 200: {name}" for name in self.stray]


@dataclass
class Report:
    results: list[Result]
    skipped: dict[str, str]  # files that cannot be an original's key, and why
    idle_mib: float
    peak_mib: float
    log_findings: list[str]
    originals_changed: bool

    @property
    def findings(self) -> list[str]:
        found = [f"{r.key} ({r.path}): {f}" for r in self.results for f in r.findings]
        if self.originals_changed:
            found.append("the originals directory changed")
        return found + self.log_findings


# -- what Pillow alone makes of an original --------------------------------------------------------


def examine(path: Path, bounds: Limits) -> Source:
    """Pillow's verdict on the original, under the decoder allow-list and the service's limits
    (`limits.apply` has set Pillow's process-wide ones in this process too)."""
    size = path.stat().st_size
    if size > bounds.max_source_bytes:
        return Source(f"over the byte limit ({size} bytes)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Pillow's notes on odd files, not verdicts
        warnings.simplefilter("error", Image.DecompressionBombWarning)  # as limits.apply has it
        source = _examine(path, bounds)
    source.max_pixels = bounds.max_source_pixels
    return source


def _examine(path: Path, bounds: Limits) -> Source:
    try:
        image = Image.open(path, formats=decoders.allowed())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return Source("over the pixel limit (Pillow's bomb check)")
    except Exception as exc:  # Pillow signals bad input with many exception types
        other = _other_format(path)
        return Source(f"not an allowed format ({other})" if other else f"Pillow cannot open it ({_why(exc)})")
    with image:
        return _examine_open(image, bounds)


def _examine_open(image: Image.Image, bounds: Limits) -> Source:
    fmt, (width, height) = image.format, image.size
    try:
        frames = getattr(image, "n_frames", 1)  # counting frames reads through the file
    except Exception as exc:
        return Source(f"Pillow cannot count its frames ({_why(exc)})", fmt)
    if width * height > bounds.max_source_pixels:
        return Source(f"over the pixel limit ({width}×{height})", fmt, None, frames)
    if frames > bounds.max_frames:
        return Source(f"over the frame limit ({frames} frames)", fmt, None, frames)
    try:
        image.load()  # a PNG's eXIf chunk may follow its pixels: read them before the EXIF block
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return Source("over the pixel limit (Pillow's bomb check)", fmt, None, frames)
    except Exception as exc:
        return Source(f"Pillow cannot decode it ({_why(exc)})", fmt, None, frames)
    upright = (height, width) if _orientation(image) in TRANSPOSING else (width, height)
    return Source("decodes", fmt, upright, frames)


def _why(exc: Exception) -> str:
    if isinstance(exc, UnidentifiedImageError):
        return "no decoder knows it"  # its message only repeats the file's path
    return f"{type(exc).__name__}: {str(exc)[:80]}"


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation, 1 when the block is unreadable (as browsers and the service take it)."""
    with contextlib.suppress(Exception):
        value = image.getexif().get(0x0112, 1)
        return value if isinstance(value, int) and 1 <= value <= 8 else 1
    return 1


def _other_format(path: Path) -> str | None:
    """The format Pillow would read it as without the allow-list, if any (TIFF, BMP, ICO…)."""
    with contextlib.suppress(Exception), Image.open(path) as image:
        return image.format
    return None


# -- judging one answer -----------------------------------------------------------------------------


def judge(probe: Probe, status: int, content_type: str | None, body: bytes, source: Source) -> str | None:
    """Why this answer is wrong for this original, or None when it is right."""
    refusal = source.refusal(probe)
    if status == 422:
        return None if refusal else "422, yet Pillow decodes it within the limits"
    if status != 200:
        return f"status {status}"
    if refusal:  # a limit or the allow-list passed by, or a decoder kinder than Pillow's
        return f"200, yet {refusal}"
    try:
        image = Image.open(io.BytesIO(body))
        image.load()
    except Exception as exc:
        return f"the 200's body does not decode ({type(exc).__name__}: {exc})"
    declared = PILLOW_MIME.get(image.format or "")
    if declared != content_type:
        return f"the body is {image.format}, declared {content_type}"
    if content_type not in _types(probe, source):
        return f"{content_type} where {sorted(_types(probe, source))} was asked"
    if source.size is not None and not _near(image.size, probe.expected_size(source.size)):
        return f"{image.size[0]}×{image.size[1]}, expected {probe.expected_size(source.size)} of {source.size}"
    return None


def _types(probe: Probe, source: Source) -> set[str]:
    if probe.format is not None:
        return {FORMATS[str(probe.format)].mime}
    own = OWN_FORMATS.get(source.format or "")
    return {FORMATS[own].mime} if own else {FORMATS["jpg"].mime, FORMATS["png"].mime}


def _near(actual: tuple[int, int], expected: tuple[int, int]) -> bool:
    return all(abs(a - e) <= 1 for a, e in zip(actual, expected, strict=True))


# -- the run ------------------------------------------------------------------------------------------


def gather(directories: Iterable[Path], originals: Path) -> tuple[dict[str, Path], dict[str, str]]:
    """Copy every file into originals/ under `<directory name>/<relative path>`; keys the URL
    grammar refuses are skipped (with why), so that no refusal is blamed on the service."""
    keys: dict[str, Path] = {}
    skipped: dict[str, str] = {}
    labels: Counter[str] = Counter()
    for directory in directories:
        labels[directory.name] += 1
        label = directory.name if labels[directory.name] == 1 else f"{directory.name}-{labels[directory.name]}"
        for path in sorted(p for p in directory.rglob("*") if p.is_file() and not p.is_symlink()):
            key = f"{label}/{path.relative_to(directory).as_posix()}"
            try:
                validate_key(key)
            except BadRequest as exc:
                skipped[str(path)] = exc.message
                continue
            target = originals / key
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            keys[key] = path
    return keys, skipped


def settings_limits(settings: dict[str, str]) -> Limits:
    def value(name: str) -> int:
        return int(settings.get(name, BY_NAME[name].default))

    return Limits(value("RESIZER_MAX_SOURCE_BYTES"), value("RESIZER_MAX_SOURCE_PIXELS"), value("RESIZER_MAX_FRAMES"))


def check(
    directories: Iterable[Path],
    workdir: Path,
    settings: dict[str, str] | None = None,
    progress: Callable[[int, int, Result], None] | None = None,
) -> Report:
    """The whole check: gather into `workdir`/data, serve it, ask every probe of every original."""
    settings = dict(settings or {})
    bounds = settings_limits(settings)
    limits.apply(bounds)  # Pillow's process-wide limits, as the service's bootstrap sets them
    data = workdir / "data"
    (data / "originals").mkdir(parents=True)
    (data / "renditions").mkdir()
    keys, skipped = gather(directories, data / "originals")
    server = Server(
        {"RESIZER_DATA_DIR": str(data), "RESIZER_RUN_DIR": str(workdir), **settings}, workdir / "uvicorn.log"
    ).start(timeout=60)
    try:
        warm(server, data)
        before = tree(data / "originals")
        pids = worker_pids(server.process.pid)
        idle = max(rss_mib(pid, "VmRSS") for pid in pids)
        results, peak = [], idle
        for index, (key, path) in enumerate(keys.items()):
            result = measure(server, pids, data, key, path, examine(path, bounds))
            peak = max(peak, result.rss_before_mib + result.cost_mib)
            results.append(result)
            if progress:
                progress(index + 1, len(keys), result)
    finally:
        server.stop()
    return Report(results, skipped, idle, peak, log_findings(server.log()), tree(data / "originals") != before)


def measure(server: Server, pids: list[int], data: Path, key: str, path: Path, source: Source) -> Result:
    """Ask every probe of one original; charge it the peak resident set its requests reached."""
    result = Result(key, str(path), path.stat().st_size, source)
    for pid in pids:
        reset_peak(pid)
    result.rss_before_mib = max(rss_mib(pid, "VmRSS") for pid in pids)
    started = time.monotonic()
    stored_for = set()
    for probe in PROBES:
        spec = probe.spec(key)
        answer = server.request("GET", media_request_path(GRAMMAR.build_path(spec), None), timeout=120)
        content_type = answer.header("content-type")
        problem = judge(probe, answer.status, content_type, answer.body, source)
        result.answers.append(Answer(probe.name, answer.status, content_type, len(answer.body), problem))
        if answer.status == 200:
            stored_for.add(rendition_name(GRAMMAR, spec, probe.format))
    settle(server)
    result.seconds = time.monotonic() - started
    # The kernel's resident counters lag by a few pages per thread: a file that added nothing can
    # read a hair below zero.
    result.cost_mib = max(0.0, max(rss_mib(pid, "VmHWM") for pid in pids) - result.rss_before_mib)
    folder = data / "renditions" / key
    stored = {f"{key}/{p.name}" for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()
    result.stray = sorted(stored - stored_for)
    return result


def settle(server: Server, timeout: float = 300) -> None:
    """Wait until no render is running: one answered 504 goes on in its thread (and its slot), and
    its peak belongs to this original, not the next."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        admitted = sum(value for name, value in scrape(server).items() if name.startswith("resizer_renders_admitted"))
        if admitted == 0:
            return
        time.sleep(0.1)


def log_findings(log: str) -> list[str]:
    """A traceback is a bug the answers may not show (a rendition stored, then a failure)."""
    return ["the server logged a traceback (see uvicorn.log)"] if "Traceback" in log else []


def tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


# -- memory -------------------------------------------------------------------------------------------


def worker_pids(supervisor: int) -> list[int]:
    """uvicorn's worker processes; with one worker, uvicorn serves from the process it started."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rpartition(")")[2].split()[1]) == supervisor:
                pids.append(int(stat.parent.name))
    return pids or [supervisor]


def rss_mib(pid: int, field_name: str) -> float:
    """VmRSS (resident now) or VmHWM (peak resident since start or the last reset), in MiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        line = next(line for line in handle if line.startswith(f"{field_name}:"))
    return int(line.split()[1]) / 1024


def reset_peak(pid: int) -> None:
    """VmHWM back to the current resident set (Linux ≥ 4.0), so the next peak is this original's."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as handle:
        handle.write("5")


def fresh_costs(results: list[Result], workdir: Path, settings: dict[str, str], count: int) -> list[tuple]:
    """The `count` costliest originals again, each alone on a fresh server after one small render:
    what each costs over a worker that holds nothing of the others'."""
    costly = sorted(results, key=lambda r: r.cost_mib, reverse=True)[:count]
    measured = []
    for index, result in enumerate(costly):
        data = workdir / f"fresh-{index}"
        (data / "originals").mkdir(parents=True)
        (data / "renditions").mkdir()
        target = data / "originals" / result.key
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result.path, target)
        env = {"RESIZER_DATA_DIR": str(data), "RESIZER_RUN_DIR": str(workdir), **settings}
        server = Server(env, workdir / f"fresh-{index}.log").start(timeout=60)
        try:
            warm(server, data)
            pids = worker_pids(server.process.pid)
            again = measure(server, pids, data, result.key, Path(result.path), result.source)
            measured.append((result.key, again.rss_before_mib, again.rss_before_mib + again.cost_mib, again.seconds))
        finally:
            server.stop()
    return measured


def warm(server: Server, data: Path) -> None:
    """Every probe of one small original, so that the idle worker has loaded every module and
    encoder, and the first original of the run is not charged for them."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 100, 50)).save(out, "PNG")
    (data / "originals" / WARM_KEY).write_bytes(out.getvalue())
    for probe in PROBES:
        path = media_request_path(GRAMMAR.build_path(probe.spec(WARM_KEY)), None)
        assert server.get(path).status == 200, f"the service cannot render {path}"


# -- the report ---------------------------------------------------------------------------------------


def summary(report: Report, fresh: list[tuple]) -> str:
    lines = ["", "| corpus | files | 200 | 422 | other | originals answered 422 (Pillow's verdict) | findings |"]
    lines.append("|---|---|---|---|---|---|---|")
    by_corpus: dict[str, list[Result]] = {}
    for result in report.results:
        by_corpus.setdefault(result.key.split("/", 1)[0], []).append(result)
    for corpus, results in by_corpus.items():
        statuses = Counter(a.status for r in results for a in r.answers)
        refused = Counter(reason for r in results for reason in _reasons(r))
        reasons = ", ".join(f"{n} {reason}" for reason, n in refused.most_common()) or "none"
        other = sum(n for status, n in statuses.items() if status not in (200, 422))
        findings = sum(len(r.findings) for r in results)
        cells = [corpus, len(results), statuses[200], statuses[422], other, reasons, findings]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    lines += ["", f"worker resident set: {report.idle_mib:.0f} MiB idle, peak {report.peak_mib:.0f} MiB (VmHWM)"]
    lines += ["", "costliest originals (peak resident set over the resident set before their requests):"]
    for result in sorted(report.results, key=lambda r: r.cost_mib, reverse=True)[:15]:
        source = result.source
        shape = f"{source.format} {source.size[0]}×{source.size[1]} ×{source.frames}" if source.size else source.verdict
        lines.append(f"  {result.cost_mib:7.1f} MiB  {result.seconds:5.1f} s  {result.key}  ({shape})")
    if fresh:
        lines += ["", "the costliest again, each alone on a fresh worker (idle → peak VmHWM):"]
        for key, idle, peak, seconds in fresh:
            lines.append(f"  {peak - idle:7.1f} MiB  ({idle:.0f} → {peak:.0f} MiB)  {seconds:5.1f} s  {key}")
    if report.skipped:
        lines += ["", f"skipped (not a key the URL grammar allows): {len(report.skipped)}"]
        lines += [f"  {path}: {why}" for path, why in sorted(report.skipped.items())]
    findings = report.findings
    lines += ["", f"findings: {len(findings)}"] + [f"  {finding}" for finding in findings]
    return "\n".join(lines)


def _reasons(result: Result) -> set[str]:
    """Why its 422s were expected, each reason once per original (without its particulars)."""
    probes = {probe.name: probe for probe in PROBES}
    refusals = (result.source.refusal(probes[a.probe]) for a in result.answers if a.status == 422)
    return {(refusal or "unexpected").split(" (", 1)[0] for refusal in refusals}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directories", nargs="+", type=Path)
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE", help="a RESIZER_* setting")
    parser.add_argument("--fresh", type=int, default=0, metavar="N", help="measure the N costliest alone again")
    parser.add_argument("--json", type=Path, help="write every answer and measurement here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (data, uvicorn.log)")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.setting)
    workdir = Path(tempfile.mkdtemp(prefix="resizer-corpus-"))

    def progress(done: int, total: int, result: Result) -> None:
        if done % 100 == 0 or done == total or result.findings:
            print(f"{done}/{total} {result.key}: {len(result.findings)} finding(s)", file=sys.stderr, flush=True)

    try:
        report = check(args.directories, workdir, settings, progress)
        fresh = fresh_costs(report.results, workdir, settings, args.fresh) if args.fresh else []
        if args.json:
            args.json.write_text(json.dumps({"report": asdict(report), "fresh": fresh}, indent=1, default=str))
        print(summary(report, fresh))
    finally:
        if args.keep:
            print(f"work directory: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
