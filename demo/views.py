from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

# key, caption, the original's upright size (as demo/images.py draws them): the tags compute
# each rendition's width and height from it, without opening the file.
IMAGES = [
    ("demo/dusk.jpg", "A 3200×2000 JPEG", "3200x2000"),
    ("demo/phone photo.jpg", "A JPEG stored sideways with EXIF orientation 6", "1800x2400"),
    ("demo/fractal.png", "A 2400×1600 PNG", "2400x1600"),
    ("demo/badge.png", "A transparent PNG", "1200x1200"),
]
WIDTHS = "320,640,960,1280"
# The gallery's images are as wide as the page's column: the viewport less 2 × 1rem of padding,
# at most 720 px (demo.css). `sizes` says the same to the browser, which picks a candidate from it.
SIZES = "(max-width: 752px) calc(100vw - 32px), 720px"


def index(request: HttpRequest) -> HttpResponse:
    context = {"images": IMAGES, "widths": WIDTHS, "sizes": SIZES}
    return TemplateResponse(request, "demo/index.html", context)
