"""The RESIZER_* settings of a Django settings module, read through their one declaration
(resizer/core/config.py) into the Config that the server, the tags and the commands use.

A host site sets the few it needs (a signing key, a base URL) in its own settings module; the
service's settings/ fills them from the environment. A bad value is an ImproperlyConfigured that
names the setting; `manage.py check` reports the same problems as resizer.E00x (checks.py).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from resizer.core.config import APP, SETTINGS, SettingError, read
from resizer.core.errors import BadRequest
from resizer.core.policy import Limits, Policy
from resizer.core.spec import Grammar
from resizer.server import run_dir
from resizer.server.config import Config
from resizer.server.sources import SharedOriginals


def given() -> dict[str, Any]:
    """The app's settings that the settings module sets (None counts as unset)."""
    values = {s.name: getattr(settings, s.name, None) for s in SETTINGS if s.scope == APP}
    return {name: value for name, value in values.items() if value is not None}


def values() -> dict[str, Any]:
    try:
        return read(given(), scope=(APP,))
    except SettingError as exc:
        raise ImproperlyConfigured(str(exc)) from None


def grammar(values: dict[str, Any]) -> Grammar:
    try:
        return Grammar(
            values["RESIZER_PRESETS"],
            max_dimension=values["RESIZER_MAX_DIMENSION"],
            watermarks=values["RESIZER_WATERMARKS"],
        )
    except (ValueError, BadRequest) as exc:
        raise ImproperlyConfigured(f"RESIZER_PRESETS: {exc}") from None


def _originals_cache(values: dict[str, Any]) -> SharedOriginals | None:
    # Only a bootstrapped service has a run directory to share originals in (settings/bootstrap.py).
    directory = run_dir.current()
    size, seconds = values["RESIZER_ORIGINALS_CACHE_BYTES"], values["RESIZER_ORIGINALS_CACHE_SECONDS"]
    if directory is None or not size or not seconds:
        return None
    return SharedOriginals(directory / "originals", size, seconds)


def _signing_keys(values: dict[str, Any]) -> tuple[bytes, ...]:
    keys = values["RESIZER_SIGNING_KEYS"] or ((values["RESIZER_SIGNING_KEY"],) if values["RESIZER_SIGNING_KEY"] else ())
    return tuple(key.encode("utf-8") for key in keys)


@cache
def config() -> Config:
    v = values()
    widths = v["RESIZER_WIDTHS"]
    return Config(
        grammar=grammar(v),
        policy=Policy(
            signing_keys=_signing_keys(v),
            widths=frozenset(widths) if widths else None,
            presets_only=v["RESIZER_PRESETS_ONLY"],
        ),
        limits=Limits(
            max_source_bytes=v["RESIZER_MAX_SOURCE_BYTES"],
            max_source_pixels=v["RESIZER_MAX_SOURCE_PIXELS"],
            max_frames=v["RESIZER_MAX_FRAMES"],
        ),
        base_url=v["RESIZER_BASE_URL"],
        render_workers=v["RESIZER_RENDER_WORKERS"],
        queue_limit=v["RESIZER_QUEUE_LIMIT"],
        io_workers=v["RESIZER_IO_WORKERS"],
        deadline=v["RESIZER_DEADLINE_SECONDS"],
        hot_cache_bytes=v["RESIZER_HOT_CACHE_BYTES"],
        hot_cache_seconds=v["RESIZER_HOT_CACHE_SECONDS"],
        masters_cache_bytes=v["RESIZER_MASTERS_CACHE_BYTES"],
        jpeg_encoder=v["RESIZER_JPEG_ENCODER"],
        avif_speed=v["RESIZER_AVIF_SPEED"],
        originals_cache=_originals_cache(v),
        cloudfront_distribution=v["RESIZER_CLOUDFRONT_DISTRIBUTION_ID"],
        watermarks=v["RESIZER_WATERMARKS"],
    )


def _reset(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("RESIZER_"):
        config.cache_clear()


setting_changed.connect(_reset)
