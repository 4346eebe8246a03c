"""The value of each URL option: read from its text (BadRequest naming the option when it is
malformed or out of range) and written back in its one canonical spelling.

Each `Option` is a row of the grammar (spec.py holds the table, in the contract's order); a
reader accepts every spelling of a valid value (`w_0400`, `dpr_2.0`, `cr_.5:0:.5:1`) and the
writer spells it canonically, so that a URL spelled otherwise is redirected (301) to that spelling.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from resizer.core.errors import BadRequest, echo

ONE = Decimal(1)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
TEN_THOUSANDTH = Decimal("0.0001")
Region = tuple[Decimal, Decimal, Decimal, Decimal]
Point = tuple[Decimal, Decimal]

_HEX = re.compile(r"[0-9a-fA-F]{6}([0-9a-fA-F]{2})?")
_DIGITS = re.compile(r"[0-9]{1,9}")
_DECIMAL = re.compile(r"[0-9]{1,3}(\.[0-9]{1,6})?")
_FRACTION = re.compile(r"\+?(?=\.?[0-9])[0-9]{0,3}(\.[0-9]{0,8})?")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_UNIX_TIME = re.compile(r"[1-9][0-9]{9}")


@dataclass(frozen=True)
class Option:
    name: str  # as in the URL: w in w_400
    field: str  # the RenditionSpec field it sets
    parse: Callable[[str], object]
    format: Callable[[object], str] = str


def refuse(name: str, text: str, expected: str) -> BadRequest:
    return BadRequest(f"{echo(f'{name}_{text}')}: expected {expected}")


def choice(name: str, allowed: tuple[str, ...], aliases: Mapping[str, str] | None = None) -> Callable[[str], str]:
    def parse(text: str) -> str:
        text = (aliases or {}).get(text, text)
        if text not in allowed:
            raise refuse(name, text, f"one of {', '.join(allowed)}")
        return text

    return parse


def integer(name: str, low: int, high: int, allowed: tuple[int, ...] | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text) if _DIGITS.fullmatch(text) else None
        if value is None or not low <= value <= high or (allowed and value not in allowed):
            spelled = ", ".join(map(str, allowed)) if allowed else f"an integer from {low} to {high}"
            raise refuse(name, text, spelled)
        return value

    return parse


def decimal(name: str, text: str, low: Decimal, high: Decimal, step: Decimal, low_open: bool = False) -> Decimal:
    try:
        value = Decimal(text) if _DECIMAL.fullmatch(text) else None
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        value = None
    in_range = value is not None and (low < value if low_open else low <= value) and value <= high
    if not in_range or value != value.quantize(step):
        places = len(str(step).split(".")[1])
        bound = f"over {low}" if low_open else f"from {low}"
        raise refuse(name, text, f"a number {bound} to {high} with at most {places} decimal(s)")
    return value.normalize()


def dpr(text: str) -> Decimal:
    return decimal("dpr", text, ONE, Decimal(4), CENT)


def blur(text: str) -> Decimal:
    return decimal("bl", text, Decimal(0), Decimal(50), TENTH, low_open=True)


def number(value: object) -> str:
    """A Decimal without exponent, trailing zeros or a trailing point: 2, 1.5, 0.25."""
    assert isinstance(value, Decimal)
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def background(text: str) -> str:
    if not _HEX.fullmatch(text):
        raise refuse("bg", text, "6 or 8 hex digits (rrggbb or rrggbbaa)")
    text = text.lower()
    return text[:6] if text.endswith("ff") and len(text) == 8 else text


def token(name: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not _TOKEN.fullmatch(text):
            raise refuse(name, text, "1 to 64 characters of A-Z a-z 0-9 _ -")
        return text

    return parse


def fraction(text: str) -> Decimal | None:
    """A fraction 0 … 1 with at most 4 decimals, in any of its spellings (`0.5`, `.5`, `0.50`,
    `+0.5`); None when it is not one."""
    if not _FRACTION.fullmatch(text):
        return None
    value = Decimal(text.lstrip("+") or "0")
    if not 0 <= value <= 1 or value != value.quantize(TEN_THOUSANDTH):
        return None
    return value.normalize()


def fractions(name: str, text: str, count: int) -> tuple[Decimal, ...]:
    parts = text.split(":")
    values = [fraction(part) for part in parts]
    if len(parts) != count or any(value is None for value in values):
        raise refuse(name, text, f"{count} fractions from 0 to 1 with at most 4 decimals, separated by ':'")
    return tuple(values)  # type: ignore[arg-type]


def region(text: str) -> Region | None:
    """cr_<x>:<y>:<w>:<h>; None for the whole picture (cr_0:0:1:1, the default)."""
    x, y, w, h = fractions("cr", text, 4)
    if w <= 0 or h <= 0 or x + w > 1 or y + h > 1:
        raise refuse("cr", text, "a box inside the picture: w and h over 0, x + w and y + h at most 1")
    return None if (x, y, w, h) == (0, 0, 1, 1) else (x, y, w, h)


def points(value: object) -> str:
    return ":".join(number(part) for part in value)  # type: ignore[union-attr]


def gravity(allowed: tuple[str, ...]) -> Callable[[str], str]:
    """A compass gravity, `auto`, or a focal point `fp:<x>:<y>` (kept canonically spelled, so that
    equal points are equal values; the centre is the default `center`)."""
    compass = choice("g", allowed)

    def parse(text: str) -> str:
        if not text.startswith("fp:"):
            return compass(text)
        try:
            x, y = fractions("g", text[3:], 2)
        except BadRequest:
            raise refuse("g", text, "fp:<x>:<y>, two fractions from 0 to 1 with at most 4 decimals") from None
        return "center" if (x, y) == (Decimal("0.5"), Decimal("0.5")) else f"fp:{points((x, y))}"

    return parse


def focal_point(gravity_value: str) -> Point | None:
    """The point of a `fp:` gravity, as fractions."""
    if not gravity_value.startswith("fp:"):
        return None
    x, y = gravity_value[3:].split(":")
    return Decimal(x), Decimal(y)


def unix_time(text: str) -> int:
    if not _UNIX_TIME.fullmatch(text):
        raise refuse("exp", text, "a Unix time in seconds (10 digits)")
    return int(text)
