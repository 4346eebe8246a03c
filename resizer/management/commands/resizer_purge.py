"""manage.py resizer_purge: delete every rendition of some originals, and invalidate them on the CDN."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resizer.conf import config
from resizer.core.errors import BadRequest, ResizerError
from resizer.core.spec import validate_key
from resizer.management.base import Tally, add_originals_arguments, progress
from resizer.ops import cdn
from resizer.stores.base import Objects
from resizer.stores.objects import renditions

BATCH = 500  # names per delete call: a progress step, and well under S3's 1,000 per request


class Command(BaseCommand):
    help = (
        "Delete every stored rendition of the given originals (KEYs, or every original whose key starts "
        "with --prefix) and nothing else; the originals are not touched. With "
        "RESIZER_CLOUDFRONT_DISTRIBUTION_ID set, also invalidate their URLs on CloudFront. Exits non-zero "
        "when a deletion or the invalidation failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_originals_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")

    def handle(self, *args: object, **options: object) -> None:
        self.verbosity = options["verbosity"]
        if not options["keys"] and not options["prefix"]:
            raise CommandError("give KEYs or --prefix")
        objects = renditions()
        names = self.find(objects, options["keys"], options["prefix"])
        if options["dry_run"]:
            for name in names:
                self.stdout.write(f"would delete  {name}")
            self.stdout.write(f"resizer_purge: {len(names)} renditions would be deleted (dry run)")
            return
        tally = Tally(self, "resizer_purge")
        deleted = self.delete(objects, names, tally)
        cdn_step = self.invalidate(deleted, tally)
        tally.finish("deleted", *(["CDN paths invalidated"] if cdn_step else []))

    def find(self, objects: Objects, keys: list[str], prefixes: list[str]) -> list[str]:
        names: list[str] = []
        try:
            for key in keys:
                validate_key(key)
                names.extend(cdn.renditions_of(objects, key))
            for prefix in prefixes:
                found = cdn.renditions_under(objects, prefix)
                if not found:
                    self.stdout.write(f"resizer_purge: --prefix {prefix[:64]!r} matched no rendition")
                names.extend(found)
        except BadRequest as exc:
            raise CommandError(exc.message) from None
        except ResizerError as exc:
            raise CommandError(f"listing renditions: {exc.message}") from None
        return sorted(set(names))

    def delete(self, objects: Objects, names: list[str], tally: Tally) -> list[str]:
        deleted = []
        with progress(len(names), "purging") as bar:
            for start in range(0, len(names), BATCH):
                batch = names[start : start + BATCH]
                try:
                    objects.delete(batch)
                except ResizerError as exc:
                    tally.fail(f"{len(batch)} renditions from {batch[0]}", exc)
                else:
                    deleted.extend(batch)
                    tally.add("deleted", len(batch))
                    if self.verbosity >= 2:
                        self.stdout.write("\n".join(f"deleted  {name}" for name in batch))
                bar.update(len(batch))
        return deleted

    def invalidate(self, deleted: list[str], tally: Tally) -> bool:
        """True when a CDN is configured (whether or not its invalidation succeeded)."""
        settings = config()
        if not settings.cloudfront_distribution:
            return False
        if not deleted:
            return True
        paths = cdn.cdn_paths(settings, deleted)
        try:
            ids = cdn.invalidate(settings.cloudfront_distribution, paths)
        except Exception as exc:  # botocore's errors: reported, and the exit is non-zero
            tally.fail(f"CloudFront invalidation of {len(paths)} paths", exc)
            return True
        tally.add("CDN paths invalidated", len(paths))
        self.stdout.write(f"CloudFront invalidation {', '.join(ids)}: {len(paths)} paths")
        return True
