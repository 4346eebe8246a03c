"""An editor's crop box and focal point for one image, and the cr_ and g_fp: options they add to its URLs.

Both are fractions of the upright original (after EXIF orientation), kept in the model's own fields
(fields.CropField, fields.FocusField) and read from there when a URL is written: no file is opened.
The focal point is kept in the original's fractions, not the crop's, so that it stays on its
subject when the crop changes; a URL's g_fp: is relative to the region its cr_ cuts, and is
computed here, as are both in the frame of the URL's own r_ and fl_.

    crop "0.1:0.2:0.5:0.5", focus "0.3:0.4", a URL with w_400/h_400/c_fill
    → cr_0.1:0.2:0.5:0.5/w_400/h_400/c_fill/g_fp:0.4:0.4
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from resizer.core.options import TEN_THOUSANDTH, Point, Region, fraction, points
from resizer.core.spec import Grammar, RenditionSpec

ZERO, ONE = Decimal(0), Decimal(1)
CROP_FORMAT = "x:y:w:h, four fractions from 0 to 1 with at most 4 decimals (0.1:0.2:0.5:0.5)"
FOCUS_FORMAT = "x:y, two fractions from 0 to 1 with at most 4 decimals (0.3:0.4)"


def _fractions(text: str, count: int, spelled: str) -> tuple[Decimal, ...]:
    parts = text.strip().split(":")
    values = [fraction(part.strip()) for part in parts]
    if len(parts) != count or None in values:
        raise ValueError(f"expected {spelled}")
    return tuple(values)  # type: ignore[arg-type]


def parse_crop(text: str | None) -> Region | None:
    """`"x:y:w:h"` → the box; None for no crop ("" or the whole picture, 0:0:1:1). ValueError says why."""
    if not text or not text.strip():
        return None
    x, y, w, h = _fractions(text, 4, CROP_FORMAT)
    if w <= 0 or h <= 0:
        raise ValueError("the crop box needs a width and a height over 0")
    if x + w > 1 or y + h > 1:
        raise ValueError("the crop box must lie inside the picture: x + w and y + h at most 1")
    return None if (x, y, w, h) == (ZERO, ZERO, ONE, ONE) else (x, y, w, h)


def parse_focus(text: str | None) -> Point | None:
    """`"x:y"` → the point; None for none ("" or the centre, 0.5:0.5, which every crop defaults to)."""
    if not text or not text.strip():
        return None
    x, y = _fractions(text, 2, FOCUS_FORMAT)
    return None if (x, y) == (Decimal("0.5"), Decimal("0.5")) else (x, y)


def spell(value: tuple[Decimal, ...] | None) -> str:
    """The canonical text of a box or a point, as cr_ and g_fp: write it; "" for None."""
    return points(value) if value else ""


def turned_box(box: Region, rotate: int, flip: str | None) -> Region:
    """A box of the upright picture, in the frame of the picture after r_ (clockwise) and fl_h."""
    x, y, w, h = box
    for _ in range(rotate // 90):
        x, y, w, h = 1 - y - h, x, h, w
    return (1 - x - w if flip == "h" else x), y, w, h


def turned_point(point: Point, rotate: int, flip: str | None) -> Point:
    x, y = point
    for _ in range(rotate // 90):
        x, y = 1 - y, x
    return (1 - x if flip == "h" else x), y


def within(point: Point, region: Region | None) -> Point:
    """The point as fractions of the region (as g_fp: takes it); a point outside is moved to its
    nearest edge, where the crop window can only come as near to it as the region allows anyway."""
    if region is None:
        return point
    x, y, w, h = region

    def relative(value: Decimal, start: Decimal, length: Decimal) -> Decimal:
        share = min(ONE, max(ZERO, (value - start) / length))
        return share.quantize(TEN_THOUSANDTH, rounding=ROUND_HALF_UP).normalize()

    return relative(point[0], x, w), relative(point[1], y, h)


def _named(name: str, parse: Callable[[str | None], Any], text: str | None) -> Any:
    try:
        return parse(text)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _given(options: Mapping[str, Any], name: str) -> bool:
    return options.get(name) is not None


@dataclass(frozen=True)
class Framing:
    """What an editor chose for one image: a crop box and a focal point, each optional."""

    crop: Region | None = None
    focus: Point | None = None

    def __bool__(self) -> bool:
        return self.crop is not None or self.focus is not None

    @classmethod
    def from_text(cls, crop: str | None, focus: str | None) -> Framing:
        """From the fields' text; ValueError naming the one that is not valid."""
        return cls(_named("crop", parse_crop, crop), _named("focus", parse_focus, focus))

    @classmethod
    def of(cls, source: Any) -> Framing | None:
        """The framing a FieldFile's model instance holds (ImageField crop_field/focus_field), read
        from the instance's attributes; None for a key string or a field without them."""
        field, instance = getattr(source, "field", None), getattr(source, "instance", None)
        names = getattr(field, "crop_field", None), getattr(field, "focus_field", None)
        if instance is None or not any(names):
            return None
        crop, focus = (getattr(instance, name, "") if name else "" for name in names)
        try:
            return cls.from_text(crop, focus) or None
        except ValueError as exc:
            raise ValueError(f"{type(instance).__name__} {instance.pk}: {exc}") from None

    def extra_options(self, spec: RenditionSpec, given: Mapping[str, Any], preset: Mapping[str, Any]) -> dict:
        """cr and g for a URL whose own options (`given`, `preset`) made `spec`: each only where
        neither sets it (an explicit cr=/g= wins), in the frame of the spec's r_ and fl_."""
        if spec.trim is not None:
            # t_ cuts borders that only the pixels show: the fractions' frame is unknown here.
            return {}
        extra: dict[str, str] = {}
        region = spec.region
        if self.crop and not _given(given, "cr") and "region" not in preset:
            region = turned_box(self.crop, spec.rotate, spec.flip)
            extra["cr"] = spell(region)
        if self.focus and not _given(given, "g") and "gravity" not in preset:
            point = within(turned_point(self.focus, spec.rotate, spec.flip), region)
            extra["g"] = f"fp:{spell(point)}"
        return extra

    def add_to(self, grammar: Grammar, key: str, options: Mapping[str, Any]) -> dict:
        """`options` with this framing's cr and g added; BadRequest when `options` are not valid."""
        spec = grammar.make(key, **options)
        preset = grammar.presets.get(spec.preset, {}) if spec.preset else {}
        return {**options, **self.extra_options(spec, options, preset)}
