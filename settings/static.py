"""Static files (the demo page's CSS and scripts) with or without `manage.py collectstatic`.

Collected (the image's build, `make run`): STATIC_ROOT holds hashed copies and their manifest, and
whitenoise serves them with immutable caching. Not collected (`uvicorn settings.asgi:application`
straight from a fresh clone): the manifest storage would raise for every `{% static %}` and the
demo page would answer 500, so the plain names are used and whitenoise serves the apps' own files.
"""

from __future__ import annotations

from pathlib import Path

from whitenoise.storage import CompressedManifestStaticFilesStorage


def collected(static_root: Path) -> bool:
    """collectstatic has run into `static_root`: its manifest is there."""
    return (static_root / CompressedManifestStaticFilesStorage.manifest_name).is_file()


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """The manifest's hashed names once collectstatic has run, the plain names before it has."""

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:  # no manifest (loaded when the storage is made): nothing collected
            return name
        return super().stored_name(name)
