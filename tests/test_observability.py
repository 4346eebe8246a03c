"""What an operator sees: /metrics summed over uvicorn's workers, one JSON line per request, Server-Timing."""

from __future__ import annotations

import json
import re
from collections import Counter

from tests.support.images import jpeg
from tests.support.prom import scrape
from tests.test_overload import together

SERVER_TIMING = re.compile(r'cache;desc="(hit|miss)", storage;dur=\d+\.\d, render;dur=\d+\.\d')


def access_lines(log: str) -> list[dict]:
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


def test_metrics_are_summed_over_workers_and_start_from_zero_at_each_boot(start_server, data_dir, tmp_path) -> None:
    (data_dir / "originals" / "cat.jpg").write_bytes(jpeg())
    run_dir = tmp_path / "run"
    stale = run_dir / "resizer-run-4194303-1"  # a server long gone
    (stale / "metrics").mkdir(parents=True)
    (stale / "metrics" / "counter_4194303.db").write_bytes(b"\0" * 64)
    env = {"RESIZER_DATA_DIR": str(data_dir), "RESIZER_RUN_DIR": str(run_dir)}
    server = start_server(env, workers=2)
    assert not stale.exists()
    answers = together(server, ["/media/w_50/cat.jpg"] * 30 + ["/media/w_abc/cat.jpg"] * 10)
    assert Counter(response.status for response, _ in answers) == {200: 30, 400: 10}
    (own,) = run_dir.iterdir()
    pids = {path.stem.rpartition("_")[2] for path in (own / "metrics").glob("counter_*.db")}
    assert len(pids) == 2, "both workers should have answered some of 40 concurrent requests"
    for _ in range(4):  # whichever worker answers the scrape, it reports both
        samples = scrape(server)
        assert samples['resizer_requests_total{status="200"}'] == 30
        assert samples['resizer_requests_total{status="400"}'] == 10
        assert 1 <= samples["resizer_render_seconds_count"] <= 2  # once per process at most (single flight)
    # A series with no sample yet is absent (all 30 may have joined one render per worker).
    lookups = [samples.get(f'resizer_renditions_total{{result="{result}"}}', 0) for result in ("miss", "hit")]
    assert sum(lookups) == 30
    assert samples["resizer_bytes_out_total"] == sum(len(r.body) for r, _ in answers)
    assert samples['resizer_bytes_in_total{store="originals"}'] >= len(jpeg())

    server.stop()
    again = start_server(env)
    assert [path.name for path in run_dir.iterdir()] != [own.name]  # the old directory is gone
    assert "resizer_requests_total" not in str(scrape(again))


def test_one_json_line_per_media_request_and_no_duplicate_noise(backend, key_prefix: str) -> None:
    key = f"{key_prefix}/cat.jpg"
    backend.put_original(key, jpeg())
    paths = [f"/media/w_40/{key}", f"/media/w_40/{key}", f"/media/w_abc/{key}", f"/media/w_40/{key_prefix}/no.jpg"]
    answers = [backend.server.get(path) for path in paths]
    backend.server.request("DELETE", f"/media/w_40/{key}")
    log = backend.server.log()
    mine = [line for line in access_lines(log) if key_prefix in line["path"]]
    assert [(line["method"], line["path"], line["status"], line["cache"]) for line in mine] == [
        ("GET", paths[0], 200, "miss"),
        ("GET", paths[1], 200, "hit"),
        ("GET", paths[2], 400, None),
        ("GET", paths[3], 404, None),
        ("DELETE", paths[0], 405, None),
    ]
    assert mine[0]["bytes"] == len(answers[0].body) and mine[0]["render_ms"] > 0 and mine[0]["storage_ms"] > 0
    assert mine[1]["render_ms"] == 0
    assert mine[3]["storage_ms"] > 0  # a failed lookup still says where its time went
    assert all(isinstance(line["ms"], float) for line in mine)
    assert f'"GET /media/w_40/{key}' not in log  # uvicorn's access line
    assert f"Bad Request: /media/w_abc/{key}" not in log and "Not Found: /media/" not in log  # django.request


def test_image_answers_carry_server_timing_and_errors_do_not(backend, key_prefix: str) -> None:
    key = f"{key_prefix}/cat.jpg"
    backend.put_original(key, jpeg())
    miss = backend.server.get(f"/media/w_30/{key}")
    hit = backend.server.get(f"/media/w_30/{key}")
    revalidated = backend.server.request("GET", f"/media/w_30/{key}", {"If-None-Match": hit.header("ETag")})
    assert SERVER_TIMING.fullmatch(miss.header("Server-Timing")).group(1) == "miss"
    assert SERVER_TIMING.fullmatch(hit.header("Server-Timing")).group(1) == "hit"
    assert revalidated.status == 304 and revalidated.header("Server-Timing")
    assert backend.server.get(f"/media/w_abc/{key}").header("Server-Timing") is None


def test_the_log_line_is_bounded_for_huge_paths(fs_backend) -> None:
    fs_backend.server.get("/media/w_10/" + "a" * 20000 + ".jpg")
    line = access_lines(fs_backend.server.log())[-1]
    assert line["status"] == 400 and len(line["path"]) == 2048


def test_probes_and_metrics_are_not_cached(fs_backend) -> None:
    response = fs_backend.server.get("/metrics")
    assert response.header("Cache-Control") == "no-store"
    assert response.header("Content-Type").startswith("text/plain; version=")
    assert b"# TYPE resizer_requests_total counter" in response.body
