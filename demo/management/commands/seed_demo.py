from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management.base import BaseCommand

from demo.images import encoded


class Command(BaseCommand):
    help = "Put the demo's sample originals into the originals storage (skips those present)."

    def handle(self, *args: object, **options: object) -> None:
        originals = storages["originals"]
        for key, data in encoded().items():
            if originals.exists(key):
                self.stdout.write(f"present  {key}")
                continue
            originals.save(key, ContentFile(data))
            self.stdout.write(f"seeded   {key} ({len(data)} bytes)")
