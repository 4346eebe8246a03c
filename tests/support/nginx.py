"""nginx (Debian's package) as the CDN stand-in: a proxy cache keyed as docs/cdn.md keys CloudFront,
load-balancing over the service's replicas, retrying a request that a dead replica dropped.

Started by the test as a foreground process with its whole configuration in a temporary directory,
never as the system service.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.ports import free_port
from tests.support.server import Response, request

# Everything an unprivileged, self-contained nginx needs around an `http` block's own directives.
MAIN = """
user {user};
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 512; }}
http {{
    log_format cdn '$request_uri $status $upstream_cache_status [$upstream_addr]';
    access_log {dir}/access.log cdn;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
{http}
}}
"""

HTTP = """
    proxy_cache_path {dir}/cache levels=1:2 keys_zone=resizer:10m max_size=256m inactive=1d use_temp_path=off;

    # The cache key: the path as sent, without the query string; Accept only under f_auto.
    map $request_uri $resizer_path {{ "~^(?<path>[^?]*)" $path; }}
    map $resizer_path $resizer_accept {{ "~/f_auto/" $http_accept; default ""; }}

    upstream resizer {{
{servers}
        keepalive 16;
    }}

    server {{
        listen 127.0.0.1:{port};
        merge_slashes off;  # the origin judges the path as sent (`//` is its 400, not another key)
        location / {{
            proxy_pass http://resizer$resizer_path;  # the path only: no query string
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Accept $resizer_accept;  # empty: not sent
            proxy_set_header Cookie "";
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;  # over RESIZER_DEADLINE_SECONDS (20 s), as CloudFront's
            # A replica that refuses or drops the connection before answering: try another.
            # 503 is the origin's "queue full": another replica may have room.
            proxy_next_upstream error timeout http_503;
            proxy_next_upstream_tries 3;

            proxy_cache resizer;
            proxy_cache_key $resizer_path|$resizer_accept;
            # No proxy_cache_valid: the origin's Cache-Control rules (a year, 60 s for 4xx, no-store
            # for 5xx). proxy_cache_lock is off here, unlike docs/cdn.md: concurrent misses then reach
            # the replicas as they do from many CDN edges at once, which is what the tests race.
            proxy_cache_lock off;
            add_header X-Cache-Status $upstream_cache_status always;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
"""


def main_config(directory: Path, http: str) -> str:
    return MAIN.format(user=getpass.getuser(), dir=directory, http=http)


def check_config(directory: Path, http: str) -> subprocess.CompletedProcess:
    """`nginx -t` on an `http` block's directives, in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "nginx.conf"
    conf.write_text(main_config(directory, http))
    command = [nginx_binary(), "-t", "-p", str(directory), "-e", str(directory / "error.log"), "-c", str(conf)]
    return subprocess.run(command, capture_output=True, text=True, timeout=30)


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
    if found is None:
        raise RuntimeError("nginx is not installed: run scripts/system-deps (Debian package nginx)")
    return found


@dataclass
class Nginx:
    directory: Path
    upstreams: list[int]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def config(self) -> str:
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in self.upstreams)
        http = HTTP.format(dir=self.directory, port=self.port, servers=servers)
        return main_config(self.directory, http)

    def start(self, timeout: float = 10) -> Nginx:
        self.directory.mkdir(parents=True, exist_ok=True)
        conf = self.directory / "nginx.conf"
        conf.write_text(self.config())
        log = open(self.directory / "stderr.log", "ab")  # noqa: SIM115 - lives as long as the process
        command = [nginx_binary(), "-p", str(self.directory), "-e", str(self.directory / "error.log"), "-c", str(conf)]
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.errors()}")
            with contextlib.suppress(OSError):
                request(self.port, "GET", "/healthz", timeout=2)
                return self
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not start: {self.errors()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # fast shutdown of master and worker
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def errors(self) -> str:
        parts = (self.directory / name for name in ("stderr.log", "error.log"))
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in parts if p.exists())

    def get(self, path: str, **headers: str) -> Response:
        return request(self.port, "GET", path, {k.replace("_", "-"): v for k, v in headers.items()})
