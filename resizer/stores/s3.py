"""S3 objects through django-storages' S3Storage and its boto3 client.

botocore's errors are translated here, once: missing key → None (the caller decides 404), a key
longer than S3 allows → None on read and Unstorable on write (404, not a fault), access denied →
502, unreachable or 5xx after botocore's `standard` retries → 502, timeouts → 504. The messages
say what failed, never which bucket or endpoint.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC
from email.utils import format_datetime
from functools import cached_property

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    ReadTimeoutError,
)
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from resizer.core.errors import DeadlineExceeded, ResizerError, StorageFailed, Unstorable
from resizer.stores.base import Stat, too_large

log = logging.getLogger(__name__)

DELETE_BATCH = 1000  # the most keys one DeleteObjects request may name
MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
# S3 keys are at most 1,024 bytes: a rendition's name (its original's key and a few options) can be
# longer. No object can be there, so a read finds none and a write cannot store it (not a 502).
TOO_LONG = "KeyTooLongError"
STORED_ALREADY = frozenset({"PreconditionFailed", "412", "ConditionalRequestConflict"})
DENIED = frozenset({"AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"})


def translate(exc: Exception, action: str, bucket: str) -> ResizerError:
    """The error a botocore exception stands for (missing keys are handled by the caller).

    The public message says what failed; the detail, for the log and /readyz's warning, names the
    bucket and S3's error code (NoSuchBucket, AccessDenied, …), which the public must not see."""
    detail = f"bucket {bucket!r}: {_code(exc) or type(exc).__name__} during {action}"
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError)):
        return DeadlineExceeded(f"storage timed out during {action}", detail)
    if isinstance(exc, ClientError):
        if _code(exc) in DENIED:
            return StorageFailed(f"storage denied {action}", detail)
        return StorageFailed(f"storage failed during {action}", detail)
    return StorageFailed(f"storage unreachable during {action}", detail)


def _code(exc: Exception) -> str:
    return exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""


def is_missing(exc: Exception) -> bool:
    return _code(exc) in MISSING or _code(exc) == TOO_LONG


def is_stored_already(exc: Exception) -> bool:
    """A conditional put lost: 412 (the key exists) or, on AWS, 409 while another conditional
    put of the same key is in flight (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-requests.html)."""
    return _code(exc) in STORED_ALREADY


_sessions: dict[tuple, boto3.session.Session] = {}
_sessions_lock = threading.Lock()


def client_for(storage: S3Storage):
    """A client with the storage's own settings, from a session shared by every storage with the
    same credentials. Clients of one session share botocore's loaded service model, ≈15 MiB that
    django-storages (a session, and a resource, per storage and thread) would load once per alias."""
    credentials = (storage.session_profile, storage.access_key, storage.secret_key, storage.security_token)
    with _sessions_lock:  # boto3 sessions are not safe to use from several threads at once
        session = _sessions.get(credentials)
        if session is None:
            session = _sessions[credentials] = storage._create_session()
        return session.client(
            "s3",
            region_name=storage.region_name,
            use_ssl=storage.use_ssl,
            endpoint_url=storage.endpoint_url,
            config=storage.client_config,
            verify=storage.verify,
        )


class S3Objects:
    def __init__(self, storage: S3Storage) -> None:
        self.storage = storage
        self.bucket = storage.bucket_name

    @cached_property
    def client(self):
        # One client for every storage thread: boto3 clients are thread-safe, and building one
        # per thread (the storage's resource is per thread) cost each new thread ~100 ms of GIL.
        return client_for(self.storage)

    def prepare(self) -> None:
        """Build the client now (≈0.3 s of CPU), not during the first request; no network call."""
        self.client  # noqa: B018 - the cached property is the point

    def key(self, name: str) -> str:
        return self.storage._normalize_name(clean_name(name))

    def read(self, name: str, max_bytes: int | None = None) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key(name))
            with response["Body"] as body:
                size = response["ContentLength"]
                if max_bytes is not None and size > max_bytes:
                    raise too_large(size, max_bytes)  # decided before the body is read
                return body.read()
        except (ClientError, BotoCoreError) as exc:
            if is_missing(exc):
                return None
            log.warning("s3 read of %r failed: %s", name, exc)
            raise translate(exc, "read", self.bucket) from exc

    def write(self, name: str, body: bytes, content_type: str, cache_control: str) -> None:
        """Store a rendition unless one is there: replicas racing on one miss store one object.

        `If-None-Match: *` makes the put conditional; S3 answers 412 when the key exists (another
        replica stored it first, or our own earlier attempt whose answer botocore retried).
        Renditions are deterministic, so theirs is as good as ours: not an error.
        """
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.key(name),
                Body=body,
                ContentType=content_type,
                CacheControl=cache_control,
                IfNoneMatch="*",
            )
        except (ClientError, BotoCoreError) as exc:
            if is_stored_already(exc):
                log.info("rendition %r was stored first by another writer", name)
                return
            if _code(exc) == TOO_LONG:
                raise Unstorable() from exc
            log.warning("s3 write of %r failed: %s", name, exc)
            raise translate(exc, "write", self.bucket) from exc

    def ping(self) -> None:
        try:
            # Not head_bucket: a HEAD has no body, so S3's error code (NoSuchBucket, AccessDenied)
            # would come back as a bare 404 or 403; the log must name what is wrong.
            self.client.list_objects_v2(Bucket=self.bucket, MaxKeys=1)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "ping", self.bucket) from exc

    def stat(self, name: str) -> Stat | None:
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=self.key(name))
        except (ClientError, BotoCoreError) as exc:
            if is_missing(exc):
                return None
            raise translate(exc, "stat", self.bucket) from exc
        metadata = {
            "Content-Type": response.get("ContentType", ""),
            "Cache-Control": response.get("CacheControl", ""),
            "ETag": response.get("ETag", ""),
            "Last-Modified": format_datetime(response["LastModified"].astimezone(UTC), usegmt=True),
        }
        return Stat(response["ContentLength"], {k: v for k, v in metadata.items() if v})

    def list(self, prefix: str) -> Iterator[str]:
        location = self.key("x")[:-1]  # the storage's own location prefix ("" or "loc/"), not ours to return
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=location + prefix)
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"][len(location) :]
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "list", self.bucket) from exc

    def delete(self, names: list[str]) -> None:
        for start in range(0, len(names), DELETE_BATCH):
            batch = [{"Key": self.key(name)} for name in names[start : start + DELETE_BATCH]]
            try:
                response = self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
            except (ClientError, BotoCoreError) as exc:
                raise translate(exc, "delete", self.bucket) from exc
            if response.get("Errors"):
                failed = response["Errors"][0]
                log.warning("s3 delete of %r failed: %s", failed.get("Key"), failed.get("Code"))
                raise StorageFailed(f"storage refused to delete {len(response['Errors'])} object(s)")
