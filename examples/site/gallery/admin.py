from __future__ import annotations

from django.contrib import admin

from gallery.models import Photo
from resizer.admin import FramingAdmin

# The image, shown through resizer, with its crop box and focal point set on it (click, drag,
# arrow keys) and previews of a few shapes.
admin.site.register(Photo, FramingAdmin)
