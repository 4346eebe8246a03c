"""Every setting, declared once: its name, parser, default and one line of doc.

The service's `settings/` reads them from the environment (strings, `NAME_FILE` for secrets); a
host site's settings module gives the app's ones as Python values; `resizer.checks` reports the
same problems as Django system checks; docs/operations.md's table is generated from this table
(`python -m resizer.core.config`) and a test keeps the two equal.

A parser takes the raw value (a string from the environment, or a Python value from a settings
module) and returns the value, or raises SettingError naming the setting and echoing the value
(a secret's value is never echoed).
"""

from __future__ import annotations

import difflib
import importlib
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from resizer.core import watermarks

APP, SERVICE = "app", "service"  # app: read in host sites too; service: the service's settings/ only
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})
PREFIXES = ("RESIZER_",)


class SettingError(ValueError):
    """A bad setting; `code` is the stable id of the system check that reports it."""

    def __init__(self, name: str, problem: str, code: str = "E001") -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.code = code


Parser = Callable[[Any], Any]


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Parser
    default: Any
    doc: str
    scope: str = APP
    secret: bool = False
    shown_default: str | None = None  # how the docs table spells the default, when not repr-able

    def read(self, raw: Any) -> Any:
        try:
            return self.parse(raw)
        except _Invalid as exc:
            shown = "" if self.secret else f", not {_echo(raw)}"
            raise SettingError(self.name, f"{exc}{shown}") from None


class _Invalid(ValueError):
    """Raised by a parser: what the value should be; Setting.read adds the name and the value."""


def _echo(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 64 else text[:61] + "…"


# -- parsers -------------------------------------------------------------------------------------


def integer(minimum: int = 0, maximum: int | None = None) -> Parser:
    wanted = f"must be an integer ≥ {minimum}" if maximum is None else f"must be an integer {minimum}–{maximum}"

    def parse(raw: Any) -> int:
        if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
            raw = int(raw.strip())
        too_big = maximum is not None and isinstance(raw, int) and raw > maximum
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum or too_big:
            raise _Invalid(wanted)
        return raw

    return parse


def number(*, zero: bool = False) -> Parser:
    def parse(raw: Any) -> float:
        value = raw
        if isinstance(raw, str):
            try:
                value = float(raw.strip())
            except ValueError:
                value = None
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or not (value >= 0 if zero else value > 0):
            raise _Invalid("must be a number ≥ 0" if zero else "must be a positive number")
        return float(value)

    return parse


def boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in TRUE | FALSE:
        return raw.strip().lower() in TRUE
    raise _Invalid("must be true or false")


def text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Invalid("must be a string")
    return raw.strip()


def secret(raw: Any) -> str:
    # An empty key would turn signing off: never silently.
    if not isinstance(raw, str) or not raw.strip():
        raise _Invalid("is empty: give a key, or unset it")
    return raw.strip()


def secrets(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, (list, tuple)) and not raw:  # a settings module's "none": no key
        return ()
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)) or any(not isinstance(i, str) or not i.strip() for i in items):
        raise _Invalid("must be a comma-separated list of non-empty keys")
    return tuple(i.strip() for i in items)


def widths(raw: Any) -> tuple[int, ...] | None:
    if raw is None:
        return None
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)) or not items:
        raise _Invalid("must be a comma-separated list of positive integers")
    parse = integer(1)
    try:
        return tuple(parse(item) for item in items)
    except _Invalid:
        raise _Invalid("must be a comma-separated list of positive integers") from None


