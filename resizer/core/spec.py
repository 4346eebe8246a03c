"""RenditionSpec and the URL grammar: `Grammar.parse` and `Grammar.build_path` are exact inverses.

Everything a response says is derived from one RenditionSpec. This module knows nothing of
Django, storage or Pillow; see docs/urls.md for the grammar in full.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import quote, unquote, unquote_to_bytes

from resizer.core.errors import BadRequest, echo
from resizer.core.formats import ALIASES, DEFAULT_QUALITY, OUTPUTS

MEDIA_PREFIX = "/media/"  # where the service answers; the rest of a request path is the spec
CROPS = ("fit", "fill", "pad")
GRAVITIES = (
    "center", "north", "northeast", "east", "southeast",
    "south", "southwest", "west", "northwest", "auto",
)  # fmt: skip
FORMATS = (*OUTPUTS, "auto")
SEPARATOR = "_"
MAX_KEY_BYTES = 1024
ONE = Decimal(1)
CENT = Decimal("0.01")

_HEX = re.compile(r"[0-9a-fA-F]{6}([0-9a-fA-F]{2})?")
_DIGITS = re.compile(r"[0-9]{1,7}")
_DECIMAL = re.compile(r"[0-9]{1,3}(\.[0-9]{1,6})?")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class RenditionSpec:
    """The identity of a rendition: what to cut from which original, and how to encode it."""

    key: str
    width: int | None = None
    height: int | None = None
    crop: str = "fit"
    gravity: str = "center"
    background: str | None = None
    dpr: Decimal = ONE
    quality: int | None = None
    format: str | None = None
    version: str | None = None
    preset: str | None = None  # the name written in the URL; its options are already applied

    def __post_init__(self) -> None:
        # q_ at the encoder's default for an explicit format is the same rendition as no q_.
        if self.quality is not None and self.quality == DEFAULT_QUALITY.get(self.format or ""):
            object.__setattr__(self, "quality", None)

    @property
    def target(self) -> tuple[int | None, int | None]:
        """The box in device pixels: w × dpr and h × dpr, rounded half up, at least 1."""
        return _scaled(self.width, self.dpr), _scaled(self.height, self.dpr)

    @property
    def expanded(self) -> RenditionSpec:
        """The same rendition spelled without its preset name (storage identity)."""
        return replace(self, preset=None)


DEFAULTS = {f.name: f.default for f in fields(RenditionSpec)}


def _scaled(value: int | None, dpr: Decimal) -> int | None:
    if value is None:
        return None
    return max(1, int((value * dpr).to_integral_value(rounding=ROUND_HALF_UP)))


@dataclass(frozen=True)
class ParsedURL:
    spec: RenditionSpec
    signature: str | None
    canonical: bool
    written: frozenset[str]  # option names spelled in the URL itself (not via the preset)
    path: str  # the canonical path after the signature segment, decoded

    @property
    def canonical_url(self) -> str:
        """The request path this URL is canonically spelled as (the target of the 301)."""
        return media_request_path(self.path, self.signature)

    def unsigned(self) -> ParsedURL:
        """The same URL without its `s_` segment: what a service without a signing key spells."""
        return replace(self, signature=None, canonical=False)


@dataclass(frozen=True)
class _Option:
    name: str
    field: str
    parse: Callable[[str], object]
    format: Callable[[object], str] = str


def _choice(name: str, allowed: tuple[str, ...], aliases: Mapping[str, str] | None = None):
    def parse(text: str) -> str:
        text = (aliases or {}).get(text, text)
        if text not in allowed:
            raise BadRequest(f"{echo(f'{name}_{text}')}: expected one of {', '.join(allowed)}")
        return text

    return parse


def _integer(name: str, low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not _DIGITS.fullmatch(text) or not low <= int(text) <= high:
            raise BadRequest(f"{echo(f'{name}_{text}')}: expected an integer from {low} to {high}")
        return int(text)

    return parse


def _dpr(text: str) -> Decimal:
    try:
        value = Decimal(text) if _DECIMAL.fullmatch(text) else None
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        value = None
    if value is None or not ONE <= value <= 4 or value != value.quantize(CENT):
        raise BadRequest(f"{echo(f'dpr_{text}')}: expected a number from 1 to 4 with at most 2 decimals")
    return value.normalize()


def _format_dpr(value: object) -> str:
    return format(value, "f")


def _background(text: str) -> str:
    if not _HEX.fullmatch(text):
        raise BadRequest(f"{echo(f'bg_{text}')}: expected 6 or 8 hex digits (rrggbb or rrggbbaa)")
    text = text.lower()
    return text[:6] if text.endswith("ff") and len(text) == 8 else text


def _version(text: str) -> str:
    if not _TOKEN.fullmatch(text):
        raise BadRequest(f"{echo(f'v_{text}')}: expected 1 to 64 characters of A-Z a-z 0-9 _ -")
    return text


def decode_path(raw: bytes | str) -> str:
    """Percent-decode a request path exactly once, as strict UTF-8."""
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the path is not valid UTF-8") from None


def encode_path(path: str) -> str:
    return quote(path, safe="/")


def media_request_path(path: str, signature: str | None) -> str:
    """`/media/[s_<signature>/]<path>`, the path percent-encoded (the signature is over `path`)."""
    signed = f"s_{signature}/" if signature else ""
    return f"{MEDIA_PREFIX}{signed}{encode_path(path)}"


def validate_key(key: str) -> None:
    """Reject keys that could escape or confuse a store, before any storage call.

    Stores normalise differently (django-storages turns `../x` into `x`, SeaweedFS collapses
    `//`), so the service decides; encoded dot segments are refused whatever their depth of
    encoding (CWE-22, CWE-177).
    """
    if not key:
        raise BadRequest("missing image key")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise BadRequest(f"image key longer than {MAX_KEY_BYTES} bytes")
    if "\\" in key:
        raise BadRequest("backslash in image key")
    revealed = key
    # Decode to a fixed point: every pass that changes the text shortens it, so this ends.
    while (decoded := unquote(revealed)) != revealed:
        revealed = decoded
    if _CONTROL.search(revealed):
        raise BadRequest("control character in image key")
    segments = key.split("/")
    if "" in segments:
        raise BadRequest("empty segment in image key")
    if any(part in (".", "..") for part in re.split(r"[/\\]", revealed)):
        raise BadRequest("dot segment in image key")


class Grammar:
    """Parse and build rendition paths under one configuration (presets, dimension bound)."""

    def __init__(self, presets: Mapping[str, str] | None = None, max_dimension: int = 4096):
        self.max_dimension = max_dimension
        dimension = _integer
        self.options = {
            option.name: option
            for option in (
                _Option("w", "width", dimension("w", 1, max_dimension)),
                _Option("h", "height", dimension("h", 1, max_dimension)),
                _Option("c", "crop", _choice("c", CROPS)),
                _Option("g", "gravity", _choice("g", GRAVITIES)),
                _Option("bg", "background", _background),
                _Option("dpr", "dpr", _dpr, _format_dpr),
                _Option("q", "quality", _integer("q", 1, 100)),
                _Option("f", "format", _choice("f", FORMATS, ALIASES)),
                _Option("v", "version", _version),
            )
        }
        self.names = frozenset(self.options) | {"s", "p"}
        self.presets: dict[str, dict] = {}
        self.presets = {name: self._preset_values(name, path) for name, path in (presets or {}).items()}

    # -- parse ------------------------------------------------------------------------------

    def parse(self, path: str) -> ParsedURL:
        """Parse a decoded path (after `/media/`) into a spec; raise BadRequest when malformed."""
        segments = path.split("/")
        signature = None
        if segments[0].startswith("s_"):
            # Kept as written, well-formed or not: a malformed signature is a wrong one (403, by the
            # policy, after parsing), not a malformed request (400).
            signature = segments.pop(0)[2:]
        written, values, rest = self._read_options(segments)
        key = "/".join(rest)
        validate_key(key)
        preset = values.pop("preset", None)
        if preset is not None:
            values = self._apply_preset(preset, values)
        spec = RenditionSpec(key=key, preset=preset, **values)
        self._check_bounds(spec)
        canonical_path = self.build_path(spec)
        return ParsedURL(spec, signature, canonical_path == "/".join(segments), written, canonical_path)

    def parse_request(self, sent: bytes | str) -> ParsedURL:
        """Parse a path as sent (after `/media/`, percent-encoded), decoding it once.

        Canonical only when spelled exactly as the builder writes it (`encode_path`): another
        escape of the same characters (`w%5F100`, `%77_100`, `photos%2Fcat.jpg`, `caf%c3%a9` for
        `caf%C3%A9`) names the same rendition and is redirected like `w_0400`, so that a CDN keeps
        one entry per rendition. The redirect target parses as canonical: one 301, never two.
        """
        parsed = self.parse(decode_path(sent))
        spelled = sent.decode("latin-1") if isinstance(sent, bytes) else sent  # raw non-ASCII: not ours
        return replace(parsed, canonical=parsed.canonical and MEDIA_PREFIX + spelled == parsed.canonical_url)

    def _read_options(self, segments: list[str]) -> tuple[frozenset[str], dict, list[str]]:
        written: list[str] = []
        values: dict[str, object] = {}
        for index, segment in enumerate(segments):
            if segment == SEPARATOR:
                return frozenset(written), values, segments[index + 1 :]
            name, underscore, text = segment.partition("_")
            if not underscore or name not in self.names:
                return frozenset(written), values, segments[index:]
            if name == "s":
                raise BadRequest("s_: the signature must be the first segment")
            if name in written:
                raise BadRequest(f"{name}_: given more than once")
            written.append(name)
            if name == "p":
                if text not in self.presets:
                    raise BadRequest(f"{echo(f'p_{text}')}: unknown preset")
                values["preset"] = text
            else:
                option = self.options[name]
                values[option.field] = option.parse(text)
        return frozenset(written), values, []

    def _apply_preset(self, preset: str, values: dict) -> dict:
        preset_values = self.presets[preset]
        for field in values.keys() & preset_values.keys():
            name = next(o.name for o in self.options.values() if o.field == field)
            raise BadRequest(f"{name}_: already set by preset p_{preset}")
        return {**values, **preset_values}

    def _check_bounds(self, spec: RenditionSpec) -> None:
        for name, value in (("w", spec.width), ("h", spec.height)):
            if value is not None and value * spec.dpr > self.max_dimension:
                raise BadRequest(f"{name} × dpr exceeds {self.max_dimension}")

    def _preset_values(self, name: str, path: str) -> dict:
        if not _TOKEN.fullmatch(name):
            raise ValueError(f"preset name {name!r}: expected 1 to 64 characters of A-Z a-z 0-9 _ -")
        _, values, rest = self._read_options(path.strip("/").split("/"))
        if rest or "preset" in values or not values:
            raise ValueError(f"preset {name!r}: expected options only, like w_200/h_200/c_fill")
        if "quality" in values and values["quality"] == DEFAULT_QUALITY.get(values.get("format") or ""):
            values.pop("quality")  # as RenditionSpec drops it
        return values

    # -- build ------------------------------------------------------------------------------

    def build_path(self, spec: RenditionSpec) -> str:
        """The canonical decoded path for a spec (no `/media/`, no signature)."""
        parts = self.option_parts(spec)
        if self._needs_separator(spec.key):
            parts.append(SEPARATOR)
        parts.append(spec.key)
        return "/".join(parts)

    def option_parts(self, spec: RenditionSpec) -> list[str]:
        """The canonical option segments of a spec, in the order of the contract's table."""
        parts = []
        preset_fields: Mapping[str, object] = {}
        if spec.preset is not None:
            parts.append(f"p_{spec.preset}")
            preset_fields = self.presets[spec.preset]
        for option in self.options.values():
            value = getattr(spec, option.field)
            if option.field in preset_fields:
                if value != preset_fields[option.field]:
                    raise ValueError(f"{option.name}_ differs from preset p_{spec.preset}")
                continue
            if value != DEFAULTS[option.field]:
                parts.append(f"{option.name}_{option.format(value)}")
        return parts

    def _needs_separator(self, key: str) -> bool:
        first = key.split("/", 1)[0]
        name, underscore, _ = first.partition("_")
        return first == SEPARATOR or bool(underscore and name in self.names)

    def make(self, key: str, **options: object) -> RenditionSpec:
        """A spec from option values (`w=400, c="fill", p="thumb"`), validated as a URL would be."""
        return self.make_parsed(key, **options).spec

    def make_parsed(self, key: str, **options: object) -> ParsedURL:
        """`make`, with what a parsed URL carries: the options written and the canonical path."""
        unknown = options.keys() - self.names - {"s"}
        if unknown:
            raise BadRequest(f"unknown option {sorted(unknown)[0]!r}")
        order = ["p", *self.options]
        written = [f"{name}_{options[name]}" for name in order if options.get(name) is not None]
        return self.parse("/".join([*written, SEPARATOR, key]))
