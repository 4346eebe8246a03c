"""The hostile-input suite: bombs, lies, polyglots, traversal spellings, malformed options, odd methods.

Every case goes through real uvicorn to both storages (a SeaweedFS bucket pair of its own, and a
data directory of its own), and asserts its status, a short body without traceback or internals,
and that nothing was written to either storage (200s: exactly the one rendition). The last test
checks that both services are still healthy after all of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from resizer.server.headers import cache_control
from tests.support import hostile
from tests.support.images import decode, jpeg
from tests.support.ports import free_port
from tests.support.prom import scrape
from tests.support.seaweed import SeaweedFS
from tests.support.server import Response, Server, peak_rss_mib, raw_request
from tests.test_http import assert_no_leak

PREFIX = "hostile"
MAX_SOURCE_BYTES = 4 << 20

ORIGINALS: dict[str, Callable[[], bytes]] = {
    "cat.jpg": lambda: jpeg((400, 300)),
    "zero.jpg": lambda: b"",
    "text.jpg": lambda: b"hello, I am not a picture\n",
    "html.jpg": lambda: b"<!doctype html><html><body>" + hostile.PAYLOAD + b"</body></html>",
    "svg-script.svg": hostile.svg_with_script,
    "svg-script.jpg": hostile.svg_with_script,
    "truncated.jpg": hostile.truncated_jpeg,
    "truncated.png": hostile.truncated_png,
    "bad-crc.png": hostile.png_bad_crc,
    "jpeg-html-tail.jpg": hostile.jpeg_with_html_tail,
    "gif-js-polyglot.gif": hostile.gif_js_polyglot,
    "png-php-text.png": hostile.png_with_payload_text,
    "huge-app1.jpg": hostile.jpeg_with_huge_app_segment,
    "png-65535.png": lambda: hostile.png_declaring(65535, 65535),
    "png-50mp.png": lambda: hostile.png_declaring(7072, 7072),
    "jpeg-65500.jpg": lambda: hostile.jpeg_declaring(65500, 65500),
    "gif-65535.gif": lambda: hostile.gif_declaring(65535, 65535),
    "idat-bomb-2000.png": lambda: hostile.idat_bomb(2000, 2000),
    "idat-bomb-8000.png": lambda: hostile.idat_bomb(8000, 8000),
    "ztxt-bomb.png": hostile.ztxt_bomb,
    "ztxt-after-idat.png": lambda: hostile.ztxt_bomb(after_idat=True),
    "itxt-bomb.png": hostile.itxt_bomb,
    "iccp-bomb.png": hostile.iccp_bomb,
    "many-text.png": hostile.many_text_chunks,
    "gif-5000-frames.gif": lambda: hostile.gif_frames(5000),
    "apng-2g-frames.png": lambda: hostile.apng_declaring_frames(2**31 - 1),
    "webp-200-frames.webp": lambda: hostile.webp_frames(200),
    "eps.jpg": lambda: hostile.foreign("EPS"),
    "psd.jpg": lambda: hostile.foreign("PSD"),
    "tiff.jpg": lambda: hostile.foreign("TIFF"),
    "bmp.jpg": lambda: hostile.foreign("BMP"),
    "ico.jpg": lambda: hostile.foreign("ICO"),
    "jpeg2000.jpg": lambda: hostile.foreign("JPEG2000"),
    "too-big.jpg": lambda: jpeg((40, 30)) + b"\0" * (MAX_SOURCE_BYTES + 1),
}


MALFORMED_OPTIONS = (
    "w_abc", "w_0", "w_-1", "w_4097", "w_1e3", "w_%20100", "w_%EF%BC%91%EF%BC%90", "h_0", "c_x", "g_up",
    "bg_xyz", "dpr_0.5", "dpr_5", "dpr_1.001", "q_0", "q_101", "f_bmp", "f_svg", "v_", "v_a.b", "p_unknown",
    "w_10/w_20", "w_10/s_" + "A" * 43, "w_3000/dpr_2",
)  # fmt: skip
SERVED = ("cat.jpg", "jpeg-html-tail.jpg", "png-php-text.png", "huge-app1.jpg", "idat-bomb-2000.png")


@dataclass(frozen=True)
class Case:
    target: str  # the request target, sent byte for byte; {p} is the suite's key prefix
    status: int
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    raw: bool = False  # sent over a bare socket: http.client refuses control characters
    stores: int = 0  # renditions a 200 writes
    ours: bool = True  # False: uvicorn refuses the request line itself, before the app


def source(name: str, status: int, stores: int = 0) -> tuple[str, Case]:
    return f"source:{name}", Case(f"/media/w_100/{{p}}/{name}", status, stores=stores)


def key(label: str, target: str, **kwargs) -> tuple[str, Case]:
    return f"key:{label}", Case(target, 400, **kwargs)


def option(spelling: str) -> tuple[str, Case]:
    return f"option:{spelling}", Case(f"/media/{spelling}/{{p}}/cat.jpg", 400)


def method(name: str, status: int = 405, **kwargs) -> tuple[str, Case]:
    return f"method:{name}", Case("/media/w_100/{p}/cat.jpg", status, method=name, **kwargs)


CASES = dict(
    [
        *(source(name, 422) for name in ORIGINALS if name not in SERVED),
        source("jpeg-html-tail.jpg", 200, stores=1),  # re-encoded: the page behind it is gone
        source("png-php-text.png", 200, stores=1),  # re-encoded: the text chunk is gone
        source("huge-app1.jpg", 200, stores=1),  # 64 KiB of EXIF, stripped
        source("idat-bomb-2000.png", 200, stores=1),  # 200 MB of image data: only the canvas is decoded
        # Traversal and key spellings: 400 before any storage call.
        key("dotdot", "/media/w_10/{p}/../../etc/passwd"),
        key("dotdot-first", "/media/w_10/../{p}/cat.jpg"),
        key("dot", "/media/w_10/{p}/./cat.jpg"),
        key("pct-dotdot", "/media/w_10/{p}/%2e%2e/cat.jpg"),
        key("pct-dotdot-upper", "/media/w_10/{p}/%2E%2E/cat.jpg"),
        key("half-pct-1", "/media/w_10/{p}/.%2e/cat.jpg"),
        key("half-pct-2", "/media/w_10/{p}/%2e./cat.jpg"),
        key("double-pct", "/media/w_10/{p}/%252e%252e/cat.jpg"),
        key("triple-pct", "/media/w_10/{p}/%25252e%25252e/cat.jpg"),
        key("pct-slash", "/media/w_10/{p}/..%2fcat.jpg"),
        key("pct-dotdot-slash", "/media/w_10/{p}/%2e%2e%2fcat.jpg"),
        key("pct-backslash", "/media/w_10/{p}/..%5ccat.jpg"),
        key("backslashes-pct", "/media/w_10/{p}%5c..%5ccat.jpg"),
        key("backslash-raw", "/media/w_10/{p}\\..\\cat.jpg"),
        key("overlong-utf8-dot", "/media/w_10/{p}/%c0%ae%c0%ae/cat.jpg"),
        key("nul", "/media/w_10/{p}/cat%00.jpg"),
        key("newline", "/media/w_10/{p}/cat%0a.jpg"),
        key("header-injection", "/media/w_10/{p}/cat.jpg%0d%0aSet-Cookie:%20a=b"),
        key("del", "/media/w_10/{p}/cat%7f.jpg"),
        key("c1-nel", "/media/w_10/{p}/cat%c2%85.jpg"),
        key("tab", "/media/w_10/{p}/cat%09.jpg"),
        key("invalid-utf8", "/media/w_10/{p}/caf%e9.jpg"),
        key("empty-segment", "/media/w_10/{p}//cat.jpg"),
        key("trailing-slash", "/media/w_10/{p}/"),
        key("leading-slash", "/media//etc/passwd"),
        key("no-key", "/media/w_10"),
        key("over-long", "/media/w_10/{p}/" + "a" * 1025),
        key("encoded-prefix", "/%6dedia/w_10/{p}/cat.jpg"),
        key("raw-nul", "/media/w_10/{p}/cat\0.jpg", raw=True, ours=False),
        key("raw-control", "/media/w_10/{p}/cat\x01.jpg", raw=True, ours=False),
        key("raw-utf8", "/media/w_10/{p}/caf\u00e9.jpg", raw=True, ours=False),
        key("100kb-url", "/media/w_10/{p}/" + "a" * 100_000, ours=False),
        # Options: malformed or out of range, 400.
        *(option(spelling) for spelling in MALFORMED_OPTIONS),
        # Methods: only GET and HEAD.
        *(method(name) for name in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND")),
        method("POST-with-body", headers={"Content-Length": "5", "Content-Type": "text/plain"}),
        method("FOO", 400, raw=True, ours=False),
        method("HEAD", 200, stores=1),
        # Headers an attacker controls.
        (
            "header:huge-accept",
            Case("/media/w_101/f_auto/{p}/cat.jpg", 200, headers={"Accept": "image/webp," * 6000}, stores=1),
        ),
        (
            "header:huge-if-none-match",
            Case("/media/w_102/{p}/cat.jpg", 200, headers={"If-None-Match": '"x", ' * 10000}, stores=1),
        ),
    ]
)


@dataclass
class Target:
    """One running service and a view of everything stored behind it."""

    name: str
    server: Server
    stored: Callable[[], set[str]]  # every object in both storages


@pytest.fixture(scope="module")
def originals() -> dict[str, bytes]:
    return {name: make() for name, make in ORIGINALS.items()}


LIMITS = {"RESIZER_MAX_SOURCE_BYTES": str(MAX_SOURCE_BYTES)}


@pytest.fixture(scope="module")
def s3_target(seaweed: SeaweedFS, originals, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    target = _s3_target(seaweed, originals, tmp_path_factory.mktemp("hostile-s3"), LIMITS)
    yield target
    target.server.stop()


@pytest.fixture(scope="module")
def fs_target(originals, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    target = _fs_target(originals, tmp_path_factory.mktemp("hostile-fs"), LIMITS)
    yield target
    target.server.stop()


@pytest.fixture(params=["s3", "fs"])
def target(request: pytest.FixtureRequest) -> Target:
    return request.getfixturevalue(f"{request.param}_target")


def _s3_target(seaweed: SeaweedFS, originals: dict[str, bytes], directory: Path, limits: dict) -> Target:
    """A bucket pair of the suite's own, so that "nothing written" can look at whole buckets."""
    client = seaweed.client()
    buckets = {"originals": "hostile-originals", "renditions": "hostile-renditions"}
    for bucket in buckets.values():
        client.create_bucket(Bucket=bucket)
    for name, data in originals.items():
        seaweed.put(buckets["originals"], f"{PREFIX}/{name}", data)
    env = {
        **seaweed.env(),
        "RESIZER_ORIGINALS_BUCKET": buckets["originals"],
        "RESIZER_RENDITIONS_BUCKET": buckets["renditions"],
        **limits,
    }
    server = Server(env, directory / "uvicorn.log").start()
    return Target("s3", server, lambda: {f"{b}/{k}" for b in buckets.values() for k in seaweed.keys(b, "")})


