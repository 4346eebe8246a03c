"""Pre-render on upload: once a save with a new image (or a new crop or focal point: new URLs)
commits, ask resizer for its renditions, in the background, so that the first visitor finds them made.

One line, after the model (models.py) or in AppConfig.ready:

    warm_on_save(Photo, "image", widths=[320, 640, 960], formats=["avif", "webp"])

The renditions are requested over HTTP (HEAD) from RESIZER_BASE_URL, or from `origin` (say the
resizer service's internal address, to bypass the CDN): the resizer renders and stores them as
for any visitor, so the site needs neither the renditions storage nor any CPU for it. The requests
run in a small thread pool after the transaction commits (nothing is warmed for a rolled-back save)
and never delay the response; those of one save go one after another, widest first, so that the
service makes them all from one decode of the original (imaging/masters.py). A failure is logged
as a warning on the `resizer.warm` logger with the URL and the status or error; it costs nothing
else: the rendition is made on first request.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import partial
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models.signals import post_save, pre_save

from resizer import links, markup
from resizer.conf import config

log = logging.getLogger("resizer.warm")

TIMEOUT = 30  # seconds per rendition: above the service's own 20 s deadline
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="resizer-warm")
_pending: set[Future] = set()


def warm_on_save(
    model: type[models.Model],
    field: str,
    *,
    widths: Any = None,
    formats: Any = (),
    origin: str | None = None,
    **options: Any,
) -> None:
    """Warm `widths` (default RESIZER_WIDTHS) × `formats` (default: the original's own) of `field`."""
    try:
        configured = config()
    except ImproperlyConfigured:
        # A bad RESIZER_* setting: the system checks name it (resizer.E001–E005). Raised here, while
        # the models load, it would be a traceback before any check could run. Nothing is connected;
        # the site's first image URL raises it again if the checks are not run.
        return
    origin = (origin or configured.base_url).rstrip("/")
    if not origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured("warm_on_save needs an absolute RESIZER_BASE_URL or origin='http://…'")
    model._meta.get_field(field)  # FieldDoesNotExist names it, at start-up
    # Widest first, each width's formats one after another: the first request decodes the original
    # at the finest scale any of them needs, and the service renders the others from that decode
    # (and each width's formats from one resized frame) while it keeps it (imaging/masters.py).
    variants = [
        {**options, "w": width, "f": fmt}
        for width in sorted(links.parse_widths(widths), reverse=True)
        for fmt in markup.parse_formats(formats) or [None]
    ]
    for variant in variants:  # a ValueError now, naming the option, rather than at each save
        links.make_spec("check.jpg", **variant)
    uid = f"resizer-warm:{model._meta.label}.{field}"
    pre_save.connect(partial(_note_new_urls, field), sender=model, weak=False, dispatch_uid=uid)
    post_save.connect(partial(_warm_after_commit, field, origin, variants), sender=model, weak=False, dispatch_uid=uid)


def _note_new_urls(field: str, sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    # A file not yet committed to storage is a new upload (FieldFile.pre_save will save it).
    file = getattr(instance, field)
    if file and (not file._committed or _framing_changed(sender, instance, field)):
        instance.__dict__.setdefault("_resizer_uploads", set()).add(field)


def _framing_changed(model: type[models.Model], instance: models.Model, field: str) -> bool:
    """Whether the crop or focal point differs from the stored row's: its URLs are new ones.
    One query, only for a model whose image field has crop_field or focus_field."""
    image = model._meta.get_field(field)
    names = [name for name in (getattr(image, "crop_field", None), getattr(image, "focus_field", None)) if name]
    if not names or instance._state.adding:
        return False
    stored = model._default_manager.filter(pk=instance.pk).values_list(*names).first()
    current = tuple(model._meta.get_field(name).to_python(getattr(instance, name)) for name in names)
    return stored != current


def _warm_after_commit(field: str, origin: str, variants: list[dict], instance: models.Model, **kwargs: Any) -> None:
    uploads = instance.__dict__.get("_resizer_uploads", set())
    if field not in uploads:
        return
    uploads.discard(field)
    file = getattr(instance, field)  # the FieldFile: its crop and focal point go into the URLs
    urls = [origin + links.media_path(links.make_spec(file, **variant)) for variant in variants]
    transaction.on_commit(partial(submit, urls), using=kwargs.get("using"))


def submit(urls: list[str]) -> Future:
    future = _pool.submit(_request_all, urls)
    _pending.add(future)
    future.add_done_callback(_pending.discard)
    return future


def _request_all(urls: list[str]) -> int:
    """HEAD each URL (the service renders and stores on HEAD as on GET); the number that failed."""
    failed = 0
    for url in urls:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=TIMEOUT):
                pass
        except urllib.error.HTTPError as exc:
            failed += 1
            log.warning("warming %s failed: %s %s", url, exc.code, exc.reason)
        except OSError as exc:
            failed += 1
            log.warning("warming %s failed: %s", url, exc)
    return failed


def drain(timeout: float | None = None) -> bool:
    """Wait for the warming in flight (scripts that save many images, tests); True when all ended."""
    _, not_done = wait(list(_pending), timeout)
    return not not_done
