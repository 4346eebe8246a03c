"""The service built from Django settings, once per process (as whitenoise's middleware builds
its WhiteNoise from settings): the Config, the two storages by alias, each measured."""

from __future__ import annotations

from functools import cache

from resizer.conf import config
from resizer.server.metrics import Measured
from resizer.server.service import Service
from resizer.stores.objects import originals, renditions


@cache
def service() -> Service:
    return Service(config(), Measured(originals(), "originals"), Measured(renditions(), "renditions"))
