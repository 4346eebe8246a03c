from __future__ import annotations

from django.urls import path

from demo import views

urlpatterns = [
    path("", views.index, name="demo-index"),
    path("focus/", views.focus, name="demo-focus"),
]
