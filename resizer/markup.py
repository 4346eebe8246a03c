"""Responsive markup: a <picture> with one <source> per format and an <img> that never shifts layout.

One <source type=…> per format lets the browser choose the format, so the CDN caches one object
per URL and never needs `Vary: Accept`. No I/O: see links.py.
"""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from resizer.core.formats import ALIASES
from resizer.core.formats import CONTENT_TYPES as TYPES
from resizer.links import Candidate, candidates, known_size, make_parsed, srcset, url_for

# The placeholder: a rendition this narrow at this quality is a few hundred bytes; the browser
# smooths it as it scales it up to the box (background-size: cover), which is the blur.
PLACEHOLDER_WIDTH = 32
PLACEHOLDER_QUALITY = 30
# HTML attributes the picture tag passes to its <img>; every other keyword is a resizer option.
IMG_ATTRIBUTES = ("class", "id", "title", "fetchpriority")


def parse_formats(formats: Any) -> list[str]:
    """`"avif,webp"` or a list; `auto` has no place here: each <source> names its type."""
    items = formats.split(",") if isinstance(formats, str) else list(formats or ())
    found = [ALIASES.get(item.strip(), item.strip()) for item in items if item.strip()]
    unknown = [item for item in found if item not in TYPES]
    if unknown:
        raise ValueError(f"formats: {unknown[0]!r} is not one of {', '.join(TYPES)}")
    return found


def picture(
    source: Any,
    widths: Any = None,
    sizes: str = "100vw",
    alt: str = "",
    formats: Any = "",
    original_size: Any = None,
    placeholder: bool | int = False,
    loading: str = "lazy",
    decoding: str = "async",
    **options: Any,
) -> SafeString:
    """`<picture><source type=… srcset=… sizes=…>…<img src srcset sizes alt width height …></picture>`."""
    attributes = {name: options.pop(name) for name in IMG_ATTRIBUTES if name in options}
    original = known_size(source, original_size)
    fallback = candidates(source, widths, original, **options)
    sources = format_html_join(
        "",
        '<source type="{}" srcset="{}" sizes="{}">',
        (
            (TYPES[fmt], srcset(candidates(source, widths, original, **options, f=fmt)), sizes)
            for fmt in parse_formats(formats)
        ),
    )
    widest = fallback[-1]
    img: dict[str, Any] = {"src": widest.url, "srcset": srcset(fallback), "sizes": sizes, "alt": alt}
    if widest.size:
        img["width"], img["height"] = widest.size
    img.update(loading=loading, decoding=decoding, **attributes)
    if placeholder:
        img["style"] = placeholder_style(source, placeholder, widest, options)
    return format_html("<picture>{}<img{}></picture>", sources, format_html_join("", ' {}="{}"', img.items()))


def placeholder_style(source: Any, width: bool | int, widest: Candidate, options: dict[str, Any]) -> str:
    """A tiny rendition as the <img>'s background, shown until the image covers it.

    Not for images with transparency: the placeholder would show through them.
    """
    width = PLACEHOLDER_WIDTH if width is True else int(width)
    tiny = {**options, "w": width, "q": PLACEHOLDER_QUALITY}
    if widest.spec.height is not None:  # keep the box's shape, so that cover lines it up
        tiny["h"] = max(1, round(widest.spec.height * width / widest.spec.width))
    parsed = make_parsed(source, **tiny)
    return f'background:url("{url_for(parsed.spec, parsed.expires)}") center/cover no-repeat'
