"""Run inside the example site (examples/site, its own settings): migrate, upload two photos,
render its Django and Jinja2 pages, wait for the warming the uploads started; print JSON.

Started by tests/test_example_site.py with EXAMPLE_DATA_DIR, RESIZER_BASE_URL (a running resizer)
and RESIZER_SIGNING_KEY in the environment.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")

import django

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from gallery.models import Photo  # noqa: E402
from PIL import Image  # noqa: E402

from resizer.signals import drain  # noqa: E402
from tests.support.images import encode, quadrants  # noqa: E402


def sideways_jpeg() -> bytes:
    """A 600×900 portrait stored as 900×600 with EXIF orientation 6, as phones store them."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(quadrants((600, 900)).transpose(Image.Transpose.ROTATE_90), "JPEG", quality=90, exif=exif)


def main() -> None:
    call_command("migrate", verbosity=0)
    Photo(alt='Upright, "at last" & <safe>', image=ContentFile(sideways_jpeg(), name="phone photo.jpg")).save()
    Photo(alt="A wide one", image=ContentFile(encode(quadrants((1200, 500)), "PNG"), name="wide.png")).save()
    client = Client()
    pages = {name: client.get(path) for name, path in (("django", "/"), ("jinja", "/jinja/"))}
    print(
        json.dumps(
            {
                "status": {name: page.status_code for name, page in pages.items()},
                "pages": {name: page.content.decode() for name, page in pages.items()},
                "photos": list(Photo.objects.order_by("pk").values_list("image", "width", "height")),
                "drained": drain(timeout=60),
            }
        )
    )


if __name__ == "__main__":
    main()
