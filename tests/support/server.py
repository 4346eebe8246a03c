"""The service under real uvicorn on a loopback port, and a raw HTTP client for it.

The client sends paths byte for byte (http.client does not normalise `..` or re-encode),
so traversal spellings reach the server as an attacker would send them.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Server:
    env: dict[str, str]
    log_path: Path
    workers: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> Server:
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("RESIZER_", "AWS_", "DJANGO_"))}
        environ.update({"DJANGO_SETTINGS_MODULE": "settings", "PYTHONUNBUFFERED": "1", **self.env})
        command = [
            sys.executable, "-m", "uvicorn", "settings.asgi:application",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
        ]  # fmt: skip
        log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the process
        offset = log.tell()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited:\n{self.log()}")
            with contextlib.suppress(OSError):
                if self.request("GET", "/healthz", timeout=2).status == 200 and self._started(offset):
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"uvicorn did not start:\n{self.log()}")

    def _started(self, offset: int) -> bool:
        """Every worker, not just the first, has finished its start-up (a test that needs requests
        spread over the workers must not begin while one of them is still importing)."""
        with open(self.log_path, "rb") as handle:
            handle.seek(offset)
            return handle.read().count(b"Application startup complete.") >= self.workers

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        os.killpg(self.process.pid, sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def request(
        self, method: str, path: str, headers: Headers | None = None, timeout: float = 30, body: bytes = b""
    ) -> Response:
        return request(self.port, method, path, headers, timeout, body)

    def get(self, path: str, **headers: str) -> Response:
        return self.request("GET", path, {k.replace("_", "-"): v for k, v in headers.items()})


Headers = dict[str, str] | list[tuple[str, str]]  # a list may name a field twice


def request(
    port: int, method: str, path: str, headers: Headers | None = None, timeout: float = 30, body: bytes = b""
) -> Response:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items() if isinstance(headers, dict) else headers or []:
            connection.putheader(name, value)
        connection.endheaders(body or None)
        answer = connection.getresponse()
        body = answer.read()
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, body)
    finally:
        connection.close()


def raw_request(port: int, head: bytes, timeout: float = 10) -> Response:
    """Send `head` (request line and headers, CRLF-terminated) exactly as given; parse the answer.

    For what http.client refuses to send: control characters, raw bytes, odd methods.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    answer = b"".join(chunks)
    top, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = top.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return Response(int(status_line.split()[1]), headers, body)


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        line = next(line for line in handle if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
