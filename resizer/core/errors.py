"""Errors that carry their HTTP status and a public message.

Vendor errors (botocore, Pillow) are translated into these at the module boundary that
meets them; the view maps them to a response in one place (`headers.error`).
The message is public: it says what was wrong and never names a bucket, an endpoint or
a stack frame; what it repeats of the request goes through `echo`.
"""

from __future__ import annotations

import unicodedata

MAX_ECHO = 64  # characters of the request an error message may repeat (docs/urls.md, "Error bodies")
ELLIPSIS = "…"


def printable(text: str) -> str:
    """`text` with control characters escaped (`\\r`, `\\x00`, `\\x85`, `\\u2028`): one line whatever
    the request held, safe in a body, a log or a terminal. Escaping is idempotent on its output."""
    return "".join(_escaped(char) for char in text)


def _escaped(char: str) -> str:
    # Cc: C0, DEL and C1 (NEL, CSI, …); Zl, Zp: U+2028 and U+2029, which some readers take as a newline.
    if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
        return char.encode("unicode_escape").decode("ascii")
    return char


def echo(text: str, limit: int = MAX_ECHO) -> str:
    """A piece of the request as an error message repeats it: printable, at most `limit`
    characters, cut with an ellipsis (never inside an escape)."""
    shown = printable(text[: limit + 1])
    if len(shown) <= limit and len(text) <= limit:
        return shown
    kept, used = [], 0
    for char in text:
        piece = _escaped(char)
        if used + len(piece) > limit - len(ELLIPSIS):
            break
        kept.append(piece)
        used += len(piece)
    return "".join(kept) + ELLIPSIS


class ResizerError(Exception):
    """`message` is public (the response body); `detail` is for the log only (a bucket, an S3
    error code), never sent."""

    status = 500
    message = "internal error"

    def __init__(self, message: str | None = None, detail: str = "") -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.detail = detail


class BadRequest(ResizerError):
    status = 400
    message = "malformed request"


class Forbidden(ResizerError):
    status = 403
    message = "forbidden"


class OriginalMissing(ResizerError):
    status = 404
    message = "no such original"


class Unstorable(ResizerError):
    """The storage cannot hold an object under this name: a segment over a filesystem's 255-byte
    limit, a file where the name needs a folder, a key over S3's 1,024 bytes. Nothing can be found
    or stored there, so it is a missing object (404), never a storage fault (5xx)."""

    status = 404
    message = "the storage cannot hold this key"


class Unprocessable(ResizerError):
    """The original is not a decodable image of an allowed format, or is over a limit."""

    status = 422
    message = "the original is not a supported image"


class StorageFailed(ResizerError):
    """Storage answered with an error: access denied, 5xx after retries, unreachable."""

    status = 502
    message = "storage error"


class Overloaded(ResizerError):
    status = 503
    message = "overloaded, retry shortly"
    retry_after = 1


class DeadlineExceeded(ResizerError):
    status = 504
    message = "deadline exceeded"
