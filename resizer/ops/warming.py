"""Pre-rendering: which renditions to make (originals × variants × formats) and making them concurrently.

Used by `manage.py resizer_warm`; the renditions of each original go together through
`Service.warm`: the serving path's own pools, fetch and store, and one decode for them all.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps

from resizer.core.formats import OUTPUTS
from resizer.core.spec import Grammar, RenditionSpec
from resizer.framing import Framing
from resizer.server.service import Service

DEFAULT_FORMAT = "default"  # the original's own format, as a URL without f_ gives
FORMATS = (*OUTPUTS, DEFAULT_FORMAT)
# f_auto is not one rendition but whichever the browser's Accept picks: warm each it may pick.
AUTO = ("avif", "webp", DEFAULT_FORMAT)


@dataclass(frozen=True)
class Job:
    spec: RenditionSpec
    path: str  # the canonical path, for messages

    @property
    def output(self) -> str | None:
        return self.spec.format


def split(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """`--shard K/N` (K from 0 to N − 1, as a Kubernetes Indexed Job's JOB_COMPLETION_INDEX)."""
    if text is None:
        return None
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and int(count) > 0 and int(index) < int(count)):
        raise ValueError(f"--shard: {text[:64]!r} is not K/N with 0 ≤ K < N")
    return int(index), int(count)


def in_shard(key: str, index: int, count: int) -> bool:
    """A stable split: the same key always falls in the same shard, whatever else is listed, on
    every machine (a hash of the key, not of the list's order or Python's per-process hash)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count == index


def parse_widths(text: str | None) -> list[int]:
    """`"320,640"` → [320, 640]; ValueError naming the first item that is not a width."""
    widths = []
    for item in split(text):
        if not (item.isascii() and item.isdigit() and int(item) > 0):
            raise ValueError(f"--widths: {item[:64]!r} is not a width (a positive integer)")
        widths.append(int(item))
    return widths


def parse_formats(text: str | None) -> list[str]:
    """Formats to warm, `auto` expanded to what f_auto may answer; ValueError for an unknown one."""
    formats: list[str] = []
    for item in split(text):
        if item not in (*FORMATS, "auto"):
            raise ValueError(f"--formats: {item[:64]!r} is not one of {', '.join((*FORMATS, 'auto'))}")
        formats.extend(AUTO if item == "auto" else [item])
    return list(dict.fromkeys(formats))


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


# An original to warm: its key, and the crop and focal point its row holds (None for a bare key).
Original = tuple[str, Framing | None]


def jobs(grammar: Grammar, originals: Iterable[Original], option_sets: list[dict]) -> Iterator[Job]:
    """Raises BadRequest for a key or option set the service would refuse."""
    for key, framing in originals:
        for options in option_sets:
            spec = grammar.make(key, **(framing.add_to(grammar, key, options) if framing else options))
            yield Job(spec, grammar.build_path(spec))


def model_originals(label: str) -> Iterator[Original]:
    """The file of `app.Model.field` in every row (empty ones skipped), with the row's crop and
    focal point when the field has crop_field/focus_field: the URLs the site's pages write."""
    app_model, _, field = label.rpartition(".")
    model = apps.get_model(app_model)
    image = model._meta.get_field(field)  # FieldDoesNotExist names the field
    crop, focus = getattr(image, "crop_field", None), getattr(image, "focus_field", None)
    columns = ["pk", field, *(name for name in (crop, focus) if name)]
    for row in model._default_manager.values_list(*columns).iterator():
        values = dict(zip(columns, row, strict=True))
        if not values[field]:
            continue
        try:
            framing = Framing.from_text(values.get(crop), values.get(focus))
        except ValueError as exc:
            raise ValueError(f"row {values['pk']}: {exc}") from None
        yield values[field], framing or None


def by_original(work: Iterable[Job]) -> list[list[Job]]:
    """The jobs of each original together (every crop and focal point of its rows too: the same
    bytes), in the order the originals first come."""
    groups: dict[str, list[Job]] = {}
    for job in work:
        groups.setdefault(job.spec.key, []).append(job)
    return list(groups.values())


def run(service: Service, work: list[Job], concurrency: int, done: Callable[[Job, bool | Exception], None]) -> None:
    """Warm every job, the renditions of one original together (one fetch, one decode: Service.warm),
    at most `concurrency` originals at a time; `done` hears of each job (True: rendered)."""

    async def main() -> None:
        gate = asyncio.Semaphore(concurrency)

        async def one(jobs: list[Job]) -> None:
            async with gate:
                try:
                    results = await service.warm([(job.spec, job.output) for job in jobs])
                except Exception as exc:  # one bad original must not stop the others; reported by `done`
                    results = [exc] * len(jobs)
            for job, result in zip(jobs, results, strict=True):
                done(job, result)

        await asyncio.gather(*(one(jobs) for jobs in by_original(work)))

    asyncio.run(main())
