"""Run inside the example site (examples/site): an editor's crop and focal point on a Photo, stored,
read back, refused when invalid; the page rendered; the warming that the upload and the new crop
started waited for. Prints JSON.

Started by tests/test_example_site.py (with `editor`: an account and a photo, by tests/test_editor.py)
with EXAMPLE_DATA_DIR, RESIZER_BASE_URL (a running resizer) and RESIZER_SIGNING_KEY in the environment.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core import signing  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from gallery.models import Photo  # noqa: E402

from demo.images import landscape  # noqa: E402
from resizer.admin import TOKEN_SALT  # noqa: E402
from resizer.signals import drain  # noqa: E402
from tests.support.example_admin import EDITOR  # noqa: E402
from tests.support.images import encode, quadrants  # noqa: E402

# A 1200×800 picture of four flat quadrants (red, green / blue, white). The crop is the top band
# (60 … 1140 × 40 … 360: red on the left, green on the right), the focal point far right in it
# (1020, 200), in the green. Spelled loosely: stored canonically.
CROP, FOCUS = "0.050:0.05:0.90:.4", "0.85:0.250"


def refusal(**values: str) -> dict[str, list[str]]:
    """What full_clean says of these values, and that a save without it refuses them too."""
    photo = Photo.objects.get()
    for name, value in values.items():
        setattr(photo, name, value)
    try:
        photo.save()
    except ValidationError:
        pass
    else:
        raise AssertionError(f"saved {values}")
    try:
        photo.full_clean()
    except ValidationError as exc:
        return exc.message_dict
    raise AssertionError(f"full_clean took {values}")


def editor(picture: str) -> None:
    """An editor's account and a photo without a crop (for the admin, in a browser): the four
    colours, or the demo's dusk landscape (for the documentation's screenshot)."""
    call_command("migrate", verbosity=0)
    username, password = EDITOR
    get_user_model().objects.create_superuser(username, "editor@example.com", password)
    if picture == "dusk":
        image = ContentFile(encode(landscape(), "JPEG", quality=90), name="dusk.jpg")
        photo = Photo(alt="Dusk over the hills", image=image)
    else:
        photo = Photo(alt="Four colours", image=ContentFile(encode(quadrants((1200, 800)), "PNG"), name="framed.png"))
    photo.save()
    print(json.dumps({"photo": photo.pk, "drained": drain(timeout=60)}))


def previews_view() -> dict[str, object]:
    """The admin view that signs the editor's preview URLs: for whom, for what, and its answers."""
    url = "/admin/gallery/photo/resizer-framing/"
    token = signing.dumps(Photo.objects.get().image.name, salt=TOKEN_SALT)
    client = Client()
    answers = {"anonymous": client.get(url, {"token": token, "crop": "0.1:0.2:0.5:0.5"})}
    username, password = EDITOR
    client.force_login(get_user_model().objects.create_superuser(username, "editor@example.com", password))
    asked = {
        "framed": {"token": token, "crop": "0.1:0.2:0.5:0.5", "focus": "0.3:0.4"},
        "invalid": {"token": token, "crop": "0.5:0:0.6:1"},
        # Only for the image the page was made for: a token of the client's own is refused.
        "forged": {"token": signing.dumps("photos/other.png", salt="another"), "crop": ""},
    }
    answers |= {name: client.get(url, query) for name, query in asked.items()}
    return {name: [answer.status_code, answer.content.decode()] for name, answer in answers.items()}


def main() -> None:
    call_command("migrate", verbosity=0)
    photo = Photo(alt="Four colours", image=ContentFile(encode(quadrants((1200, 800)), "PNG"), name="framed.png"))
    photo.save()
    drained = [drain(timeout=60)]  # the upload's warming: no crop yet
    photo.crop, photo.focus = CROP, FOCUS
    photo.save()  # no new file, but new URLs: warmed again
    drained.append(drain(timeout=60))
    stored = Photo.objects.values_list("crop", "focus").get()
    refused = {**refusal(crop="0.5:0:0.6:1"), **refusal(focus="0.5:1.5")}
    pages = {name: Client().get(path) for name, path in (("django", "/"), ("jinja", "/jinja/"))}
    previews = previews_view()
    print(
        json.dumps(
            {
                "stored": stored,
                "refused": refused,
                "status": {name: page.status_code for name, page in pages.items()},
                "pages": {name: page.content.decode() for name, page in pages.items()},
                "drained": drained,
                "previews": previews,
            }
        )
    )


if __name__ == "__main__":
    editor(sys.argv[2] if sys.argv[2:] else "quadrants") if sys.argv[1:2] == ["editor"] else main()
