"""What every store offers the server (the Objects protocol) and what the stores share.

The filesystem, generic Django storage and S3 implementations (objects.py, s3.py) import this
module, never each other: objects.py picks S3 lazily so that boto3 loads only when S3 is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from resizer.core.errors import OriginalMissing, Unprocessable


def too_large(size: int, limit: int) -> Unprocessable:
    return Unprocessable(f"the original is {size} bytes; the limit is {limit}")


@dataclass(frozen=True)
class Stat:
    """What a store says of one object without reading it (for the operator's commands)."""

    size: int
    metadata: dict[str, str] = field(default_factory=dict)  # as stored: Content-Type, Last-Modified, …


class Objects(Protocol):
    def read(self, name: str, max_bytes: int | None = None) -> bytes | None: ...
    def write(self, name: str, body: bytes, content_type: str, cache_control: str) -> None: ...
    def ping(self) -> None: ...
    def prepare(self) -> None: ...
    def stat(self, name: str) -> Stat | None: ...
    def list(self, prefix: str) -> Iterator[str]: ...
    def delete(self, names: list[str]) -> None: ...


def fetch_original(objects: Objects, key: str, max_bytes: int) -> bytes:
    data = objects.read(key, max_bytes)
    if data is None:
        raise OriginalMissing()
    return data
