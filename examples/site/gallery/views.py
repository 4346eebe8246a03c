from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gallery.models import Photo


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "gallery/index.html", {"photos": Photo.objects.order_by("pk")})


def jinja_index(request: HttpRequest) -> HttpResponse:
    return render(request, "gallery/index.jinja", {"photos": Photo.objects.order_by("pk")}, using="jinja2")
