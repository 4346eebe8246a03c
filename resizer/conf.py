"""Every RESIZER_* setting, its default and why, read once and validated at start-up.

The service's `settings/` package fills these from the environment; a site that installs only
the app (for the template tags) sets the few it needs in its own settings module.
A bad value fails at boot with an ImproperlyConfigured that names the setting.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from resizer.core.errors import BadRequest
from resizer.core.policy import Limits, Policy
from resizer.core.spec import Grammar
from resizer.server.sources import SharedOriginals

DEFAULTS = {
    # Signing: when a key is set every URL must carry s_<sig>; the first key signs, all verify.
    "RESIZER_SIGNING_KEY": "",
    "RESIZER_SIGNING_KEYS": (),
    # Where the CDN serves from, prefixed to the URLs the tags build ("" → relative /media/).
    "RESIZER_BASE_URL": "",
    # Named option sets, {"thumb": "w_200/h_200/c_fill"}; with PRESETS_ONLY nothing else is served.
    "RESIZER_PRESETS": {},
    "RESIZER_PRESETS_ONLY": False,
    # Optional allow-list of w_ values, to bound the number of distinct renditions per original.
    "RESIZER_WIDTHS": None,
    # w × dpr and h × dpr bound: 4096 covers a 2× 2048 hero image.
    "RESIZER_MAX_DIMENSION": 4096,
    # Source limits, decided before download (bytes) and before decode (pixels).
    "RESIZER_MAX_SOURCE_BYTES": 50 * 1024 * 1024,
    "RESIZER_MAX_SOURCE_PIXELS": 50_000_000,
    "RESIZER_MAX_FRAMES": 100,
    # Render threads per process (Pillow releases the GIL) and how many renders may wait for one.
    "RESIZER_RENDER_WORKERS": os.cpu_count() or 2,
    "RESIZER_QUEUE_LIMIT": 64,
    # Threads for storage calls; boto3 is blocking and a slow bucket must not starve renders.
    "RESIZER_IO_WORKERS": 32,
    # Under the CDN's usual 30 s origin timeout, so the CDN sees our 504 rather than its own.
    "RESIZER_DEADLINE_SECONDS": 20.0,
    # Hot renditions kept in memory per worker: warm requests skip the storage round trip. The
    # age bound is how long a purged rendition may still be served from a worker's memory.
    "RESIZER_HOT_CACHE_BYTES": 32 * 1024 * 1024,
    "RESIZER_HOT_CACHE_SECONDS": 60.0,
    # resizer_purge also invalidates the purged URLs on this CloudFront distribution ("" → no CDN step).
    "RESIZER_CLOUDFRONT_DISTRIBUTION_ID": "",
    # Where the service's settings put each server's run directory, shared by its workers (one per
    # boot, removed once that server is gone). Any local, writable place: an emptyDir in Kubernetes.
    "RESIZER_RUN_DIR": tempfile.gettempdir(),
    # Originals fetched recently, on local disk in the run directory and shared by the workers:
    # the five renditions of a srcset burst (spread over the workers) fetch their original once.
    # The age bound is how long an original replaced in place (without v_) may still be used.
    "RESIZER_ORIGINALS_CACHE_DIR": None,
    "RESIZER_ORIGINALS_CACHE_BYTES": 256 * 1024 * 1024,
    "RESIZER_ORIGINALS_CACHE_SECONDS": 60.0,
}


@dataclass(frozen=True)
class Config:
    grammar: Grammar
    policy: Policy
    limits: Limits
    base_url: str
    render_workers: int
    queue_limit: int
    io_workers: int
    deadline: float
    hot_cache_bytes: int
    hot_cache_seconds: float
    originals_cache: SharedOriginals | None
    cloudfront_distribution: str = ""


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def _positive(name: str, kind: type = int) -> int | float:
    value = setting(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive number, not {value!r}")
    return kind(value)


def _non_negative(name: str, kind: type = int) -> int | float:
    value = setting(name)
    allowed = (int, float) if kind is float else int
    if isinstance(value, bool) or not isinstance(value, allowed) or value < 0:
        raise ImproperlyConfigured(f"{name} must be a number ≥ 0, not {value!r}")
    return kind(value)


def _originals_cache() -> SharedOriginals | None:
    directory = setting("RESIZER_ORIGINALS_CACHE_DIR")
    size, seconds = (
        _non_negative("RESIZER_ORIGINALS_CACHE_BYTES"),
        _non_negative("RESIZER_ORIGINALS_CACHE_SECONDS", float),
    )
    if directory is None or not size or not seconds:
        return None
    return SharedOriginals(Path(directory), size, seconds)


def _signing_keys() -> tuple[bytes, ...]:
    keys = list(setting("RESIZER_SIGNING_KEYS"))
    single = setting("RESIZER_SIGNING_KEY")
    if single and single not in keys:
        keys.insert(0, single)  # RESIZER_SIGNING_KEY signs; RESIZER_SIGNING_KEYS add verifiers
    if any(not isinstance(key, str) or not key for key in keys):
        raise ImproperlyConfigured("RESIZER_SIGNING_KEYS must be non-empty strings")
    return tuple(key.encode("utf-8") for key in keys)


def _widths() -> frozenset[int] | None:
    widths = setting("RESIZER_WIDTHS")
    if widths is None:
        return None
    if not widths or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in widths):
        raise ImproperlyConfigured(f"RESIZER_WIDTHS must be positive integers, not {widths!r}")
    return frozenset(widths)


def _grammar() -> Grammar:
    presets = setting("RESIZER_PRESETS")
    if not isinstance(presets, dict):
        raise ImproperlyConfigured("RESIZER_PRESETS must be a mapping of name to option path")
    try:
        return Grammar(presets, max_dimension=_positive("RESIZER_MAX_DIMENSION"))
    except (ValueError, BadRequest) as exc:
        raise ImproperlyConfigured(f"RESIZER_PRESETS: {exc}") from None


@cache
def config() -> Config:
    limits = Limits(
        max_source_bytes=_positive("RESIZER_MAX_SOURCE_BYTES"),
        max_source_pixels=_positive("RESIZER_MAX_SOURCE_PIXELS"),
        max_frames=_positive("RESIZER_MAX_FRAMES"),
    )
    policy = Policy(
        signing_keys=_signing_keys(),
        widths=_widths(),
        presets_only=bool(setting("RESIZER_PRESETS_ONLY")),
    )
    return Config(
        grammar=_grammar(),
        policy=policy,
        limits=limits,
        base_url=str(setting("RESIZER_BASE_URL")).rstrip("/"),
        render_workers=_positive("RESIZER_RENDER_WORKERS"),
        queue_limit=_non_negative("RESIZER_QUEUE_LIMIT"),
        io_workers=_positive("RESIZER_IO_WORKERS"),
        deadline=_positive("RESIZER_DEADLINE_SECONDS", float),
        hot_cache_bytes=_non_negative("RESIZER_HOT_CACHE_BYTES"),
        hot_cache_seconds=_non_negative("RESIZER_HOT_CACHE_SECONDS", float),
        originals_cache=_originals_cache(),
        cloudfront_distribution=str(setting("RESIZER_CLOUDFRONT_DISTRIBUTION_ID") or ""),
    )


def _reset(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("RESIZER_"):
        config.cache_clear()


setting_changed.connect(_reset)
