"""manage.py resizer_warm: pre-render renditions so that the first visitor does not wait."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resizer.conf import config
from resizer.core.errors import ResizerError
from resizer.imaging import limits
from resizer.management.base import Tally, add_originals_arguments, progress
from resizer.ops import warming
from resizer.server.service import Service
from resizer.stores.base import Objects
from resizer.stores.objects import originals, renditions


class Command(BaseCommand):
    help = (
        "Render and store renditions of originals, skipping those already stored: for each original "
        "(KEYs, every key under --prefix in the originals storage, or the files of --model, with each "
        "row's crop and focal point), one rendition per width or preset and per format. Exits non-zero "
        "when any failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_originals_arguments(parser)
        parser.add_argument(
            "--model", action="append", default=[], metavar="APP.MODEL.FIELD", help="the files of this field, every row"
        )
        parser.add_argument("--widths", help="comma list, e.g. 320,640,960 (default: RESIZER_WIDTHS)")
        parser.add_argument("--presets", help="comma list of preset names (RESIZER_PRESETS)")
        parser.add_argument(
            "--formats",
            help=(
                "comma list of jpg, png, webp, avif, gif, 'default' (the original's own; the default) "
                "and 'auto' (what f_auto may answer: avif, webp, default)"
            ),
        )
        parser.add_argument("--options", default="", help="options for every rendition, as in a URL: h_400/c_fill")
        parser.add_argument(
            "--concurrency",
            type=int,
            help="originals at a time, each with all its renditions (default: RESIZER_RENDER_WORKERS)",
        )
        parser.add_argument(
            "--shard",
            metavar="K/N",
            help="warm only this machine's share of the originals: a stable split by key into N, this one K "
            "(0 ≤ K < N; e.g. a Kubernetes Indexed Job's $(JOB_COMPLETION_INDEX)/N)",
        )

    def handle(self, *args: object, **options: object) -> None:
        self.verbosity = options["verbosity"]
        settings = config()
        limits.apply(settings.limits)  # this process renders: Pillow's limits, as the service sets them
        try:
            widths = warming.parse_widths(options["widths"]) or sorted(settings.policy.widths or ())
            formats = warming.parse_formats(options["formats"])
            shard = warming.parse_shard(options["shard"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        presets = warming.split(options["presets"])
        if not widths and not presets:
            raise CommandError("give --widths or --presets (or set RESIZER_WIDTHS)")
        source = originals()
        found = self.originals(source, options)
        if shard is not None:
            found = [original for original in found if warming.in_shard(original[0], *shard)]
            shown = plural(len({key for key, _ in found}), "original")
            self.stdout.write(f"resizer_warm: shard {shard[0]}/{shard[1]}: {shown}")
        if settings.policy.presets_only:  # no URL can carry cr_ or g_fp: there, so no page writes them
            found = list(dict.fromkeys((key, None) for key, _ in found))
        option_sets = warming.variants(widths, presets, formats, warming.parse_options(options["options"]))
        try:
            work = list(warming.jobs(settings.grammar, found, option_sets))
        except ResizerError as exc:
            raise CommandError(exc.message) from None
        concurrency = options["concurrency"] or settings.render_workers
        self.warm(Service(settings, source, renditions()), work, concurrency, len({key for key, _ in found}))

    def originals(self, source: Objects, options: dict) -> list[warming.Original]:
        """Each original once per crop and focal point its rows give it (bare keys have none)."""
        if not (options["keys"] or options["prefix"] or options["model"]):
            raise CommandError("no originals: give KEYs, --prefix or --model")
        found: list[warming.Original] = [(key, None) for key in options["keys"]]
        for prefix in options["prefix"]:
            listed = list(source.list(prefix))
            if not listed:  # said, and not an error: as resizer_purge does
                self.stdout.write(f"resizer_warm: --prefix {prefix[:64]!r} matched no original")
            found.extend((key, None) for key in listed)
        for label in options["model"]:
            try:
                found.extend(warming.model_originals(label))
            except (LookupError, ValueError) as exc:
                raise CommandError(f"--model {label}: {exc}") from None
        return list(dict.fromkeys(found))

    def warm(self, service: Service, work: list[warming.Job], concurrency: int, originals_count: int) -> None:
        tally = Tally(self, "resizer_warm")
        bar = progress(len(work), "warming")

        def done(job: warming.Job, result: bool | Exception) -> None:
            bar.update()
            if isinstance(result, Exception):
                tally.fail(job.path, result)
                return
            tally.add("rendered" if result else "already stored")
            if result and self.verbosity >= 2:
                self.stdout.write(f"rendered  {job.path}")

        try:
            # Never more at once than the render pool admits: beyond that it would refuse (503's Overloaded).
            warming.run(service, work, max(1, min(concurrency, service.pools.capacity)), done)
        finally:
            bar.close()
            service.pools.shutdown()
        self.stdout.write(f"{plural(len(work), 'rendition')} of {plural(originals_count, 'original')}")
        tally.finish("rendered", "already stored")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
