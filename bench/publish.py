"""The page-publish load of bench/perf.py: many originals, each asked for in several widths and formats.

A page with `<picture>` and `srcset` makes its first visitors' browsers ask, within seconds, for
several widths × AVIF/WebP/JPEG of each of its images. `originals()` makes the photographs (mixed
sizes, 1–12 MP, from Debian's wallpaper packages, cropped and scaled the same way every time),
`schedule()` the order of the requests, `load()` sends them over a few keep-alive connections and
times each one's first byte.
"""

from __future__ import annotations

import http.client
import math
import random
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import peers
from PIL import Image

WIDTHS = (320, 640, 960, 1280)
FORMATS = ("avif", "webp", "jpg")
PER_PAGE = 4  # images on a page
COUNT = 50  # originals
TIMEOUT = 120  # seconds for one answer; a request not answered by then counts as an error (status 0)
# Photographs in Debian's wallpaper and background packages (licences: docs/performance.md).
PACKAGES = {
    "plasma-workspace-wallpapers": [
        f"usr/share/wallpapers/{name}/contents/images/2560x1600.jpg"
        for name in (
            "Autumn",
            "BytheWater",
            "ColdRipple",
            "ColorfulCups",
            "DarkestHour",
            "EveningGlow",
            "FallenLeaf",
            "Kite",
            "OneStandsOut",
            "Path",
            "summer_1am",
        )
    ],
    "lomiri-wallpapers-16.04": [
        f"usr/share/backgrounds/{name}.jpg"
        for name in (
            "Bridge_by_Sander_Klootwijk",
            "Dragonfly_by_Bolly",
            "Picture_0B_by_freespace",
            "Picture_1A_by_freespace",
            "Wine_by_Jakkub_Mede",
            "aitzgorri_by_Aitzol_Berasategi",
            "analogpattern_by_Peter_Nerlich",
            "free_by_Peter_Nerlich",
            "friends_by_Aitzol_Berasategi",
            "greentock_by_Peter_Nerlich",
            "life_by_Aitzol_Berasategi",
            "picosdeeuropa_by_Aitzol_Berasategi",
            "seeding_by_Clements_Engelhardt",
            "sunset_by_Aitzol_Berasategi",
            "umang_by_Abhishek_Mudgal",
        )
    ],
    "lomiri-wallpapers-20.04": [
        f"usr/share/backgrounds/{name}.jpg"
        for name in ("Infinite-Sea_by_Aury88", "Kleiber_by_Lukas_Baubkus", "Painting-Colors_by__herobrine7gamer")
    ],
    "mate-backgrounds": [
        f"usr/share/backgrounds/mate/{name}.jpg"
        for name in (
            "abstract/Elephants_5640x3172",
            "nature/Aqua",
            "nature/Blinds",
            "nature/Dune",
            "nature/FreshFlower",
            "nature/Garden",
            "nature/GreenMeadow",
            "nature/LadyBird",
            "nature/RainDrops",
            "nature/Storm",
            "nature/TwoWings",
            "nature/Wood",
            "nature/YellowFlower",
        )
    ],
}
ASPECTS = ((3, 2), (4, 3), (16, 9), (2, 3), (1, 1), (3, 4), (21, 9))


# -- originals -----------------------------------------------------------------------------------


def sources() -> list[Path]:
    """The photographs, extracted once from their packages (`apt-get download`) into bench/.cache."""
    folder = peers.CACHE / "debs"
    for package, paths in PACKAGES.items():
        if not all((folder / package / path).exists() for path in paths):
            with tempfile.TemporaryDirectory() as tmp:
                subprocess.run(["apt-get", "download", package], cwd=tmp, check=True, capture_output=True)
                deb = next(Path(tmp).glob("*.deb"))
                (folder / package).mkdir(parents=True, exist_ok=True)
                subprocess.run(["dpkg-deb", "-x", deb, folder / package], check=True)
    return [folder / package / path for package, paths in PACKAGES.items() for path in paths]


def sizes(count: int) -> list[tuple[int, int]]:
    """`count` sizes from 1 to 12 megapixels in a mixed order, of mixed aspect ratios, at least
    as wide as the widest rendition asked for (no system is asked to enlarge)."""
    out = []
    for index in range(count):
        megapixels = 1 + 11 * ((index * 23) % count) / (count - 1)
        across, down = ASPECTS[index % len(ASPECTS)]
        width = max(WIDTHS[-1], round(math.sqrt(megapixels * 1e6 * across / down)))
        out.append((width, round(width * down / across)))
    return out


