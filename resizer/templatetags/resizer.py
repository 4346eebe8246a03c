"""{% load resizer %}: rendition URLs in templates (see resizer.links); the tags do no I/O."""

from __future__ import annotations

from typing import Any

from django import template

from resizer.links import image_url as build_url

register = template.Library()


@register.simple_tag
def image_url(source: Any, **options: Any) -> str:
    """{% image_url photo.image w=400 h=300 c='fill' %}"""
    return build_url(source, **options)
