"""The one cache and validator policy, and the replies built from it.

A Reply is framework-neutral (status, headers, body); views.py turns it into a Django response.
Long TTL for images and redirects, short for 4xx so a fixed original shows up soon, `no-store`
for 5xx so a passing fault is never cached; `immutable` only when the URL carries a version.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from resizer.core.errors import ELLIPSIS, Overloaded, ResizerError, echo, printable

YEAR = "public, max-age=31536000"
ALLOW = "GET, HEAD"
MAX_TEXT_BYTES = 200  # a text answer's whole body, newline included (docs/urls.md, "Statuses and headers")

_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def cache_control(status: int, immutable: bool = False) -> str:
    if status in (200, 304):
        return f"{YEAR}, immutable" if immutable else YEAR
    if status == 301:
        return YEAR
    if status == 405 or status >= 500:
        return "no-store"
    return "public, max-age=60"


def content_type(body: bytes) -> str:
    """The type of a rendition, read from its bytes (we only ever store our encoders' output)."""
    for magic, kind in _SIGNATURES:
        if body.startswith(magic):
            return kind
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    if body[4:12] in (b"ftypavif", b"ftypavis"):
        return "image/avif"
    return "application/octet-stream"


AUTO_OUTPUTS = ("avif", "webp", None)  # what accepted_format may answer: what f_auto may resolve to


def accepted_format(accept: str | None) -> str | None:
    """f_auto: AVIF if Accept names image/avif, else WebP if it names image/webp (`*/*` names
    neither; a type with a weight of zero is not acceptable, RFC 9110 §12.5.1). `accept` is every
    Accept field line of the request, combined as one list (§5.3)."""
    named = set()
    for item in (accept or "").lower().split(","):  # media types are case-insensitive (§8.3.1)
        kind, *params = (part.strip() for part in item.split(";"))
        if _acceptable(params):
            named.add(kind)
    if "image/avif" in named:
        return "avif"
    if "image/webp" in named:
        return "webp"
    return None


# RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")


def _acceptable(params: list[str]) -> bool:
    """False when the range's weight is zero in any spelling (`q=0`, `q=0.`, `Q=0.000`), or is no
    qvalue at all (`q=abc`, `q=2`): a weight we cannot read is not taken as a yes. Parameter names
    are case-insensitive (§5.6.6); blanks around `=`, which the grammar does not allow, are forgiven."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "q":
            value = value.strip()
            return bool(_QVALUE.fullmatch(value)) and float(value) > 0
    return True


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
) -> Reply:
    """200 with the image, or 304. `tag` and `kind` may be given when known (hot cache)."""
    tag = tag or etag(body)
    headers = {"ETag": tag, "Cache-Control": cache_control(200, immutable)}
    if vary:
        headers["Vary"] = "Accept"
    if matches(if_none_match, tag):
        return Reply(304, _common(headers))
    headers = {"Content-Type": kind or content_type(body), "Content-Length": str(len(body)), **headers}
    return Reply(200, _common(headers), b"" if head else body)


def redirect(location: str, head: bool = False) -> Reply:
    return _text(301, f"moved to {echo(location)}", {"Location": location}, head)


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
