from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

IMAGES = [
    ("demo/dusk.jpg", "A 3200×2000 JPEG"),
    ("demo/phone photo.jpg", "A JPEG stored sideways with EXIF orientation 6"),
    ("demo/fractal.png", "A 2400×1600 PNG"),
    ("demo/badge.png", "A transparent PNG"),
]


def index(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "demo/index.html", {"images": IMAGES})
