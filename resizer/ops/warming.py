"""Pre-rendering: which renditions to make (keys × variants × formats) and making them concurrently.

Used by `manage.py resizer_warm`; each rendition goes through `Service.warm`, the serving path's
own fetch, render and store, with its pools and single flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps

from resizer.core.spec import Grammar, RenditionSpec
from resizer.server.service import Service

DEFAULT_FORMAT = "default"  # the original's own format, as a URL without f_ gives


@dataclass(frozen=True)
class Job:
    spec: RenditionSpec
    path: str  # the canonical path, for messages

    @property
    def output(self) -> str | None:
        return self.spec.format


def split(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def parse_options(text: str) -> dict[str, str]:
    """`c_fill/h_400` → {"c": "fill", "h": "400"} (validated later, with the rest, by the grammar)."""
    options = {}
    for segment in filter(None, text.split("/")):
        name, _, value = segment.partition("_")
        options[name] = value
    return options


def variants(widths: list[int], presets: list[str], formats: list[str], options: dict[str, str]) -> list[dict]:
    """Option sets, one per (width or preset) × format."""
    sizes: list[dict[str, Any]] = [{"w": w} for w in widths] + [{"p": p} for p in presets]
    outputs = [None if f == DEFAULT_FORMAT else f for f in formats or [DEFAULT_FORMAT]]
    return [{**options, **size, "f": output} for size in sizes for output in outputs]


def jobs(grammar: Grammar, keys: Iterable[str], option_sets: list[dict]) -> Iterator[Job]:
    """Raises BadRequest for a key or option set the service would refuse."""
    for key in keys:
        for options in option_sets:
            spec = grammar.make(key, **options)
            yield Job(spec, grammar.build_path(spec))


def model_keys(label: str) -> Iterator[str]:
    """The file names in `app.Model.field` of every row (empty ones skipped)."""
    app_model, _, field = label.rpartition(".")
    model = apps.get_model(app_model)
    model._meta.get_field(field)  # FieldDoesNotExist names the field
    yield from (name for name in model._default_manager.values_list(field, flat=True).iterator() if name)


def run(service: Service, work: list[Job], concurrency: int, done: Callable[[Job, bool | Exception], None]) -> None:
    """Warm every job, at most `concurrency` at a time; `done` hears of each (True: rendered)."""

    async def main() -> None:
        gate = asyncio.Semaphore(concurrency)

        async def one(job: Job) -> None:
            async with gate:
                try:
                    result: bool | Exception = await service.warm(job.spec, job.output)
                except Exception as exc:  # one bad original must not stop the others; reported by `done`
                    result = exc
            done(job, result)

        await asyncio.gather(*(one(job) for job in work))

    asyncio.run(main())
