"""The deployable service's settings, read from the environment (docs/operations.md, "Settings").

Every variable is declared once, in resizer/core/config.py. A bad value or an unknown RESIZER_*
name stops the process here with one line that names it. Importing this module reads the
environment (and *_FILE secrets) and nothing else: the run directory, Pillow's limits and the
metrics directory are the bootstrap's (settings/bootstrap.py), called by the ASGI entry point and
manage.py.

Storage: the filesystem under RESIZER_DATA_DIR (default ./var) unless RESIZER_ORIGINALS_BUCKET
is set, then S3 through django-storages for both aliases.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from botocore.config import Config as BotoConfig

from resizer.core.config import SettingError, read_environment
from settings.static import collected

BASE_DIR = Path(__file__).resolve().parent.parent

try:
    env = read_environment(os.environ)
except SettingError as exc:
    sys.exit(f"resizer: bad setting {exc}")  # one line, no traceback

# Every RESIZER_* value is a Django setting of the same name, as a host site would set it.
globals().update({name: value for name, value in env.items() if name.startswith("RESIZER_")})

# -- Django --------------------------------------------------------------------------------------

DEBUG = env["DJANGO_DEBUG"]
# Nothing here signs sessions or forms; a per-process key is safe when none is given.
SECRET_KEY = env["DJANGO_SECRET_KEY"] or secrets.token_urlsafe(50)
# An origin behind a CDN answers whatever Host the CDN forwards; it builds no absolute URLs.
ALLOWED_HOSTS = list(env["DJANGO_ALLOWED_HOSTS"])
ROOT_URLCONF = "settings.urls"
ASGI_APPLICATION = "settings.asgi.application"
DATABASES: dict = {}
USE_TZ = True

RESIZER_DEMO = not env["RESIZER_ORIGINALS_BUCKET"] if env["RESIZER_DEMO"] is None else env["RESIZER_DEMO"]

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
STATIC_ROOT = Path(env["DJANGO_STATIC_ROOT"] or BASE_DIR / "var" / "static")
WHITENOISE_MANIFEST_STRICT = False
WHITENOISE_USE_FINDERS = not collected(STATIC_ROOT)  # a fresh clone: the apps' own files (settings/static.py)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"message": {"format": "%(message)s"}},
    "filters": {"uncaught": {"()": "resizer.server.logs.UncaughtOnly"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler"},
        # One JSON object per media request, on stdout, nothing around it (resizer/server/trace.py).
        "access": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "message"},
    },
    "root": {"handlers": ["stderr"], "level": env["DJANGO_LOG_LEVEL"]},
    "loggers": {
        "resizer.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "django.request": {"filters": ["uncaught"]},
        # uvicorn's access line repeats ours for media and would log every probe: off. With no
        # handler uvicorn skips formatting it at all.
        "uvicorn.access": {"handlers": [], "propagate": False},
    },
}

# -- Storage -------------------------------------------------------------------------------------

# An explicit RESIZER_DATA_DIR must exist (the bootstrap checks): a typo never grows a new tree.
DATA_DIR = Path(env["RESIZER_DATA_DIR"] or BASE_DIR / "var")


def _s3(bucket: str) -> dict:
    endpoint = env["AWS_S3_ENDPOINT_URL"] or None
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": env["AWS_S3_REGION_NAME"] or None,
        # Unset keys leave boto3 to its own chain (an IAM role for the pod, say).
        "access_key": env["AWS_ACCESS_KEY_ID"],
        "secret_key": env["AWS_SECRET_ACCESS_KEY"],
        "addressing_style": env["AWS_S3_ADDRESSING_STYLE"] or ("path" if endpoint else None),
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
            max_pool_connections=max(env["RESIZER_IO_WORKERS"], env["RESIZER_RENDER_WORKERS"]),
        ),
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def _filesystem(name: str) -> dict:
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / name), "allow_overwrite": True},
    }


if env["RESIZER_ORIGINALS_BUCKET"]:  # with its renditions bucket: read_environment checks the pair
    _originals, _renditions = _s3(env["RESIZER_ORIGINALS_BUCKET"]), _s3(env["RESIZER_RENDITIONS_BUCKET"])
else:
    _originals, _renditions = _filesystem("originals"), _filesystem("renditions")

STORAGES = {
    "default": _originals,
    "originals": _originals,
    "renditions": _renditions,
    "staticfiles": {"BACKEND": "settings.static.StaticFilesStorage"},
}
