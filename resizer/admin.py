"""The Django admin's editor for an image's crop box and focal point (ImageField crop_field/focus_field).

    from resizer.admin import FramingAdmin
    admin.site.register(Photo, FramingAdmin)   # or FramingAdminMixin in a ModelAdmin of your own

The image field's widget shows the picture through resizer, the crop box and the focal point on
it, and previews of a few shapes (`framing_previews`) through real resizer URLs. Clicking sets the
focal point, dragging across the picture sets the crop, the arrow keys move the point; both stay
ordinary text fields of the form, saved with it. The script (static/resizer/editor.js) asks this
admin's `resizer-framing/` view for the previews' URLs: they are signed here, with the site's key,
and only for the image the page was rendered for (a token signed with SECRET_KEY names it).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import models
from django.forms import Field
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path, reverse

from resizer import links
from resizer.conf import config
from resizer.fields import ImageField
from resizer.framing import Framing, spell

TOKEN_SALT = "resizer.admin.framing"
STAGE_BOX = (640, 480)  # the picture the editor draws on: fitted inside this box, in CSS pixels
PREVIEWS = {
    "Square": {"w": 160, "h": 160, "c": "fill"},
    "16:9": {"w": 284, "h": 160, "c": "fill"},
    "Portrait 3:4": {"w": 120, "h": 160, "c": "fill"},
}


def allowed_width(wanted: int) -> int:
    """`wanted`, or under RESIZER_WIDTHS the narrowest allowed width that is as wide (else the widest)."""
    widths = sorted(config().policy.widths or ())
    if not widths:
        return wanted
    return next((width for width in widths if width >= wanted), widths[-1])


def preview_urls(key: str, framing: Framing | None, shapes: dict[str, dict]) -> list[dict[str, Any]]:
    """One signed URL per shape, as the site's tags will write it for this framing."""
    return [
        {
            "label": label,
            "url": links.url_for(parsed.spec, parsed.expires),
            "width": parsed.spec.width,
            "height": parsed.spec.height,
        }
        for label, options in shapes.items()
        for parsed in [links.framed_parsed(key, framing, **options)]
    ]


class FramingWidget(AdminFileWidget):
    """The admin's file input, and under it the editor for the image's crop box and focal point."""

    template_name = "resizer/admin/framing_widget.html"

    class Media:
        css: ClassVar = {"all": ["resizer/editor.css"]}
        js: ClassVar = ["resizer/editor.js"]

    def __init__(self, field: ImageField, previews: dict[str, dict], endpoint: str, attrs: dict | None = None):
        super().__init__(attrs)
        self.field, self.previews, self.endpoint = field, previews, endpoint

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        # Under RESIZER_PRESETS_ONLY no URL may carry cr_ or g_: there is nothing to edit for.
        shown = getattr(value, "name", None) and not config().policy.presets_only
        context["editor"] = self.editor(name, value) if shown else None
        return context

    def editor(self, name: str, value: Any) -> dict[str, Any]:
        prefix = name[: len(name) - len(self.field.name)]  # a formset's "form-0-": the sibling fields have it too
        framing = self.saved_framing(value)
        width, height = STAGE_BOX
        return {
            # The whole upright picture (a key, not the FieldFile: none of the crop applied).
            "stage": links.image_url(value.name, w=allowed_width(width), h=height),
            "crop_name": prefix + self.field.crop_field if self.field.crop_field else "",
            "focus_name": prefix + self.field.focus_field if self.field.focus_field else "",
            "crop": spell(framing.crop) if framing else "",
            "focus": spell(framing.focus) if framing else "",
            "previews": preview_urls(value.name, framing, self.previews),
            "endpoint": f"{self.endpoint}?token={signing.dumps(value.name, salt=TOKEN_SALT)}",
        }

    @staticmethod
    def saved_framing(value: Any) -> Framing | None:
        # A form shown again with an invalid value holds it on its instance: previews without it,
        # the script asks for the valid ones.
        try:
            return Framing.of(value)
        except ValueError:
            return None


class FramingAdminMixin:
    """For a ModelAdmin: the framing widget on each resizer ImageField that has crop_field or
    focus_field, and the view that signs its previews' URLs."""

    framing_previews: dict[str, dict] = PREVIEWS  # label → options of a preview (a preset: {"p": "thumb"})

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest, **kwargs: Any) -> Field | None:
        if isinstance(db_field, ImageField) and (db_field.crop_field or db_field.focus_field):
            kwargs["widget"] = FramingWidget(db_field, self.framing_previews, reverse(self._framing_url_name()))
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.framing_view)  # type: ignore[attr-defined]
        name = self._framing_url_name().partition(":")[2]
        # Before the ModelAdmin's own: its catch-all `<object_id>/` would take the path.
        return [path("resizer-framing/", view, name=name), *super().get_urls()]  # type: ignore[misc]

    def _framing_url_name(self) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_resizer_framing"  # type: ignore[attr-defined]

    def framing_view(self, request: HttpRequest) -> JsonResponse:
        """GET ?token=…&crop=…&focus=… → {"previews": [{"label", "url", "width", "height"}, …]}, or 400 {"error"}."""
        if not self.has_change_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        try:
            key = signing.loads(request.GET.get("token", ""), salt=TOKEN_SALT)
        except signing.BadSignature:
            return JsonResponse({"error": "This page is out of date: reload it."}, status=400)
        try:
            framing = Framing.from_text(request.GET.get("crop"), request.GET.get("focus"))
            previews = preview_urls(key, framing, self.framing_previews)
        except ValueError as exc:
            return JsonResponse({"error": str(exc)}, status=400)
        return JsonResponse({"previews": previews})


class FramingAdmin(FramingAdminMixin, admin.ModelAdmin):
    pass
