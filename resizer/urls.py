from __future__ import annotations

from django.urls import path, re_path

from resizer import views

urlpatterns = [
    # (?s): a key may hold any character the grammar then rejects with its own 400, newlines too.
    re_path(r"(?s)^media/(?P<path>.*)$", views.media, name="resizer-media"),
    path("healthz", views.healthz, name="resizer-healthz"),
    path("readyz", views.readyz, name="resizer-readyz"),
    path("metrics", views.prometheus, name="resizer-metrics"),
]
