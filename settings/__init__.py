"""The deployable service's settings, read from the environment (see README, "Settings").

Every RESIZER_* variable is declared here; an unknown or malformed one fails at boot.
Storage: the filesystem under RESIZER_DATA_DIR (default ./var) unless RESIZER_ORIGINALS_BUCKET
is set, then S3 through django-storages for both aliases.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from botocore.config import Config as BotoConfig
from django.core.exceptions import ImproperlyConfigured

from resizer import run_dir
from resizer.conf import DEFAULTS
from settings.env import Env, environ
from settings.static import collected

BASE_DIR = Path(__file__).resolve().parent.parent

KNOWN = frozenset(
    {
        "RESIZER_BASE_URL",
        "RESIZER_DATA_DIR",
        "RESIZER_DEADLINE_SECONDS",
        "RESIZER_DEMO",
        "RESIZER_HOT_CACHE_BYTES",
        "RESIZER_HOT_CACHE_SECONDS",
        "RESIZER_IO_WORKERS",
        "RESIZER_MAX_DIMENSION",
        "RESIZER_MAX_FRAMES",
        "RESIZER_MAX_SOURCE_BYTES",
        "RESIZER_MAX_SOURCE_PIXELS",
        "RESIZER_ORIGINALS_CACHE_BYTES",
        "RESIZER_ORIGINALS_CACHE_SECONDS",
        "RESIZER_RUN_DIR",
        "RESIZER_ORIGINALS_BUCKET",
        "RESIZER_PRESETS",
        "RESIZER_PRESETS_ONLY",
        "RESIZER_QUEUE_LIMIT",
        "RESIZER_RENDER_WORKERS",
        "RESIZER_RENDITIONS_BUCKET",
        "RESIZER_SIGNING_KEY",
        "RESIZER_SIGNING_KEYS",
        "RESIZER_WIDTHS",
        "RESIZER_CLOUDFRONT_DISTRIBUTION_ID",
    }
)
env = Env(environ(), KNOWN, prefixes=("RESIZER_",))

# -- Django --------------------------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", False)
# Nothing here signs sessions or forms; a per-process key is safe when none is given.
SECRET_KEY = env.str("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50)
# An origin behind a CDN answers whatever Host the CDN forwards; it builds no absolute URLs.
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS") or ["*"]
ROOT_URLCONF = "settings.urls"
ASGI_APPLICATION = "settings.asgi.application"
DATABASES: dict = {}
USE_TZ = True

RESIZER_DEMO = env.bool("RESIZER_DEMO", not env.str("RESIZER_ORIGINALS_BUCKET"))

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "resizer",
    *(["demo"] if RESIZER_DEMO else []),
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "settings.middleware.WhiteNoiseMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
WHITENOISE_MANIFEST_STRICT = False
WHITENOISE_USE_FINDERS = not collected(STATIC_ROOT)  # a fresh clone: the apps' own files (settings/static.py)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"message": {"format": "%(message)s"}},
    "filters": {"uncaught": {"()": "resizer.logs.UncaughtOnly"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler"},
        # One JSON object per media request, on stdout, nothing around it (resizer/trace.py).
        "access": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "message"},
    },
    "root": {"handlers": ["stderr"], "level": env.str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "resizer.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "django.request": {"filters": ["uncaught"]},
        # uvicorn's access line repeats ours for media and would log every probe: off. With no
        # handler uvicorn skips formatting it at all.
        "uvicorn.access": {"handlers": [], "propagate": False},
    },
}

# -- The server's run directory --------------------------------------------------------------------

# uvicorn's workers share one fresh directory per server (run_dir.py): Prometheus samples and the
# originals they fetched recently. PROMETHEUS_MULTIPROC_DIR is set before prometheus_client is
# first imported (by the resizer app), and always by us: an inherited one could be another server's.
RESIZER_RUN_DIR = Path(env.str("RESIZER_RUN_DIR", DEFAULTS["RESIZER_RUN_DIR"]))
try:
    _run = run_dir.prepare(RESIZER_RUN_DIR)
    (_run / "metrics").mkdir(exist_ok=True)
except OSError as exc:
    raise ImproperlyConfigured(f"RESIZER_RUN_DIR: cannot use {RESIZER_RUN_DIR}: {exc.strerror}") from None
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_run / "metrics")
RESIZER_ORIGINALS_CACHE_DIR = _run / "originals"
RESIZER_ORIGINALS_CACHE_BYTES = env.int("RESIZER_ORIGINALS_CACHE_BYTES", DEFAULTS["RESIZER_ORIGINALS_CACHE_BYTES"])
RESIZER_ORIGINALS_CACHE_SECONDS = env.float(
    "RESIZER_ORIGINALS_CACHE_SECONDS", DEFAULTS["RESIZER_ORIGINALS_CACHE_SECONDS"], zero=True
)

# -- Storage -------------------------------------------------------------------------------------

DATA_DIR = Path(env.str("RESIZER_DATA_DIR", str(BASE_DIR / "var")))
RESIZER_ORIGINALS_BUCKET = env.str("RESIZER_ORIGINALS_BUCKET")
RESIZER_RENDITIONS_BUCKET = env.str("RESIZER_RENDITIONS_BUCKET")

# -- resizer -------------------------------------------------------------------------------------

RESIZER_SIGNING_KEY = env.str("RESIZER_SIGNING_KEY")
RESIZER_SIGNING_KEYS = env.list("RESIZER_SIGNING_KEYS")
RESIZER_BASE_URL = env.str("RESIZER_BASE_URL")
RESIZER_PRESETS = env.json_object("RESIZER_PRESETS")
RESIZER_PRESETS_ONLY = env.bool("RESIZER_PRESETS_ONLY")
RESIZER_WIDTHS = env.ints("RESIZER_WIDTHS")
RESIZER_MAX_DIMENSION = env.int("RESIZER_MAX_DIMENSION", DEFAULTS["RESIZER_MAX_DIMENSION"], minimum=1)
RESIZER_MAX_SOURCE_BYTES = env.int("RESIZER_MAX_SOURCE_BYTES", DEFAULTS["RESIZER_MAX_SOURCE_BYTES"], minimum=1)
RESIZER_MAX_SOURCE_PIXELS = env.int("RESIZER_MAX_SOURCE_PIXELS", DEFAULTS["RESIZER_MAX_SOURCE_PIXELS"], minimum=1)
RESIZER_MAX_FRAMES = env.int("RESIZER_MAX_FRAMES", DEFAULTS["RESIZER_MAX_FRAMES"], minimum=1)
RESIZER_RENDER_WORKERS = env.int("RESIZER_RENDER_WORKERS", DEFAULTS["RESIZER_RENDER_WORKERS"], minimum=1)
RESIZER_QUEUE_LIMIT = env.int("RESIZER_QUEUE_LIMIT", DEFAULTS["RESIZER_QUEUE_LIMIT"])
RESIZER_IO_WORKERS = env.int("RESIZER_IO_WORKERS", DEFAULTS["RESIZER_IO_WORKERS"], minimum=1)
RESIZER_DEADLINE_SECONDS = env.float("RESIZER_DEADLINE_SECONDS", DEFAULTS["RESIZER_DEADLINE_SECONDS"])
RESIZER_HOT_CACHE_BYTES = env.int("RESIZER_HOT_CACHE_BYTES", DEFAULTS["RESIZER_HOT_CACHE_BYTES"])
RESIZER_HOT_CACHE_SECONDS = env.float("RESIZER_HOT_CACHE_SECONDS", DEFAULTS["RESIZER_HOT_CACHE_SECONDS"], zero=True)
RESIZER_CLOUDFRONT_DISTRIBUTION_ID = env.str("RESIZER_CLOUDFRONT_DISTRIBUTION_ID")


def _s3(bucket: str) -> dict:
    endpoint = env.str("AWS_S3_ENDPOINT_URL") or None
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": env.str("AWS_S3_REGION_NAME") or None,
        # Unset keys leave boto3 to its own chain (an IAM role for the pod, say).
        "access_key": env.str("AWS_ACCESS_KEY_ID") or None,
        "secret_key": env.str("AWS_SECRET_ACCESS_KEY") or None,
        "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE") or ("path" if endpoint else None),
        "file_overwrite": True,
        "querystring_auth": False,
        "default_acl": None,
        # Explicit timeouts and botocore's standard retries; one pooled connection per I/O thread.
        "client_config": BotoConfig(
            connect_timeout=2,
            read_timeout=5,
            retries={"mode": "standard", "max_attempts": 3},
            # Checksums only where S3 requires them (botocore ≥ 1.36 adds CRC32s to every call by
            # default: CPU on each request, and S3-compatible stores that predate them refuse them).
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            max_pool_connections=max(RESIZER_IO_WORKERS, RESIZER_RENDER_WORKERS),
        ),
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def _filesystem(name: str) -> dict:
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / name), "allow_overwrite": True},
    }


if RESIZER_ORIGINALS_BUCKET:
    if not RESIZER_RENDITIONS_BUCKET:
        raise ImproperlyConfigured("RESIZER_RENDITIONS_BUCKET must be set with RESIZER_ORIGINALS_BUCKET")
    _originals, _renditions = _s3(RESIZER_ORIGINALS_BUCKET), _s3(RESIZER_RENDITIONS_BUCKET)
else:
    _originals, _renditions = _filesystem("originals"), _filesystem("renditions")

STORAGES = {
    "default": _originals,
    "originals": _originals,
    "renditions": _renditions,
    "staticfiles": {"BACKEND": "settings.static.StaticFilesStorage"},
}
