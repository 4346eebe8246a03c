"""The one cache and validator policy, and the replies built from it.

A Reply is framework-neutral (status, headers, body); views.py turns it into a Django response.
Long TTL for images and redirects, short for 4xx so a fixed original shows up soon, `no-store`
for 5xx so a passing fault is never cached; `immutable` only when the URL carries a version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from resizer.core import formats
from resizer.core.errors import ELLIPSIS, Overloaded, ResizerError, echo, printable

YEAR = "public, max-age=31536000"
ALLOW = "GET, HEAD"
MAX_TEXT_BYTES = 200  # a text answer's whole body, newline included (docs/urls.md, "Statuses and headers")


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def cache_control(status: int, immutable: bool = False, expires_in: int | None = None) -> str:
    """`expires_in`: the seconds an expiring link (exp_) has left; no cache may keep its answer
    longer, so it is never `immutable` and never more than a year."""
    if expires_in is not None and status in (200, 301, 304):
        return f"public, max-age={min(max(expires_in, 0), 31536000)}"
    if status in (200, 304):
        return f"{YEAR}, immutable" if immutable else YEAR
    if status == 301:
        return YEAR
    if status == 405 or status >= 500:
        return "no-store"
    return "public, max-age=60"


def etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110 §13.1.2: If-None-Match uses the weak comparison; `*` matches any current entity."""
    if not if_none_match:
        return False
    candidates = [c.strip() for c in if_none_match.split(",")]
    return "*" in candidates or tag in (c.removeprefix("W/") for c in candidates)


def image(
    body: bytes,
    *,
    immutable: bool,
    vary: bool,
    if_none_match: str | None = None,
    head: bool = False,
    tag: str | None = None,
    kind: str | None = None,
    expires_in: int | None = None,
) -> Reply:
    """200 with the image, or 304. `tag` and `kind` may be given when known (hot cache)."""
    tag = tag or etag(body)
    headers = {"ETag": tag, "Cache-Control": cache_control(200, immutable, expires_in)}
    if vary:
        headers["Vary"] = "Accept"
    if matches(if_none_match, tag):
        return Reply(304, _common(headers))
    headers = {"Content-Type": kind or formats.sniff(body), "Content-Length": str(len(body)), **headers}
    return Reply(200, _common(headers), b"" if head else body)


def redirect(location: str, head: bool = False, expires_in: int | None = None) -> Reply:
    extra = {"Location": location, "Cache-Control": cache_control(301, expires_in=expires_in)}
    return _text(301, f"moved to {echo(location)}", extra, head)


def error(exc: ResizerError, head: bool = False) -> Reply:
    extra = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Overloaded) else {}
    return _text(exc.status, exc.message, extra, head)


def method_not_allowed() -> Reply:
    return _text(405, "method not allowed: use GET or HEAD", {"Allow": ALLOW})


def probe(status: int, message: str) -> Reply:
    """Health and readiness answers: never cached."""
    return _text(status, message, {"Cache-Control": "no-store"})


def _text(status: int, message: str, extra: dict[str, str], head: bool = False) -> Reply:
    body = one_line(message)
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Length": str(len(body)),
        "Cache-Control": cache_control(status),
        **extra,
    }
    return Reply(status, _common(headers), b"" if head else body)


def one_line(message: str) -> bytes:
    """The body of every text answer: one line of at most MAX_TEXT_BYTES, control characters
    escaped. The last guard: messages already keep what they repeat of the request short (echo)."""
    body = printable(message).encode()
    if len(body) >= MAX_TEXT_BYTES:
        room = MAX_TEXT_BYTES - 1 - len(ELLIPSIS.encode())
        body = body[:room].decode("utf-8", "ignore").encode() + ELLIPSIS.encode()  # whole characters
    return body + b"\n"


def _common(headers: dict[str, str]) -> dict[str, str]:
    headers["X-Content-Type-Options"] = "nosniff"
    return headers
