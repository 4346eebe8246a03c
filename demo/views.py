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


# The focal-point page: one photo cut to several shapes, from its centre and around its focal point
# (the sun of demo/images.py's dusk: 0.68 across, 0.52 down). A site keeps the point in a model
# field (resizer.fields.FocusField); here it is written out, as g='fp:…' on the tag.
FOCUS_KEY, FOCUS_SIZE, FOCUS = "demo/dusk.jpg", "3200x2000", "fp:0.68:0.52"
SHAPES = [
    ("Square", 240, 240),
    ("Portrait 3:4", 180, 240),
    ("Tall 9:16", 135, 240),
    ("16:9", 320, 180),
    ("Banner 3:1", 360, 120),
]


def focus(request: HttpRequest) -> HttpResponse:
    context = {"key": FOCUS_KEY, "size": FOCUS_SIZE, "focus": FOCUS, "shapes": SHAPES, "point": (68, 52)}
    return TemplateResponse(request, "demo/focus.html", context)