def _fs_target(originals: dict[str, bytes], directory: Path, limits: dict) -> Target:
    (directory / "originals" / PREFIX).mkdir(parents=True)
    for name, data in originals.items():
        (directory / "originals" / PREFIX / name).write_bytes(data)
    server = Server({"RESIZER_DATA_DIR": str(directory), **limits}, directory / "uvicorn.log").start()
    return Target("fs", server, lambda: {str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file()})


def send(server: Server, case: Case) -> Response:
    target = case.target.format(p=PREFIX)
    if case.raw:
        head = f"{case.method} {target} HTTP/1.1\r\nHost: resizer\r\nConnection: close\r\n\r\n"
        return raw_request(server.port, head.encode("utf-8"))
    if case.method == "POST-with-body":
        return server.request("POST", target, case.headers, body=b"hello")
    return server.request(case.method, target, case.headers)


REQUESTS = {name: case for name, case in CASES.items() if not name.startswith(("source:", "header:"))}
CONTENT = {name: case for name, case in CASES.items() if name.startswith(("source:", "header:"))}


@pytest.mark.parametrize("case", REQUESTS.values(), ids=REQUESTS.keys())
def test_hostile_request(target: Target, case: Case) -> None:
    check(target, case)


@pytest.mark.parametrize("case", CONTENT.values(), ids=CONTENT.keys())
def test_hostile_content(s3_target: Target, case: Case) -> None:
    # Decoding does not depend on where the bytes came from: once, through S3, is enough.
    check(s3_target, case)


