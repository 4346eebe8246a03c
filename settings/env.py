"""Strict reading of the environment: a bad or unknown value fails at boot, naming the variable.

Secrets may come from files (`NAME_FILE=/run/secrets/name`), as Docker and Kubernetes mount them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


class Env:
    def __init__(self, environ: Mapping[str, str], known: frozenset[str], prefixes: tuple[str, ...]) -> None:
        self.environ = environ
        unknown = sorted(
            name for name in environ if name.startswith(prefixes) and name.removesuffix("_FILE") not in known
        )
        if unknown:
            raise ImproperlyConfigured(f"unknown setting {unknown[0]} (known: {', '.join(sorted(known))})")

    def raw(self, name: str) -> str | None:
        if f"{name}_FILE" in self.environ:
            if name in self.environ:
                raise ImproperlyConfigured(f"set {name} or {name}_FILE, not both")
            path = self.environ[f"{name}_FILE"]
            try:
                with open(path, encoding="utf-8") as handle:
                    return handle.read().strip()
            except OSError as exc:
                raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None
        value = self.environ.get(name)
        return None if value is None or value.strip() == "" else value.strip()

    def str(self, name: str, default: str = "") -> str:
        value = self.raw(name)
        return default if value is None else value

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if value.lower() in TRUE:
            return True
        if value.lower() in FALSE:
            return False
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")

    def int(self, name: str, default: int, minimum: int = 0) -> int:
        value = self.raw(name)
        if value is None:
            return default
        if not value.isascii() or not value.isdigit() or int(value) < minimum:
            raise ImproperlyConfigured(f"{name} must be an integer ≥ {minimum}, not {value!r}")
        return int(value)

    def float(self, name: str, default: float, zero: bool = False) -> float:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not (number >= 0 if zero else number > 0) or number == float("inf"):
            kind = "a number ≥ 0" if zero else "a positive number"
            raise ImproperlyConfigured(f"{name} must be {kind}, not {value!r}")
        return number

    def list(self, name: str) -> list[str]:
        value = self.raw(name)
        if value is None:
            return []
        items = [item.strip() for item in value.split(",")]
        if any(not item for item in items):
            raise ImproperlyConfigured(f"{name} must be a comma-separated list without empty items")
        return items

    def ints(self, name: str) -> list[int] | None:
        items = self.list(name)
        if not items:
            return None
        if not all(item.isascii() and item.isdigit() and int(item) > 0 for item in items):
            raise ImproperlyConfigured(f"{name} must be a comma-separated list of positive integers")
        return [int(item) for item in items]

    def json_object(self, name: str) -> dict:
        value = self.raw(name)
        if value is None:
            return {}
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ImproperlyConfigured(f"{name} is not valid JSON: {exc.msg}") from None
        if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
            raise ImproperlyConfigured(
                f'{name} must be a JSON object of name to option path, like {{"thumb": "w_200"}}'
            )
        return parsed


def environ() -> Mapping[str, str]:
    return os.environ