def originals(folder: Path, count: int = COUNT) -> dict[str, tuple[int, int]]:
    """page00.jpg … (count of them) and warmup.jpg in `folder`: a crop of a photograph (the next
    one in turn whose crop is large enough, so scaling only shrinks but for the few largest),
    scaled to its size, as a q90 JPEG. The same bytes every time (for one Pillow version)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    photos = sources()
    turn = 0
    for index, (width, height) in enumerate([*sizes(count), (1600, 1067)]):
        name = f"page{index:02d}.jpg" if index < count else "warmup.jpg"
        made[name] = (width, height)
        if (folder / name).exists():
            continue
        for step in range(len(photos)):  # the next photograph large enough, else the largest
            source = Image.open(photos[(turn + step) % len(photos)])
            scale = min(source.width / width, source.height / height)
            if scale >= 1:
                break
        else:
            source = max((Image.open(p) for p in photos), key=lambda i: min(i.width / width, i.height / height))
            scale = min(source.width / width, source.height / height)
        turn = (turn + step + 1) % len(photos)
        crop_w, crop_h = round(width * scale), round(height * scale)
        left, top = (source.width - crop_w) * (index % 3) // 2, (source.height - crop_h) * (index % 2)
        image = source.convert("RGB").crop((left, top, left + crop_w, top + crop_h))
        image.resize((width, height), Image.Resampling.LANCZOS).save(folder / name, "JPEG", quality=90)
    return made


# -- the order of the requests -------------------------------------------------------------------


def schedule(names: list[str], seed: int = 15) -> list[tuple[str, int, str]]:
    """Every (original, width, format), as pages of PER_PAGE originals: a page's requests in a
    shuffled order, and each page's second half interleaved with the next page's first half (the
    visitors of one page still arriving when the next page is published)."""
    shuffle = random.Random(seed).shuffle
    pages = []
    for start in range(0, len(names), PER_PAGE):
        page = [(name, width, fmt) for name in names[start : start + PER_PAGE] for width in WIDTHS for fmt in FORMATS]
        shuffle(page)
        pages.append(page)
    order, carried = [], []
    for page in pages:
        half = len(page) // 2
        order += [request for pair in zip(carried, page[:half], strict=False) for request in pair]
        order += carried[half:] + page[len(carried) : half]  # whichever half is longer
        carried = page[half:]
    return order + carried


# -- the load ------------------------------------------------------------------------------------


MAGIC = {
    "jpg": lambda b: b[:2] == b"\xff\xd8",
    "webp": lambda b: b[8:12] == b"WEBP",
    "avif": lambda b: b[4:8] == b"ftyp",
}


@dataclass
class Answer:
    fmt: str
    ttfb: float  # ms: the request sent → status line and headers read
    total: float  # ms
    size: int  # body bytes
    status: int
    ok: bool  # 200 and the format asked for


def load(system: peers.Running, order: list[tuple[str, int, str]], connections: int = 8) -> dict:
    """Sends `order` over `connections` keep-alive connections, each taking the next request when
    its answer is read; figures for perf.json."""
    answers: list[Answer] = []
    queue = iter(order)
    lock = threading.Lock()
    port = int(system.base.rpartition(":")[2])

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                break
            file, width, fmt = item
            path = urllib.parse.urlsplit(system.url(file, width, fmt)).path
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                first = time.perf_counter()
                body = response.read()
                status, closes = response.status, response.will_close
            except (OSError, http.client.HTTPException):  # a timeout or a dropped connection: status 0
                first, body, status, closes = time.perf_counter(), b"", 0, True
            done = time.perf_counter()
            ok = status == 200 and MAGIC[fmt](body)
            with lock:
                answers.append(Answer(fmt, (first - started) * 1000, (done - started) * 1000, len(body), status, ok))
            if closes:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    good = [a for a in answers if a.ok]
    ttfb = sorted(a.ttfb for a in good) or [float("nan")]
    return {
        "requests": len(answers),
        "errors": len(answers) - len(good),
        "failures": dict(Counter(f"{a.status} {a.fmt}" for a in answers if not a.ok)),  # "503 avif": how many
        "seconds": seconds,
        "rps": len(good) / seconds,
        "ttfb_p50": statistics.median(ttfb),
        "ttfb_p95": ttfb[min(len(ttfb) - 1, math.ceil(0.95 * len(ttfb)) - 1)],
        "bytes": {fmt: statistics.median([a.size for a in good if a.fmt == fmt] or [0]) for fmt in FORMATS},
    }
