"""resizer: an on-the-fly image resizing origin for Django sites."""

from __future__ import annotations

from typing import Any


def image_url(source: Any, **options: Any) -> str:
    """The canonical, signed rendition URL for `source` (a FieldFile or a key); no I/O."""
    from resizer.links import image_url as build

    return build(source, **options)


__all__ = ["image_url"]
