"""resizer: an on-the-fly image resizing origin for Django sites."""

from __future__ import annotations

from typing import Any


def image_url(source: Any, **options: Any) -> str:
    """The canonical, signed rendition URL for `source` (a FieldFile or a key); no I/O."""
    from resizer.links import image_url as build

    return build(source, **options)


def image_srcset(source: Any, widths: Any = None, **options: Any) -> str:
    """A srcset value, one candidate per width (`"320,640"` or a list); no I/O."""
    from resizer.links import image_srcset as build

    return build(source, widths, **options)


def image_picture(source: Any, widths: Any = None, **options: Any) -> str:
    """<picture> markup: one <source> per format, an <img> with srcset, sizes and size; no I/O."""
    from resizer.markup import picture

    return picture(source, widths, **options)


__all__ = ["image_picture", "image_srcset", "image_url"]
