from __future__ import annotations

from django.urls import path
from gallery import views

urlpatterns = [
    path("", views.index, name="index"),
    path("jinja/", views.jinja_index, name="jinja-index"),
]
