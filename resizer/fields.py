"""An ImageField whose dimension fields hold the size the renditions have: upright.

Django's ImageField fills width_field/height_field with the stored size, before EXIF orientation:
a phone photo stored sideways gets its width and height swapped, and the tags would then reserve
a box of the wrong shape. This field reads the orientation too (from the header, as Django reads
the size: at assignment, never when a template renders).

    from resizer.fields import ImageField
    image = ImageField(upload_to="photos/", width_field="width", height_field="height")
"""

from __future__ import annotations

from typing import IO

from django.db import models
from django.db.models.fields.files import ImageFieldFile
from PIL import Image

from resizer.imaging.pipeline import oriented_size


def upright_size(file: IO[bytes]) -> tuple[int | None, int | None]:
    """(width, height) after EXIF orientation; (None, None) for what is not an image, as Django does."""
    file.seek(0)
    try:
        with Image.open(file) as image:
            return oriented_size(image)
    except Exception:  # Pillow signals bad input with many exception types
        return None, None


class UprightImageFieldFile(ImageFieldFile):
    def _get_image_dimensions(self) -> tuple[int | None, int | None]:
        # Django's own seam: ImageFile.width/height and update_dimension_fields call this.
        if not hasattr(self, "_dimensions_cache"):
            close = self.closed
            self.open()
            try:
                self._dimensions_cache = upright_size(self)
            finally:
                self.close() if close else self.seek(0)
        return self._dimensions_cache


class ImageField(models.ImageField):
    attr_class = UprightImageFieldFile
