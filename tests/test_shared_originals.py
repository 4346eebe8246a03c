"""Originals shared by a server's workers: one fetch per original, whichever worker asks."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from pathlib import Path

from resizer.server.sources import SharedOriginals
from tests.support.images import decode, jpeg
from tests.support.prom import scrape
from tests.test_overload import together


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def counting(data: bytes = b"original"):
    calls = []

    def fetch() -> bytes:
        calls.append(1)
        return data

    return fetch, calls


def test_fetched_once_then_read_from_the_copy(tmp_path: Path) -> None:
    shared = SharedOriginals(tmp_path / "originals", 1000, 60)
    fetch, calls = counting()
    assert shared.fetch("a/cat.jpg", fetch) == b"original"
    assert shared.fetch("a/cat.jpg", fetch) == b"original"
    assert len(calls) == 1
    other, other_calls = counting(b"other")
    assert shared.fetch("a/dog.jpg", other) == b"other" and len(other_calls) == 1


def test_a_copy_older_than_the_age_bound_is_fetched_again(tmp_path: Path) -> None:
    import os

    clock = Clock()
    shared = SharedOriginals(tmp_path, 1000, 60, clock)
    fetch, calls = counting()
    shared.fetch("cat.jpg", fetch)
    copy = next(p for p in tmp_path.iterdir() if len(p.name) == 64)
    os.utime(copy, (clock.now, clock.now))
    clock.now += 59
    shared.fetch("cat.jpg", fetch)
    assert len(calls) == 1
    clock.now += 1
    shared.fetch("cat.jpg", fetch)
    assert len(calls) == 2


def test_bounded_by_bytes_oldest_first_and_never_by_one_giant(tmp_path: Path) -> None:
    shared = SharedOriginals(tmp_path, 250, 60)
    for index, key in enumerate(("a", "b", "c")):
        fetch, _ = counting(bytes([index]) * 100)
        shared.fetch(key, fetch)
        time.sleep(0.01)  # distinct modification times
    copies = [p for p in tmp_path.iterdir() if len(p.name) == 64]
    assert sorted(p.stat().st_size for p in copies) == [100, 100]
    fetch_a, calls_a = counting(b"\0" * 100)
    shared.fetch("a", fetch_a)
    assert len(calls_a) == 1  # the oldest went first
    giant, _ = counting(b"x" * 251)
    assert shared.fetch("giant", giant) == b"x" * 251
    assert sum(p.stat().st_size for p in tmp_path.iterdir() if len(p.name) == 64) <= 250


def test_a_broken_cache_only_costs_the_saving(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    shared = SharedOriginals(blocker / "originals", 1000, 60)
    fetch, calls = counting()
    assert shared.fetch("cat.jpg", fetch) == b"original" and len(calls) == 1


def _race(directory: str, tally: str, start: float) -> None:
    def slow_fetch() -> bytes:
        with open(tally, "a") as handle:
            handle.write("fetch\n")
        time.sleep(0.3)
        return b"original"

    time.sleep(max(0.0, start - time.time()))
    assert SharedOriginals(Path(directory), 1000, 60).fetch("cat.jpg", slow_fetch) == b"original"


def test_workers_racing_on_one_original_fetch_it_once(tmp_path: Path) -> None:
    tally = tmp_path / "tally"
    start = time.time() + 0.5
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_race, args=(str(tmp_path / "o"), str(tally), start)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert tally.read_text() == "fetch\n"


def test_a_srcset_burst_fetches_its_original_once_over_two_workers(seaweed, start_server, key_prefix, tmp_path) -> None:
    widths = (320, 480, 640, 960, 1280)
    keys = [f"{key_prefix}/photo{index}.jpg" for index in range(6)]
    for key in keys:
        seaweed.put("originals", key, jpeg((2000, 1500)))
    run_dir = tmp_path / "run"
    run_dir.mkdir()  # a run directory the operator names must exist
    server = start_server({**seaweed.env(), "RESIZER_RUN_DIR": str(run_dir)}, workers=2)
    for key in keys:
        answers = together(server, [f"/media/w_{width}/{key}" for width in widths])
        assert Counter(response.status for response, _ in answers) == {200: 5}
        assert sorted(decode(response.body).width for response, _ in answers) == list(widths)
    samples = scrape(server)
    assert samples['resizer_storage_seconds_count{op="read",store="originals"}'] == len(keys)  # once per burst
    (own,) = run_dir.iterdir()
    workers = {path.stem.rpartition("_")[2] for path in (own / "metrics").glob("counter_*.db")}
    assert len(workers) == 2, "both workers should have taken part in the bursts"
