"""A Django site that uses resizer as a reusable app: this is all it takes (see the repository's
docs/django.md). EXAMPLE_DATA_DIR, RESIZER_BASE_URL and RESIZER_SIGNING_KEY come
from the environment here only so that the tests can point the site at a resizer they start.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("EXAMPLE_DATA_DIR", BASE_DIR / "var"))

SECRET_KEY = "example-only-not-secret"
DEBUG = True
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "example.urls"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    # Django's admin, where editors upload photos and set their crops and focal points.
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "resizer",  # the template tags, the Jinja2 functions, the ImageField, the admin's editor, the commands
    "gallery",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "db.sqlite3"}}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "resizer.jinja2.environment", "autoescape": True},
    },
]

STATIC_URL = "/static/"  # the admin's, and the crop editor's script and styles (runserver serves them)

# Uploads go where resizer reads its originals: here the same folder (in production, the same bucket).
MEDIA_ROOT = DATA_DIR / "originals"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Only to run resizer_warm/purge/inspect from this site (as with --model gallery.Photo.image):
    # the resizer's two storages.
    "originals": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}},
    "renditions": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "renditions"},
    },
}

# resizer: where it is served from, and the key its URLs are signed with (the service's own).
RESIZER_BASE_URL = os.environ.get("RESIZER_BASE_URL", "http://127.0.0.1:8000")
RESIZER_SIGNING_KEY = os.environ.get("RESIZER_SIGNING_KEY", "change-me")
