"""RESIZER_WATERMARKS: each watermark's name, image key and placement, read and checked once.

`{"logo": {"key": "marks/logo.png", "g": "southeast", "opacity": 0.8, "scale": 0.25, "margin": 0.02}}`:
`key` names an image in the originals storage (a PNG with alpha, usually); `g` a compass gravity
(default southeast); `opacity` 0 … 1 multiplies its alpha (default 1); `scale` its width as a
fraction of the output's width (default 0.25; never enlarged past its own size); `margin` a
fraction of the output's shorter side (default 0.02).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

COMPASS = ("center", "north", "northeast", "east", "southeast", "south", "southwest", "west", "northwest")
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
FIELDS = frozenset({"key", "g", "opacity", "scale", "margin"})


@dataclass(frozen=True)
class Watermark:
    name: str
    key: str
    gravity: str = "southeast"
    opacity: float = 1.0
    scale: float = 0.25
    margin: float = 0.02


def parse(value: Any) -> dict[str, Watermark]:
    """The watermarks of a mapping (the setting's JSON, decoded); ValueError saying which one is
    wrong and why. Watermarks already read are taken as they are (a settings module may hold them)."""
    if not isinstance(value, dict):
        raise ValueError('must be a JSON object of name to {"key": …}, like {"logo": {"key": "marks/logo.png"}}')
    return {name: _one(name, options) for name, options in value.items()}


def _one(name: Any, options: Any) -> Watermark:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"watermark name {name!r}: expected 1 to 64 characters of A-Z a-z 0-9 _ -")
    if isinstance(options, Watermark) and options.name == name:
        # Already read: the service's settings/ parses the environment, and resizer.conf reads
        # the Django settings it set through the same parser.
        return options
    if not isinstance(options, dict) or not isinstance(options.get("key"), str) or not options["key"]:
        raise ValueError(f'watermark {name!r}: expected {{"key": "<an image in the originals storage>", …}}')
    unknown = sorted(set(options) - FIELDS)
    if unknown:
        raise ValueError(f"watermark {name!r}: unknown field {unknown[0]!r} (known: {', '.join(sorted(FIELDS))})")
    gravity = options.get("g", "southeast")
    if gravity not in COMPASS:
        raise ValueError(f"watermark {name!r}: g must be one of {', '.join(COMPASS)}, not {gravity!r}")
    return Watermark(
        name,
        options["key"],
        gravity,
        _fraction(name, "opacity", options.get("opacity", 1.0), low_open=False, high=1.0),
        _fraction(name, "scale", options.get("scale", 0.25), low_open=True, high=1.0),
        _fraction(name, "margin", options.get("margin", 0.02), low_open=False, high=0.5),
    )


def _fraction(name: str, field: str, value: Any, *, low_open: bool, high: float) -> float:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not (value > 0 if low_open else value >= 0) or value > high:
        bound = "over 0" if low_open else "from 0"
        raise ValueError(f"watermark {name!r}: {field} must be a number {bound} to {high}, not {value!r}")
    return float(value)
