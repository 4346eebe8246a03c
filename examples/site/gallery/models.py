from __future__ import annotations

from django.db import models

from resizer.fields import ImageField
from resizer.signals import warm_on_save


class Photo(models.Model):
    # resizer's ImageField records the upright size (after EXIF orientation) in the dimension
    # fields, so the tags write width and height attributes without opening the file.
    image = ImageField(upload_to="photos/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    alt = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.image.name


# Pre-render on upload: after a save with a new image commits, its renditions are requested from
# resizer in the background (failures are logged on the `resizer.warm` logger).
warm_on_save(Photo, "image", widths=[320, 640], formats=["webp"])
