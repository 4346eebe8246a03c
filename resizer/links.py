"""Rendition URLs for templates and Python code: canonical, signed, prefixed; never any I/O."""

from __future__ import annotations

from typing import Any

from resizer.conf import config
from resizer.spec import encode_path

MEDIA_PREFIX = "/media/"


def source_key(source: Any) -> str:
    """A FieldFile's storage name, or a key given as a string."""
    key = getattr(source, "name", source)
    if not isinstance(key, str) or not key:
        raise ValueError(f"not an image key or file: {source!r}")
    return key


def image_url(source: Any, **options: Any) -> str:
    settings = config()
    spec = settings.grammar.make(source_key(source), **options)
    path = settings.grammar.build_path(spec)
    signature = settings.policy.signature_for(path)
    signed = f"s_{signature}/" if signature else ""
    return f"{settings.base_url}{MEDIA_PREFIX}{signed}{encode_path(path)}"
