from __future__ import annotations

from django.contrib import admin
from django.urls import path
from gallery import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", views.index, name="index"),
    path("jinja/", views.jinja_index, name="jinja-index"),
]
