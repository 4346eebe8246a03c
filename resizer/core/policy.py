"""Who may ask for what: signatures, allow-lists, presets-only, and the source limits.

No I/O and no Django; `conf.py` builds one Policy from the settings at start-up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field

from resizer.core.errors import BadRequest, Forbidden
from resizer.core.spec import ParsedURL

_SIGNATURE = re.compile(r"[A-Za-z0-9_-]{43}")

PRESETS_ONLY_OPTIONS = frozenset({"s", "p", "v", "exp"})


def sign(path: str, key: bytes) -> str:
    """base64url_nopad(HMAC-SHA256(key, path)), path being the canonical decoded path."""
    digest = hmac.new(key, path.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Limits:
    max_source_bytes: int = 50 * 1024 * 1024
    max_source_pixels: int = 50_000_000
    max_frames: int = 100


@dataclass(frozen=True)
class Policy:
    signing_keys: tuple[bytes, ...] = field(default=(), repr=False)  # secrets: never in a repr or a log
    widths: frozenset[int] | None = None
    presets_only: bool = False

    def check(self, parsed: ParsedURL) -> None:
        """In the contract's order: allow-lists (400), then signature (403), then presets-only (403)."""
        self.check_width(parsed)
        self.check_signature(parsed)
        self.check_presets_only(parsed)

    def served(self, parsed: ParsedURL) -> ParsedURL:
        """The URL as this service spells it: where nothing is signed an `s_` segment is not part
        of the canonical URL, so such a URL is redirected to the one without it."""
        if self.signing_keys or parsed.signature is None:
            return parsed
        return parsed.unsigned()

    def check_width(self, parsed: ParsedURL) -> None:
        width = parsed.spec.width
        if self.widths is None or "w" not in parsed.written or width in self.widths:
            return
        allowed = ", ".join(str(w) for w in sorted(self.widths))
        raise BadRequest(f"w_{width}: width not allowed here (allowed: {allowed})")

    def check_signature(self, parsed: ParsedURL) -> None:
        if not self.signing_keys:
            return
        if parsed.signature is None:
            raise Forbidden("missing signature")
        if not _SIGNATURE.fullmatch(parsed.signature):
            raise Forbidden("malformed signature: expected s_ and 43 base64url characters")
        if not self.verify(parsed.path, parsed.signature):
            raise Forbidden("invalid signature")

    def verify(self, path: str, signature: str) -> bool:
        # Every key is tried, so the time taken does not depend on which one matched.
        matches = [hmac.compare_digest(sign(path, key), signature) for key in self.signing_keys]
        return any(matches)

    def check_presets_only(self, parsed: ParsedURL) -> None:
        extra = parsed.written - PRESETS_ONLY_OPTIONS
        if self.presets_only and extra:
            raise Forbidden(f"only presets are allowed here, not {sorted(extra)[0]}_")

    def signature_for(self, path: str) -> str | None:
        return sign(path, self.signing_keys[0]) if self.signing_keys else None
