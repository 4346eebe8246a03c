"""{% load resizer %}: rendition URLs and responsive markup in templates (links.py, markup.py).

The tags do no I/O: they never open a file or call a storage.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from resizer import links, markup

register = template.Library()


@register.simple_tag
def image_url(source: Any, **options: Any) -> str:
    """{% image_url photo.image w=400 h=300 c='fill' %}"""
    return links.image_url(source, **options)


@register.simple_tag
def image_srcset(source: Any, widths: Any = None, **options: Any) -> str:
    """{% image_srcset photo.image widths='320,640,960' %} → "…/w_320/… 320w, …/w_640/… 640w, …" """
    return links.image_srcset(source, widths, **options)


@register.simple_tag
def image_picture(source: Any, widths: Any = None, **options: Any) -> SafeString:
    """{% image_picture photo.image widths='320,640,960' sizes='100vw' alt='A cat' formats='avif,webp' %}"""
    return markup.picture(source, widths, **options)
