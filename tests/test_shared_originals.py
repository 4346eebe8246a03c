"""Originals shared by a server's workers: one fetch per original, whichever worker asks."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import time
from collections import Counter
from pathlib import Path

import pytest

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


def SAME() -> str:  # the store's version of every original in these tests: unchanged
    return "v1"


def test_fetched_once_then_read_from_the_copy(tmp_path: Path) -> None:
    shared = SharedOriginals(tmp_path / "originals", 1000, 60)
    fetch, calls = counting()
    assert shared.fetch("a/cat.jpg", fetch, SAME) == b"original"
    assert shared.fetch("a/cat.jpg", fetch, SAME) == b"original"
    assert len(calls) == 1
    other, other_calls = counting(b"other")
    assert shared.fetch("a/dog.jpg", other, SAME) == b"other" and len(other_calls) == 1


def test_a_copy_older_than_the_age_bound_is_fetched_again(tmp_path: Path) -> None:
    import os

    clock = Clock()
    shared = SharedOriginals(tmp_path, 1000, 60, clock)
    fetch, calls = counting()
    shared.fetch("cat.jpg", fetch, SAME)
    copy = next(p for p in tmp_path.iterdir() if len(p.name) == 64)
    os.utime(copy, (clock.now, clock.now))
    clock.now += 59
    shared.fetch("cat.jpg", fetch, SAME)
    assert len(calls) == 1
    clock.now += 1
    shared.fetch("cat.jpg", fetch, SAME)
    assert len(calls) == 2


def test_bounded_by_bytes_oldest_first_and_never_by_one_giant(tmp_path: Path) -> None:
    shared = SharedOriginals(tmp_path, 250, 60)
    for index, key in enumerate(("a", "b", "c")):
        fetch, _ = counting(bytes([index]) * 100)
        shared.fetch(key, fetch, SAME)
        time.sleep(0.01)  # distinct modification times
    copies = [p for p in tmp_path.iterdir() if len(p.name) == 64]
    assert sorted(p.stat().st_size for p in copies) == [103, 103]  # "v1\n" and the 100 bytes
    fetch_a, calls_a = counting(b"\0" * 100)
    shared.fetch("a", fetch_a, SAME)
    assert len(calls_a) == 1  # the oldest went first
    giant, _ = counting(b"x" * 251)
    assert shared.fetch("giant", giant, SAME) == b"x" * 251
    assert sum(p.stat().st_size for p in tmp_path.iterdir() if len(p.name) == 64) <= 250 + 2 * 3


def test_a_copy_of_another_version_is_never_used_and_a_gone_original_is_asked_of_the_store(tmp_path: Path) -> None:
    shared = SharedOriginals(tmp_path, 1000, 60)
    fetch, calls = counting(b"first")
    assert shared.fetch("cat.jpg", fetch, SAME) == b"first"
    replaced, replaced_calls = counting(b"second")
    assert shared.fetch("cat.jpg", replaced, lambda: "v2") == b"second"  # replaced in place, without v_
    assert shared.fetch("cat.jpg", replaced, lambda: "v2") == b"second" and len(replaced_calls) == 1

    def gone() -> bytes:
        raise LookupError("the store has no such original")

    with pytest.raises(LookupError):  # deleted: the store's own answer (404), never the copy
        shared.fetch("cat.jpg", gone, lambda: None)
    assert len(calls) == 1


def test_a_broken_cache_only_costs_the_saving(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    shared = SharedOriginals(blocker / "originals", 1000, 60)
    fetch, calls = counting()
    assert shared.fetch("cat.jpg", fetch, SAME) == b"original" and len(calls) == 1


RACERS = 4


def _note(log: str, event: str) -> None:
    with open(log, "a") as handle:
        handle.write(f"{event} {time.time()!r}\n")


def _events(log: str) -> list[tuple[str, float]]:
    with open(log) as handle:
        return [(name, float(at)) for name, at in (line.split() for line in handle)]


def _race(directory: str, log: str, barrier: multiprocessing.synchronize.Barrier) -> None:
    def slow_fetch() -> bytes:
        # Hold the fetch open until every racer has called fetch() too, so that they all
        # ask while it is in flight, however long the processes took to start.
        _note(log, "fetch")
        deadline = time.monotonic() + 30
        while sum(name == "enter" for name, _ in _events(log)) < RACERS and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # the last one from its note to the lock
        _note(log, "fetched")
        return b"original"

    barrier.wait(60)
    _note(log, "enter")
    assert SharedOriginals(Path(directory), 1000, 60).fetch("cat.jpg", slow_fetch, SAME) == b"original"


def test_workers_racing_on_one_original_fetch_it_once(tmp_path: Path) -> None:
    log = tmp_path / "log"
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(RACERS)
    workers = [context.Process(target=_race, args=(str(tmp_path / "o"), str(log), barrier)) for _ in range(RACERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0] * RACERS
    events = _events(str(log))
    assert [name for name, _ in events].count("fetch") == 1
    (fetched,) = (at for name, at in events if name == "fetched")
    entered = [at for name, at in events if name == "enter"]
    # The race happened: every worker asked for the original while the one fetch was in flight.
    assert len(entered) == RACERS and max(entered) < fetched


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


def test_a_deleted_original_renders_no_new_size(backend, key_prefix: str) -> None:
    # A takedown: renditions already stored are the purge's business; no new one may be made.
    key = f"{key_prefix}/takedown.jpg"
    backend.put_original(key, jpeg((400, 300)))
    assert backend.server.get(f"/media/w_100/{key}").status == 200
    backend.delete_original(key)
    gone = backend.server.get(f"/media/w_120/{key}")
    assert gone.status == 404 and gone.body == b"no such original\n"
    assert backend.rendition_keys(key_prefix) == [f"{key}/w_100.jpg"]
