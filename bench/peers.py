"""The peers we measure against, started on free loopback ports: thumbor, ipx (sharp), resizer.

Each peer is a context manager that installs it on first use (under bench/.cache, gitignored),
starts it with a given number of processes over a folder of originals, waits until it answers,
yields a `Running` whose `url(file, width, fmt, quality)` asks for "width W, format F, quality Q"
(quality None: the peer's own default), and stops it:

    with peers.thumbor(folder, processes=2) as peer:
        urllib.request.urlopen(peer.url("photo.jpg", 640, "webp", 80))

Used by bench/quality.py and meant for the performance benchmark.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
THUMBOR_VERSION = "7.8.0"
IPX_VERSION = "3.1.1"
FORMATS = ("jpg", "webp", "avif", "png", "gif")


@dataclass
class Running:
    name: str
    base: str  # http://127.0.0.1:PORT
    url_for: Callable[[str, str, int, str, int | None], str]
    groups: tuple[int, ...] = ()  # the server's process groups: its workers, for memory figures

    def url(self, file: str, width: int, fmt: str, quality: int | None = None) -> str:
        return self.url_for(self.base, file, width, fmt, quality)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- URL builders --------------------------------------------------------------------------------


def thumbor_url(base: str, file: str, width: int, fmt: str, quality: int | None) -> str:
    filters = f"format({'jpeg' if fmt == 'jpg' else fmt})"
    if quality is not None:
        filters += f":quality({quality})"
    return f"{base}/unsafe/{width}x0/filters:{filters}/{file}"


def ipx_url(base: str, file: str, width: int, fmt: str, quality: int | None) -> str:
    modifiers = f"w_{width},f_{'jpeg' if fmt == 'jpg' else fmt}"
    if quality is not None:
        modifiers += f",q_{quality}"
    return f"{base}/{modifiers}/{file}"


def resizer_url(base: str, file: str, width: int, fmt: str, quality: int | None) -> str:
    q = f"q_{quality}/" if quality is not None else ""
    return f"{base}/media/w_{width}/{q}f_{fmt}/{file}"


# -- installs ------------------------------------------------------------------------------------


def ensure_thumbor() -> Path:
    venv = CACHE / "thumbor-venv"
    binary = venv / "bin" / "thumbor"
    if not binary.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([venv / "bin" / "pip", "install", "-q", f"thumbor=={THUMBOR_VERSION}"], check=True)
    return binary


def ensure_ipx() -> Path:
    folder = CACHE / "ipx"
    if not (folder / "node_modules" / "ipx").exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"private": true, "type": "module"}\n')
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", f"ipx@{IPX_VERSION}"], cwd=folder, check=True)
    server = folder / "ipx_server.mjs"
    shutil.copyfile(BENCH / "ipx_server.mjs", server)
    return server


# -- processes -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _process(
    command: list, env: dict[str, str], ready_url: str, log: Path, cwd: Path | None = None, pass_fds: tuple = ()
) -> Iterator[subprocess.Popen]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(part) for part in command],
            env={**os.environ, **env},
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: forked workers stop with it
            pass_fds=pass_fds,
        )
    try:
        _wait_ready(process, ready_url, log)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_ready(process: subprocess.Popen, url: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url}: not ready after {timeout} s; see {log}")


@contextlib.contextmanager
def thumbor(
    folder: Path, processes: int = 1, result_storage: bool = False, settings: dict[str, object] | None = None
) -> Iterator[Running]:
    """thumbor with the PIL engine and its defaults, reading originals from `folder`; with
    `result_storage` its file result storage keeps every rendition (in a temporary folder);
    `settings` adds thumbor.conf settings (e.g. {"AVIF_SPEED": 4}).

    `processes` thumbor instances share one port through SO_REUSEPORT (each given its socket with
    `--fd`), so the kernel spreads connections over them. thumbor's own `--processes` forks workers
    that race for accept(): under keep-alive one of them takes every connection and the others idle
    (measured: 5.0 s of CPU against 0.0 in a 5 s run), which would measure tornado, not thumbor.
    """
    binary = ensure_thumbor()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="thumbor-") as tmp, contextlib.ExitStack() as stack:
        conf = Path(tmp) / "thumbor.conf"
        results = (
            "RESULT_STORAGE = 'thumbor.result_storages.file_storage'\n"
            f"RESULT_STORAGE_FILE_STORAGE_ROOT_PATH = {str(Path(tmp) / 'results')!r}\n"
            "RESULT_STORAGE_STORES_UNSAFE = True\n"
            if result_storage
            else "RESULT_STORAGE = None\n"
        )
        conf.write_text(
            "LOADER = 'thumbor.loaders.file_loader'\n"
            f"FILE_LOADER_ROOT_PATH = {str(folder)!r}\n"
            "ALLOW_UNSAFE_URL = True\n"
            "NON_BLOCKING_SOCKETS = True\n"  # for --fd: tornado's accept loop needs it
            "STORAGE = 'thumbor.storages.no_storage'\n"
            + results
            + "".join(f"{key} = {value!r}\n" for key, value in (settings or {}).items())
        )
        groups = []
        for index in range(processes):
            sock = stack.enter_context(socket.socket())
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(("127.0.0.1", port))
            sock.listen(128)
            command = [binary, "--fd", sock.fileno(), "--conf", conf, "-l", "error"]
            log = Path(tmp) / f"thumbor-{index}.log"
            ready = f"http://127.0.0.1:{port}/healthcheck"
            groups.append(stack.enter_context(_process(command, {}, ready, log, pass_fds=(sock.fileno(),))).pid)
        name = "thumbor-rs" if result_storage else "thumbor"
        yield Running(name, f"http://127.0.0.1:{port}", thumbor_url, tuple(groups))


@contextlib.contextmanager
def ipx(folder: Path, processes: int = 1) -> Iterator[Running]:
    """ipx 3 (sharp/libvips) with its defaults, reading originals from `folder`."""
    server = ensure_ipx()
    port = free_port()
    probe = next(str(p.relative_to(folder)) for p in sorted(folder.rglob("*")) if p.is_file())
    env = {"IPX_ROOT": str(folder), "IPX_PORT": str(port), "IPX_PROCESSES": str(processes)}
    with tempfile.TemporaryDirectory(prefix="ipx-") as tmp:
        ready = ipx_url(f"http://127.0.0.1:{port}", probe, 16, "png", None)
        with _process(["node", server], env, ready, Path(tmp) / "ipx.log", cwd=server.parent) as process:
            yield Running("ipx", f"http://127.0.0.1:{port}", ipx_url, (process.pid,))


@contextlib.contextmanager
def resizer(
    folder: Path,
    processes: int = 1,
    s3: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    name: str | None = None,
) -> Iterator[Running]:
    """This project under uvicorn, with its default settings but for storage: the filesystem
    reading originals from `folder`, or S3 with the settings `s3` (the caller uploads the originals);
    `settings` overrides others (the system is then called `name`).

    Renditions go to a fresh temporary folder (or bucket prefix), so every first request renders."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="resizer-") as tmp:
        (Path(tmp) / "originals").symlink_to(folder.resolve(), target_is_directory=True)
        env = {"RESIZER_DATA_DIR": tmp, "RESIZER_DEMO": "false", "DJANGO_ALLOWED_HOSTS": "127.0.0.1", **(s3 or {})}
        env.update(settings or {})
        env["RESIZER_RUN_DIR"] = tmp
        uvicorn = Path(sys.executable).parent / "uvicorn"
        command = [uvicorn, "settings.asgi:application", "--host", "127.0.0.1", "--port", port]
        command += ["--workers", processes, "--no-access-log", "--log-level", "warning"]
        log = Path(tmp) / "uvicorn.log"
        with _process(command, env, f"http://127.0.0.1:{port}/healthz", log, cwd=ROOT) as process:
            name = name or ("resizer-s3" if s3 else "resizer")
            yield Running(name, f"http://127.0.0.1:{port}", resizer_url, (process.pid,))


PEERS = {"thumbor": thumbor, "ipx": ipx, "resizer": resizer}
