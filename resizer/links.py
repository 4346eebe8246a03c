"""Rendition URLs and srcset candidates for templates and Python code: canonical, signed, prefixed.

Never any I/O: no file is opened and no storage is called. The original's size, when known, comes
from the caller (`original_size=`) or from the model's dimension fields (ImageField width_field and
height_field), and the rendered size is computed with the pipeline's own geometry. An editor's crop
and focal point come from the model's fields too (ImageField crop_field and focus_field, framing.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from resizer.conf import config
from resizer.core.errors import ResizerError
from resizer.core.spec import ParsedURL, RenditionSpec, media_request_path
from resizer.framing import Framing
from resizer.imaging import geometry

Size = tuple[int, int]
EXPIRY_STEP = 300  # seconds: expiring links are rounded up to this


def source_key(source: Any) -> str:
    """A FieldFile's storage name, or a key given as a string."""
    key = getattr(source, "name", source)
    if not isinstance(key, str) or not key:
        raise ValueError(f"not an image key or file: {source!r}")
    return key


def known_size(source: Any, given: Any = None) -> Size | None:
    """The original's upright size: `given` ("3200x2000" or (w, h)), else the model's dimension fields.

    Reads the fields' values from the instance; never `FieldFile.width`, which opens the file.
    """
    if given:
        width, height = given.lower().split("x") if isinstance(given, str) else given
        return int(width), int(height)
    field, instance = getattr(source, "field", None), getattr(source, "instance", None)
    names = getattr(field, "width_field", None), getattr(field, "height_field", None)
    if instance is None or not all(names):
        return None
    width, height = (getattr(instance, name, None) for name in names)
    return (width, height) if isinstance(width, int) and isinstance(height, int) and width and height else None


def expiry_time(seconds: int, now: float | None = None) -> int:
    """`expires=<seconds from now>` as exp_'s Unix time, rounded up to EXPIRY_STEP: pages rendered
    within the same few minutes write the same URL (one CDN object, not one per page view)."""
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0:
        raise ValueError(f"expires must be a positive number of seconds, not {seconds!r}")
    moment = (time.time() if now is None else now) + seconds
    return math.ceil(moment / EXPIRY_STEP) * EXPIRY_STEP


def make_parsed(source: Any, **options: Any) -> ParsedURL:
    """A validated URL, refused here (ValueError) when the service would refuse it (400/403).
    `expires=<seconds>` makes it an expiring link (exp_). A FieldFile's crop and focal point (from
    its model's fields) are added unless `cr=`/`g=` say otherwise."""
    return framed_parsed(source_key(source), Framing.of(source), **options)


def framed_parsed(key: str, framing: Framing | None, **options: Any) -> ParsedURL:
    """`make_parsed` for a key with a framing given (an editor's unsaved values, in the admin)."""
    settings = config()
    expires = options.pop("expires", None)
    if expires is not None:
        options["exp"] = expiry_time(int(expires))
    # Under RESIZER_PRESETS_ONLY a URL may not carry cr_ or g_: the framing cannot be written.
    framing = None if settings.policy.presets_only else framing
    try:
        if framing:
            options = framing.add_to(settings.grammar, key, options)
        parsed = settings.grammar.make_parsed(key, **options)
        settings.policy.check_width(parsed)
        settings.policy.check_presets_only(parsed)
    except ResizerError as exc:
        raise ValueError(f"image {key!r}: {exc.message}") from None
    return parsed


def make_spec(source: Any, **options: Any) -> RenditionSpec:
    return make_parsed(source, **options).spec


def media_path(spec: RenditionSpec, expires: int | None = None) -> str:
    """`/media/s_<sig>/<canonical path>`, percent-encoded: no space, quote, `&`, `<` or comma is left."""
    settings = config()
    path = settings.grammar.build_path(spec, expires)
    return media_request_path(path, settings.policy.signature_for(path))


def url_for(spec: RenditionSpec, expires: int | None = None) -> str:
    return config().base_url + media_path(spec, expires)


def image_url(source: Any, **options: Any) -> str:
    parsed = make_parsed(source, **options)
    return url_for(parsed.spec, parsed.expires)


def rendered_size(spec: RenditionSpec, original: Size | None) -> Size | None:
    """The rendition's size in pixels, by the pipeline's geometry (never enlarged, rounded half up;
    r_ and cr_ included). None when unknown: without the original's size, and with t_, whose box
    is found in the pixels, which these tags never read."""
    if not original or spec.trim is not None:
        return None
    return geometry.plan(original, spec).canvas


@dataclass(frozen=True)
class Candidate:
    spec: RenditionSpec
    url: str
    width: int  # the w descriptor: the rendered width when the original's size is known
    size: Size | None  # the rendered size, when known


def parse_widths(widths: Any) -> list[int]:
    """`"320,640,960"` or a list of ints; None falls back to RESIZER_WIDTHS."""
    if widths is None:
        allowed = config().policy.widths
        if not allowed:
            raise ValueError("give widths='320,640,…' (or set RESIZER_WIDTHS)")
        return sorted(allowed)
    items = widths.split(",") if isinstance(widths, str) else widths
    return sorted({int(item) for item in items})


def candidates(source: Any, widths: Any = None, original: Size | None = None, **options: Any) -> list[Candidate]:
    """One candidate per width, narrowest first.

    When the original's size is known, each candidate advertises the width it will really have:
    a width beyond the original renders at the original's width (never enlarge), so it is
    advertised as that, and only the first URL that reaches a given width is kept.
    """
    if "w" in options or "dpr" in options:
        raise ValueError("srcset candidates set w from widths and use w descriptors: no w= or dpr= here")
    found: dict[int, Candidate] = {}
    for width in parse_widths(widths):
        parsed = make_parsed(source, w=width, **options)
        size = rendered_size(parsed.spec, original)
        advertised = size[0] if size else width
        found.setdefault(advertised, Candidate(parsed.spec, url_for(parsed.spec, parsed.expires), advertised, size))
    return list(found.values())


def srcset(found: Iterable[Candidate]) -> str:
    # URLs come percent-encoded (media_path), so a comma in a key cannot split a candidate.
    return ", ".join(f"{candidate.url} {candidate.width}w" for candidate in found)


def image_srcset(source: Any, widths: Any = None, original_size: Any = None, **options: Any) -> str:
    return srcset(candidates(source, widths, known_size(source, original_size), **options))
