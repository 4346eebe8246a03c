"""The template functions for sites that render with Jinja2 (Django's Jinja2 backend).

    TEMPLATES = [{"BACKEND": "django.template.backends.jinja2.Jinja2",
                  "OPTIONS": {"environment": "resizer.jinja2.environment"}}]

then `{{ image_url(photo.image, w=400) }}`, `{{ image_srcset(photo.image, widths="320,640") }}`,
`{{ image_picture(photo.image, widths="320,640", alt="A cat", formats="avif,webp") }}`.
A site with its own environment function calls `install(env)` in it.
"""

from __future__ import annotations

from typing import Any

import jinja2

from resizer import links, markup

FUNCTIONS = {"image_url": links.image_url, "image_srcset": links.image_srcset, "image_picture": markup.picture}


def install(env: jinja2.Environment) -> jinja2.Environment:
    """Add the functions to an environment; <picture> markup is already escaped (it has __html__)."""
    env.globals.update(FUNCTIONS)
    return env


def environment(**options: Any) -> jinja2.Environment:
    return install(jinja2.Environment(**options))
