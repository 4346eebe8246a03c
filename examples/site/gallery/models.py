from __future__ import annotations

from django.db import models

from resizer.fields import CropField, FocusField, ImageField
from resizer.signals import warm_on_save


class Photo(models.Model):
    # resizer's ImageField records the upright size (after EXIF orientation) in the dimension
    # fields, so the tags write width and height attributes without opening the file; the crop box
    # and the focal point an editor sets in the admin (gallery/admin.py) go into every URL of it.
    image = ImageField(
        upload_to="photos/", width_field="width", height_field="height", crop_field="crop", focus_field="focus"
    )
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    crop = CropField()
    focus = FocusField()
    alt = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.image.name


# Pre-render on upload: after a save with a new image (or a new crop or focal point) commits, its
# renditions are requested from resizer in the background (failures are logged on `resizer.warm`).
warm_on_save(Photo, "image", widths=[320, 640], formats=["webp"])