def check(target: Target, case: Case) -> None:
    before = target.stored()
    response = send(target.server, case)
    assert response.status == case.status, response.body[:300]
    assert_no_leak(response.body)
    assert len(response.body) < 200 or case.status == 200
    written = target.stored() - before
    assert len(written) == case.stores, written
    assert all(name.startswith(("renditions/", "hostile-renditions/")) for name in written)  # never an original
    if case.status == 200:
        assert hostile.PAYLOAD not in response.body and b"php" not in response.body
        if case.method == "GET":
            decode(response.body)
    elif case.ours:
        assert response.header("Content-Type") == "text/plain; charset=utf-8"
        assert response.header("Cache-Control") == cache_control(case.status)
        assert response.header("X-Content-Type-Options") == "nosniff"


def test_keys_and_options_are_refused_before_any_storage_call(seaweed: SeaweedFS, start_server) -> None:
    server = start_server({**seaweed.env(), "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"})
    refusals = [case for name, case in REQUESTS.items() if name.startswith(("key:", "option:")) and case.ours]
    for case in refusals:
        assert send(server, case).status == 400, case.target
    assert not [name for name in scrape(server) if name.startswith("resizer_storage_seconds_count")]
    assert server.get(f"/media/w_10/{PREFIX}/cat.jpg").status == 502  # the store really is out of reach


