from __future__ import annotations

from django.urls import path, re_path

from resizer import views

urlpatterns = [
    # [\s\S]: a key may hold any character the grammar then rejects with its own 400, newlines too.
    # (Not a (?s) flag: Django cannot reverse a pattern with one, and then no {% url %} works.)
    re_path(r"^media/(?P<path>[\s\S]*)$", views.media, name="resizer-media"),
    path("healthz", views.healthz, name="resizer-healthz"),
    path("readyz", views.readyz, name="resizer-readyz"),
    path("metrics", views.prometheus, name="resizer-metrics"),
]
