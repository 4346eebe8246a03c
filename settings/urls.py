from __future__ import annotations

from django.conf import settings
from django.urls import include, path

urlpatterns = [path("", include("resizer.urls"))]

if settings.RESIZER_DEMO:
    urlpatterns.append(path("", include("demo.urls")))
