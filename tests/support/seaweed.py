"""A real S3 server for the tests: SeaweedFS `weed mini` on loopback, SigV4 enforced.

Three identities: `admin` (everything), `reader` (read and list only), `nobody` (no rights),
so that access-denied paths are exercised for real.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

from tests.support.ports import free_pair, free_port

REGION = "us-east-1"
IDENTITIES = {
    "admin": ("AKIDRESIZERADMIN", "resizer-admin-secret", ["Admin", "Read", "Write", "List", "Tagging"]),
    "reader": ("AKIDRESIZERREADER", "resizer-reader-secret", ["Read", "List"]),
    "nobody": ("AKIDRESIZERNOBODY", "resizer-nobody-secret", []),
}
BUCKETS = ("originals", "renditions")


def weed_binary() -> str:
    candidate = Path(sys.executable).parent / "weed"
    return str(candidate) if candidate.exists() else "weed"


@dataclass
class SeaweedFS:
    directory: Path
    s3_port: int
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def credentials(self, identity: str = "admin") -> tuple[str, str]:
        access, secret, _ = IDENTITIES[identity]
        return access, secret

    def env(self, identity: str = "admin") -> dict[str, str]:
        """The service's settings for this server."""
        access, secret = self.credentials(identity)
        return {
            "RESIZER_ORIGINALS_BUCKET": "originals",
            "RESIZER_RENDITIONS_BUCKET": "renditions",
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": access,
            "AWS_SECRET_ACCESS_KEY": secret,
        }

    def client(self, identity: str = "admin"):
        access, secret = self.credentials(identity)
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=access,
            aws_secret_access_key=secret,
            region_name=REGION,
            config=Config(retries={"mode": "standard", "max_attempts": 3}, s3={"addressing_style": "path"}),
        )

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        config = self.directory / "identities.json"
        config.write_text(json.dumps(_identities()))
        data = self.directory / "data"
        data.mkdir(parents=True, exist_ok=True)
        ports = {name: free_port() for name in (
            "s3.port.grpc", "master.port", "master.port.grpc", "volume.port",
            "volume.port.grpc", "filer.port", "filer.port.grpc",
        )}  # fmt: skip
        admin = free_pair(10000)
        command = [
            weed_binary(), "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.telemetry=false", f"-s3.config={config}", f"-s3.port={self.s3_port}",
            *(f"-{name}={port}" for name, port in ports.items()),
            "-admin.ui=false", f"-admin.port={admin}", "-webdav=false", "-s3.port.iceberg=0",
            "-s3.port.lance=0", "-volume.preStopSeconds=0", "-s3.allowDeleteBucketNotEmpty=false",
            "-master.volumeSizeLimitMB=64", "-volume.max=200",
        ]  # fmt: skip
        log = open(self.directory / "weed.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited: {self.log_tail()}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{self.endpoint}/healthz", timeout=1).read()
                break
            time.sleep(0.2)
        client = self.client()
        while time.monotonic() < deadline:
            try:
                for bucket in BUCKETS:
                    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
                        client.create_bucket(Bucket=bucket)
                client.put_object(Bucket="originals", Key="_ready", Body=b"ok")
                client.get_object(Bucket="originals", Key="_ready")["Body"].read()
                return
            except Exception:
                time.sleep(0.3)
        raise RuntimeError(f"SeaweedFS did not become ready: {self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for sock in glob.glob(f"/tmp/seaweedfs-*-{self.s3_port}.sock"):
            with contextlib.suppress(OSError):
                os.unlink(sock)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self) -> str:
        path = self.directory / "weed.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    # -- objects ----------------------------------------------------------------------------

    def put(self, bucket: str, key: str, body: bytes) -> None:
        self.client().put_object(Bucket=bucket, Key=key, Body=body)

    def delete(self, bucket: str, key: str) -> None:
        self.client().delete_object(Bucket=bucket, Key=key)

    def keys(self, bucket: str, prefix: str) -> list[str]:
        paginator = self.client().get_paginator("list_objects_v2")
        return sorted(
            obj["Key"] for page in paginator.paginate(Bucket=bucket, Prefix=prefix) for obj in page.get("Contents", [])
        )

    def get(self, bucket: str, key: str) -> dict:
        response = self.client().get_object(Bucket=bucket, Key=key)
        response["Data"] = response["Body"].read()
        return response


def _identities() -> dict:
    return {
        "identities": [
            {"name": name, "credentials": [{"accessKey": access, "secretKey": secret}], "actions": actions}
            for name, (access, secret, actions) in IDENTITIES.items()
        ]
    }