def _json(raw: Any) -> Any:
    """A JSON text from the environment, or the Python value a settings module gave."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _Invalid(f"is not valid JSON ({exc.msg})") from None


def presets(raw: Any) -> dict[str, str]:
    value = _json(raw)
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise _Invalid('must be a JSON object of name to option path, like {"thumb": "w_200"}')
    return dict(value)


def watermark_table(raw: Any) -> dict:
    value = _json(raw)
    try:
        return watermarks.parse(value)
    except ValueError as exc:
        raise _Invalid(str(exc)) from None


def url(raw: Any) -> str:
    value = text(raw).rstrip("/")
    parts = urlsplit(value)
    if value and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise _Invalid("must be an absolute http(s) URL, like https://cdn.example.com")
    return value


def choice(*allowed: str) -> Parser:
    def parse(raw: Any) -> str:
        if not isinstance(raw, str) or raw.strip() not in allowed:
            raise _Invalid(f"must be one of {', '.join(allowed)}")
        return raw.strip()

    return parse


def jpeg_encoder(raw: Any) -> str:
    value = choice("libjpeg", "jpegli")(raw)
    if value == "jpegli":
        try:
            importlib.import_module("pyjpegli")
        except ImportError:
            extra = "pip install 'django-resizer-origin[jpegli]'"
            raise _Invalid(f"must be libjpeg: pyjpegli is not installed ({extra})") from None
    return value


def names(raw: Any) -> tuple[str, ...]:
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)) or any(not isinstance(i, str) or not i.strip() for i in items):
        raise _Invalid("must be a comma-separated list without empty items")
    return tuple(i.strip() for i in items)


# -- the table -----------------------------------------------------------------------------------

CPUS = os.cpu_count() or 2

SETTINGS: tuple[Setting, ...] = (
    # URLs and signing (read by the template tags too)
    Setting("RESIZER_SIGNING_KEY", secret, None, "HMAC key: every URL must then carry `s_<sig>`", secret=True),
    Setting(
        "RESIZER_SIGNING_KEYS", secrets, (), "keys for rotation, comma list: the first signs, all verify", secret=True
    ),
    Setting("RESIZER_BASE_URL", url, "", 'the CDN\'s origin prefixed to built URLs (`""`: relative `/media/`)'),
    Setting("RESIZER_PRESETS", presets, {}, 'named option sets, JSON: `{"thumb": "w_200/h_200/c_fill"}`'),
    Setting(
        "RESIZER_WATERMARKS",
        watermark_table,
        {},
        'overlays for `wm_`, JSON: `{"logo": {"key": "marks/logo.png", "g": "southeast", "opacity": 0.8}}`',
    ),
    Setting(
        "RESIZER_PRESETS_ONLY", boolean, False, "serve only `s_`, `p_`, `v_`, `exp_` options (anything else `403`)"
    ),
    Setting("RESIZER_WIDTHS", widths, None, "allowed `w_` values, comma list (unset: any up to the maximum)"),
    Setting("RESIZER_MAX_DIMENSION", integer(1), 4096, "bound on `w × dpr` and `h × dpr`"),
    # Source limits
    Setting("RESIZER_MAX_SOURCE_BYTES", integer(1), 50 * 1024 * 1024, "largest original, decided before download"),
    Setting("RESIZER_MAX_SOURCE_PIXELS", integer(1), 50_000_000, "most pixels of an original, decided before decode"),
    Setting("RESIZER_MAX_FRAMES", integer(1), 100, "most frames of an animated original"),
    # Concurrency and time
    Setting("RESIZER_RENDER_WORKERS", integer(1), CPUS, "render threads per process", shown_default="the CPU count"),
    Setting("RESIZER_QUEUE_LIMIT", integer(0), 64, "renders that may wait for a thread; beyond it `503`"),
    Setting("RESIZER_IO_WORKERS", integer(1), 32, "threads for storage calls"),
    Setting("RESIZER_DEADLINE_SECONDS", number(), 20.0, "per request, under the CDN's 30 s origin timeout; then `504`"),
    Setting("RESIZER_HOT_CACHE_BYTES", integer(0), 32 * 1024 * 1024, "hot renditions kept in memory per worker"),
    Setting("RESIZER_HOT_CACHE_SECONDS", number(zero=True), 60.0, "how long a purged rendition may still be served"),
    Setting(
        "RESIZER_MASTERS_CACHE_BYTES",
        integer(0),
        64 * 1024 * 1024,
        "decoded originals and resized frames shared by renditions of one original, per worker (0: off)",
    ),
    Setting(
        "RESIZER_JPEG_ENCODER",
        jpeg_encoder,
        "libjpeg",
        "what writes colour JPEG below q90: libjpeg (progressive) or jpegli (the jpegli extra: faster, baseline)",
    ),
    Setting(
        "RESIZER_AVIF_SPEED",
        integer(6, 10),
        7,
        "aom's speed for AVIF, 6 (slowest, smallest) to 10: 8 takes ≈0.6× the CPU for ≈13 % more bytes",
    ),
    Setting("RESIZER_ORIGINALS_CACHE_BYTES", integer(0), 256 * 1024 * 1024, "originals shared by a server's workers"),
    Setting(
        "RESIZER_ORIGINALS_CACHE_SECONDS", number(zero=True), 60.0, "how long a replaced original may still be used"
    ),
    Setting("RESIZER_CLOUDFRONT_DISTRIBUTION_ID", text, "", "`resizer_purge` also invalidates this distribution"),
    # The service's own (settings/ only)
    Setting(
        "RESIZER_RUN_DIR", text, "", "parent of the per-server run directory", SERVICE, shown_default="the temp dir"
    ),
    Setting(
        "RESIZER_DATA_DIR", text, "", "filesystem storage root; must exist when set", SERVICE, shown_default="./var"
    ),
    Setting("RESIZER_ORIGINALS_BUCKET", text, "", "S3 bucket of originals (unset: the filesystem)", SERVICE),
    Setting("RESIZER_RENDITIONS_BUCKET", text, "", "S3 bucket of renditions, with the originals bucket", SERVICE),
    Setting("RESIZER_DEMO", boolean, None, "serve the demo page at `/`", SERVICE, shown_default="on without a bucket"),
    Setting("AWS_S3_ENDPOINT_URL", url, "", "an S3-compatible endpoint (unset: AWS)", SERVICE),
    Setting("AWS_S3_REGION_NAME", text, "", "the buckets' region", SERVICE),
    Setting("AWS_S3_ADDRESSING_STYLE", choice("auto", "path", "virtual"), "", "S3 addressing style", SERVICE),
    Setting("AWS_ACCESS_KEY_ID", secret, None, "S3 credentials (unset: boto3's chain, e.g. a pod role)", SERVICE, True),
    Setting("AWS_SECRET_ACCESS_KEY", secret, None, "S3 credentials, with the key id", SERVICE, True),
    Setting("DJANGO_DEBUG", boolean, False, "Django's DEBUG", SERVICE),
    Setting("DJANGO_SECRET_KEY", secret, None, "Django's SECRET_KEY (unset: one per process)", SERVICE, True),
    Setting("DJANGO_ALLOWED_HOSTS", names, ("*",), "Django's ALLOWED_HOSTS, comma list", SERVICE),
    Setting("DJANGO_STATIC_ROOT", text, "", "where collectstatic puts files", SERVICE, shown_default="./var/static"),
    Setting("DJANGO_LOG_LEVEL", choice("DEBUG", "INFO", "WARNING", "ERROR"), "INFO", "root log level", SERVICE),
)
BY_NAME = {s.name: s for s in SETTINGS}


def read(given: Mapping[str, Any], scope: Iterable[str] = (APP, SERVICE)) -> dict[str, Any]:
    """The value of every declared setting in `scope`: given (already raw) or its default."""
    wanted = [s for s in SETTINGS if s.scope in set(scope)]
    values = {s.name: s.read(given[s.name]) if s.name in given else s.default for s in wanted}
    _cross_check(values)
    return values


def read_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """read(), from environment strings: `NAME_FILE` for secrets, an empty value is unset (but a
    secret's), and an unknown RESIZER_* name is an error (a typo must not pass for a default)."""
    unknown(environ)
    given: dict[str, str] = {}
    for setting in SETTINGS:
        raw = _from_file(environ, setting.name) if setting.secret else environ.get(setting.name)
        if raw is not None and (raw.strip() or setting.secret):
            given[setting.name] = raw
    return read(given)


def unknown(names: Iterable[str], code: str = "E001") -> None:
    for name in sorted(names):
        if name.startswith(PREFIXES) and not _known(name):
            close = difflib.get_close_matches(name.removesuffix("_FILE"), BY_NAME, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise SettingError(name, f"unknown setting{hint}", code)


def _known(name: str) -> bool:
    base = BY_NAME.get(name.removesuffix("_FILE"))
    return name in BY_NAME or (base is not None and base.secret)


def _from_file(environ: Mapping[str, str], name: str) -> str | None:
    path = environ.get(f"{name}_FILE")
    if path is None:
        return environ.get(name)
    if name in environ:
        raise SettingError(name, f"set {name} or {name}_FILE, not both")
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError as exc:
        raise SettingError(f"{name}_FILE", f"cannot read {path}: {exc.strerror}") from None


def _cross_check(values: Mapping[str, Any]) -> None:
    if values.get("RESIZER_SIGNING_KEY") and values.get("RESIZER_SIGNING_KEYS"):
        raise SettingError(
            "RESIZER_SIGNING_KEY",
            "set RESIZER_SIGNING_KEY or RESIZER_SIGNING_KEYS (for rotation, its first key signs), not both",
            "E002",
        )
    maximum = values.get("RESIZER_MAX_DIMENSION", 4096)
    over = [w for w in values.get("RESIZER_WIDTHS") or () if w > maximum]
    if over:
        raise SettingError(
            "RESIZER_WIDTHS", f"{over[0]} is over RESIZER_MAX_DIMENSION ({maximum}): no URL could use it", "E003"
        )
    if values.get("RESIZER_ORIGINALS_BUCKET") and not values.get("RESIZER_RENDITIONS_BUCKET"):
        raise SettingError("RESIZER_RENDITIONS_BUCKET", "must be set with RESIZER_ORIGINALS_BUCKET", "E004")


def table() -> str:
    """The settings as a Markdown table (docs/operations.md)."""
    rows = ["| setting | default | scope | what |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = s.shown_default or ("unset" if s.default in (None, "", (), {}) else _shown(s.default))
        scope = "site and service" if s.scope == APP else "service"
        rows.append(f"| `{s.name}` | {default} | {scope} | {s.doc} |")
    return "\n".join(rows)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, tuple):
        value = ",".join(map(str, value))
    return f"`{value}`"


if __name__ == "__main__":
    print(table())
