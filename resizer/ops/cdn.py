"""Purging: exactly the renditions of given originals, and the CDN paths that may hold them.

Renditions live under `<original key>/`, named `<options>.<ext>` (core/naming.py), and
option names never hold a `/`. So the renditions of `a.jpg` are the objects directly under `a.jpg/`,
and those of another original `a.jpg/b.jpg`, one level deeper, are not among them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import replace
from urllib.parse import urlsplit

import boto3

from resizer.core.formats import AUTO_OUTPUTS
from resizer.core.naming import spec_of
from resizer.core.policy import sign
from resizer.core.spec import RenditionSpec, media_request_path
from resizer.server.config import Config
from resizer.stores.base import Objects

# CloudFront accepts at most 3,000 file paths in invalidations in progress per distribution.
INVALIDATION_BATCH = 3000


def renditions_of(objects: Objects, key: str) -> list[str]:
    """The renditions of `key`: the objects directly under `key/`, not those of `key/…` originals."""
    folder = f"{key}/"
    return [name for name in objects.list(folder) if "/" not in name[len(folder) :]]


def renditions_under(objects: Objects, prefix: str) -> list[str]:
    """The renditions of every original whose key starts with `prefix`."""
    return [name for name in objects.list(prefix) if name.rpartition("/")[0].startswith(prefix)]


def spellings(config: Config, spec: RenditionSpec) -> Iterator[RenditionSpec]:
    """Every canonical URL that may have served this rendition: itself, via f_auto, via a preset."""
    bases = [spec, replace(spec, format="auto")] if spec.format in AUTO_OUTPUTS else [spec]
    for base in bases:
        yield base
        for name, values in config.grammar.presets.items():
            if all(getattr(base, field) == value for field, value in values.items()):
                yield replace(base, preset=name)


def cdn_paths(config: Config, names: Iterable[str]) -> list[str]:
    """The request paths the CDN may have cached for these renditions, signed with every key
    that verifies (URLs signed before a key rotation are cached too)."""
    prefix = urlsplit(config.base_url).path.rstrip("/")
    paths = set()
    for name in names:
        for spec in spellings(config, spec_of(config.grammar, name)):
            path = config.grammar.build_path(spec)
            signatures = [sign(path, key) for key in config.policy.signing_keys] or [None]
            paths.update(prefix + media_request_path(path, signature) for signature in signatures)
    return sorted(paths)


def cloudfront_client():
    return boto3.client("cloudfront")


def invalidate(distribution_id: str, paths: list[str]) -> list[str]:
    """Create CloudFront invalidations for `paths`; the ids of those created."""
    client = cloudfront_client()
    created = []
    for start in range(0, len(paths), INVALIDATION_BATCH):
        batch = paths[start : start + INVALIDATION_BATCH]
        response = client.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(batch), "Items": batch},
                "CallerReference": f"resizer-purge-{uuid.uuid4().hex}",
            },
        )
        created.append(response["Invalidation"]["Id"])
    return created
