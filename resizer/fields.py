"""An ImageField whose dimension fields hold the size the renditions have (upright), and that may
carry an editor's crop box and focal point in two fields of the model.

Django's ImageField fills width_field/height_field with the stored size, before EXIF orientation:
a phone photo stored sideways gets its width and height swapped, and the tags would then reserve
a box of the wrong shape. This field reads the orientation too (from the header, as Django reads
the size: at assignment, never when a template renders).

    from resizer.fields import CropField, FocusField, ImageField

    image = ImageField(upload_to="photos/", width_field="width", height_field="height",
                       crop_field="crop", focus_field="focus")
    crop = CropField()    # "x:y:w:h", fractions of the upright original; "" for the whole picture
    focus = FocusField()  # "x:y", fractions of the upright original; "" for the centre

The tags, image_url, warm_on_save and resizer_warm --model add them to every URL of the image
(cr_ and g_fp:, see framing.py), reading the fields, never the file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.core import checks
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from PIL import Image

from resizer import framing
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


class FramingTextField(models.CharField):
    """Text in the canonical spelling of cr_ or g_fp:, validated; "" is the default (none)."""

    parse: Callable[[str | None], tuple | None]
    max_chars: int
    help: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for option, implied in self.implied().items():
            kwargs.setdefault(option, implied)
        super().__init__(*args, **kwargs)

    def implied(self) -> dict[str, Any]:
        return {"max_length": self.max_chars, "blank": True, "default": "", "help_text": self.help}

    def deconstruct(self) -> tuple[str, str, list, dict]:
        name, path, args, kwargs = super().deconstruct()
        for option, implied in self.implied().items():
            if kwargs.get(option) == implied:
                del kwargs[option]
        return name, path, args, kwargs

    def to_python(self, value: Any) -> str:
        """The canonical spelling (`.5` → `0.5`; the default, whole picture or centre, → "")."""
        text = super().to_python(value) or ""
        try:
            return framing.spell(type(self).parse(text))
        except ValueError as exc:
            message = str(exc)
            raise ValidationError(message[:1].upper() + message[1:] + ".", code="invalid") from None

    def get_prep_value(self, value: Any) -> str:
        # Saved canonical, and never invalid: the tags read these values on every page.
        return self.to_python(super().get_prep_value(value))


class CropField(FramingTextField):
    """An editor's crop box, `x:y:w:h` as fractions of the upright original (cr_'s values)."""

    description = "A crop box x:y:w:h, fractions of the upright picture"
    parse = staticmethod(framing.parse_crop)
    max_chars = len("0.0000:0.0000:0.0000:0.0000")
    help = "x:y:w:h, fractions of the picture (0.1:0.2:0.5:0.5); empty for the whole picture."


class FocusField(FramingTextField):
    """An editor's focal point, `x:y` as fractions of the upright original (not of the crop)."""

    description = "A focal point x:y, fractions of the upright picture"
    parse = staticmethod(framing.parse_focus)
    max_chars = len("0.0000:0.0000")
    help = "x:y, fractions of the whole picture (0.3:0.4); empty for its centre."


class ImageField(models.ImageField):
    attr_class = UprightImageFieldFile

    def __init__(self, *args: Any, crop_field: str | None = None, focus_field: str | None = None, **kwargs: Any):
        self.crop_field, self.focus_field = crop_field, focus_field
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list, dict]:
        name, path, args, kwargs = super().deconstruct()
        for option in ("crop_field", "focus_field"):
            if getattr(self, option):
                kwargs[option] = getattr(self, option)
        return name, path, args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_framing_fields()]

    def _check_framing_fields(self) -> list[checks.CheckMessage]:
        errors = []
        for option, kind in (("crop_field", CropField), ("focus_field", FocusField)):
            name = getattr(self, option)
            found = next((f for f in self.model._meta.get_fields() if f.name == name), None) if name else None
            if name and not isinstance(found, kind):
                errors.append(
                    checks.Error(
                        f"{option}={name!r} names no {kind.__name__} of {self.model.__name__}.",
                        hint=f"Add {name} = resizer.fields.{kind.__name__}() to the model.",
                        obj=self,
                        id="resizer.E006",
                    )
                )
        return errors
