"""RenditionSpec and the URL grammar: `Grammar.parse` and `Grammar.build_path` are exact inverses.

Everything a response says is derived from one RenditionSpec. This module knows nothing of
Django, storage or Pillow; see docs/urls.md for the grammar in full.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote, unquote, unquote_to_bytes

from resizer.core import options as values_of
from resizer.core.errors import BadRequest, echo
from resizer.core.formats import ALIASES, DEFAULT_QUALITY, OUTPUTS
from resizer.core.options import ONE, Option, Point, Region

MEDIA_PREFIX = "/media/"  # where the service answers; the rest of a request path is the spec
CROPS = ("fit", "fill", "pad")
GRAVITIES = (
    "center", "north", "northeast", "east", "southeast",
    "south", "southwest", "west", "northwest", "auto",
)  # fmt: skip
FORMATS = (*OUTPUTS, "auto")
ROTATIONS = (90, 180, 270)
FLIPS = ("h", "v")
SEPARATOR = "_"
MAX_KEY_BYTES = 1024
# Options of the request, not of the rendition: the signature and the link's expiry. Neither is
# part of a rendition's identity (its storage name), and under RESIZER_PRESETS_ONLY both are allowed.
REQUEST_OPTIONS = frozenset({"s", "exp"})

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
    trim: int | None = None  # t_: tolerance, 1 … 100
    rotate: int = 0  # r_: clockwise degrees, after EXIF orientation and trim
    flip: str | None = None  # fl_h (fl_v is spelled as r_180/fl_h)
    region: Region | None = None  # cr_: x, y, w, h as fractions of the picture after t/r/fl
    blur: Decimal | None = None  # bl_: sigma in output pixels
    sharpen: int | None = None  # sh_: 1 … 100
    pixelate: int | None = None  # px_: block side in output pixels
    watermark: str | None = None  # wm_: a configured watermark's name
    max_bytes: int | None = None  # mb_: the byte budget of a lossy output

    def __post_init__(self) -> None:
        # q_ at the encoder's default for an explicit format is the same rendition as no q_.
        if self.quality is not None and self.quality == DEFAULT_QUALITY.get(self.format or ""):
            object.__setattr__(self, "quality", None)

    @property
    def target(self) -> tuple[int | None, int | None]:
        """The box in device pixels: w × dpr and h × dpr, rounded half up, at least 1."""
        return _scaled(self.width, self.dpr), _scaled(self.height, self.dpr)

    @property
    def focal_point(self) -> Point | None:
        """g_fp:<x>:<y> as fractions of the region, or None for another gravity."""
        return values_of.focal_point(self.gravity)

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
    path: str  # the canonical path after the signature segment, decoded (what is signed)
    expires: int | None = None  # exp_: the link works until this Unix time

    @property
    def canonical_url(self) -> str:
        """The request path this URL is canonically spelled as (the target of the 301)."""
        return media_request_path(self.path, self.signature)

    def unsigned(self) -> ParsedURL:
        """The same URL without its `s_` segment: what a service without a signing key spells."""
        return replace(self, signature=None, canonical=False)


def decode_path(raw: bytes | str) -> str:
    """Percent-decode a request path exactly once, as strict UTF-8."""
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the path is not valid UTF-8") from None


def encode_path(path: str) -> str:
    # ":" is left as it is (a path may hold it, RFC 3986 §3.3): cr_0.5:0:0.5:1 and g_fp:0.2:0.3
    # read as written. A comma is escaped: it would split a srcset candidate.
    return quote(path, safe="/:")


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
    """Parse and build rendition paths under one configuration (presets, watermarks, dimension bound)."""

    def __init__(
        self,
        presets: Mapping[str, str] | None = None,
        max_dimension: int = 4096,
        watermarks: Iterable[str] = (),
    ):
        self.max_dimension = max_dimension
        self.watermarks = frozenset(watermarks)
        v = values_of
        marks = tuple(sorted(self.watermarks))
        # The contract's table, in its order: the order options are applied and spelled in.
        table = (
            Option("t", "trim", v.integer("t", 1, 100)),
            Option("r", "rotate", v.integer("r", 90, 270, ROTATIONS)),
            Option("fl", "flip", v.choice("fl", FLIPS)),
            Option("cr", "region", v.region, v.points),
            Option("w", "width", v.integer("w", 1, max_dimension)),
            Option("h", "height", v.integer("h", 1, max_dimension)),
            Option("c", "crop", v.choice("c", CROPS)),
            Option("g", "gravity", v.gravity(GRAVITIES)),
            Option("bg", "background", v.background),
            Option("dpr", "dpr", v.dpr, v.number),
            Option("bl", "blur", v.blur, v.number),
            Option("sh", "sharpen", v.integer("sh", 1, 100)),
            Option("px", "pixelate", v.integer("px", 2, 256)),
            Option("wm", "watermark", _watermark(marks)),
            Option("q", "quality", v.integer("q", 1, 100)),
            Option("mb", "max_bytes", v.integer("mb", 1024, 10485760)),
            Option("f", "format", v.choice("f", FORMATS, ALIASES)),
            Option("v", "version", v.token("v")),
        )
        self.options = {option.name: option for option in table}
        self.names = frozenset(self.options) | {"s", "p", "exp"}
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
        expires = values.pop("expires", None)
        preset = values.pop("preset", None)
        if preset is not None:
            if values.get("flip") == "v" and "rotate" in self.presets[preset]:
                raise BadRequest(f"fl_v: spelled r_180/fl_h, and r_ is already set by preset p_{preset}")
            values = self._apply_preset(preset, values)
        spec = RenditionSpec(key=key, preset=preset, **_upright_flip(values))
        self._check_bounds(spec)
        canonical_path = self.build_path(spec, expires)
        return ParsedURL(spec, signature, canonical_path == "/".join(segments), written, canonical_path, expires)

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
            elif name == "exp":
                values["expires"] = values_of.unix_time(text)
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
        if rest or "preset" in values or "expires" in values or not values:
            raise ValueError(f"preset {name!r}: expected options only, like w_200/h_200/c_fill (no exp_)")
        values = _upright_flip(values)
        if "quality" in values and values["quality"] == DEFAULT_QUALITY.get(values.get("format") or ""):
            values.pop("quality")  # as RenditionSpec drops it
        return values

    # -- build ------------------------------------------------------------------------------

    def build_path(self, spec: RenditionSpec, expires: int | None = None) -> str:
        """The canonical decoded path for a spec (no `/media/`, no signature); `exp_` last, as in
        the contract's table (it is signed with the rest, and no part of the storage name)."""
        parts = self.option_parts(spec)
        if expires is not None:
            parts.append(f"exp_{expires}")
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
        order = ["p", *self.options, "exp"]
        written = [f"{name}_{options[name]}" for name in order if options.get(name) is not None]
        return self.parse("/".join([*written, SEPARATOR, key]))


def _watermark(names: tuple[str, ...]):
    def parse(text: str) -> str:
        if text not in names:
            raise BadRequest(f"{echo(f'wm_{text}')}: unknown watermark")
        return text

    return parse


def _upright_flip(values: dict) -> dict:
    """fl_v is spelled as a half turn and a mirror: r_180/fl_h (so r_90/fl_v is r_270/fl_h)."""
    if values.get("flip") != "v":
        return values
    return {**values, "rotate": (values.get("rotate", 0) + 180) % 360, "flip": "h"}