# Requests that uvicorn's HTTP parser refuses before the app sees them (README, "URLs"), sent byte
# for byte. {m} marks the target so that the access log can tell whether resizer saw the request.
CRLF = "GET /media/w_10/{m}/cat.jpg HTTP/1.1\r\nHost: resizer\r\nConnection: close\r\n\r\n"
SERVER_REFUSALS = {
    "raw-utf8-target": CRLF.replace("cat.jpg", "caf\u00e9.jpg"),
    "raw-control-in-target": CRLF.replace("cat.jpg", "cat\x01.jpg"),
    "unknown-method": CRLF.replace("GET", "BREW", 1),
    "lower-case-method": CRLF.replace("GET", "get", 1),
    "http-1.2": CRLF.replace("HTTP/1.1", "HTTP/1.2", 1),
    "bare-lf": CRLF.replace("\r\n", "\n"),
    "64-kib-target": CRLF.replace("cat.jpg", "cat.jpg?" + "q" * 65536),
}
UVICORN_400 = b"Invalid HTTP request received."  # a fixed sentence: nothing of the request comes back
H11_PASSES_ON = {"unknown-method": 405, "lower-case-method": 405, "http-1.2": 200, "bare-lf": 200}


def refused_by_uvicorn(response: Response) -> bool:
    return (response.status, response.body, response.header("Connection")) == (400, UVICORN_400, "close")


def test_what_uvicorn_with_httptools_refuses_itself(start_server, data_dir: Path) -> None:
    """The image's server (--http httptools; also uvicorn's `auto` when httptools is installed)."""
    (data_dir / "originals" / "cat.jpg").write_bytes(jpeg())
    server = start_server({"RESIZER_DATA_DIR": str(data_dir), "UVICORN_HTTP": "httptools"})
    for name, head in SERVER_REFUSALS.items():
        response = raw_request(server.port, head.format(m=name).encode("utf-8"))
        assert refused_by_uvicorn(response), name
        assert response.header("X-Content-Type-Options") is None, name  # uvicorn's answer, not ours
        assert response.header("Cache-Control") is None, name
    assert not [name for name in SERVER_REFUSALS if f"/{name}/" in server.log()]  # resizer saw none
    assert server.get("/media/w_10/cat.jpg").status == 200


def test_what_uvicorn_with_h11_refuses_and_what_it_passes_on(start_server, data_dir: Path) -> None:
    (data_dir / "originals" / "cat.jpg").write_bytes(jpeg())
    server = start_server({"RESIZER_DATA_DIR": str(data_dir), "UVICORN_HTTP": "h11"})
    for name in ("raw-utf8-target", "raw-control-in-target"):
        response = raw_request(server.port, SERVER_REFUSALS[name].format(m=name).encode("utf-8"))
        assert refused_by_uvicorn(response) and response.header("X-Content-Type-Options") is None, name
    for name, status in H11_PASSES_ON.items():
        head = SERVER_REFUSALS[name].format(m=name).replace(f"/{name}/", "/")
        response = raw_request(server.port, head.encode("utf-8"))
        assert response.status == status, name  # resizer's own answer: 405 for any other method
        assert response.header("X-Content-Type-Options") == "nosniff", name


def test_the_services_are_healthy_after_the_suite(target: Target) -> None:
    server = target.server
    assert server.process.poll() is None
    assert server.get("/healthz").status == 200
    assert server.get("/readyz").status == 200
    response = server.get(f"/media/w_64/{PREFIX}/cat.jpg")
    assert response.status == 200 and decode(response.body).size == (64, 48)
    assert "Traceback" not in server.log()
    assert peak_rss_mib(server.process.pid) < 400  # the bombs did not land in memory
