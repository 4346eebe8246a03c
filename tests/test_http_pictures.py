"""Pictures through the whole service: profiles, animation and f_auto over real uvicorn and storage."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.conftest import Backend
from tests.support import icc
from tests.support.images import close, decode, encode


def test_a_display_p3_original_is_served_in_srgb_without_a_profile(backend: Backend, key_prefix: str) -> None:
    key = f"{key_prefix}/p3.jpg"
    backend.put_original(
        key, encode(Image.new("RGB", (400, 300), (200, 100, 50)), "JPEG", quality=98, icc_profile=icc.display_p3())
    )
    reply = backend.server.get(f"/media/w_200/{key}")
    assert reply.status == 200 and reply.header("Content-Type") == "image/jpeg"
    image = decode(reply.body)
    assert "icc_profile" not in image.info
    assert close(image.getpixel((100, 75)), icc.p3_to_srgb((200, 100, 50)), 4)


@pytest.mark.parametrize(
    ("accept", "content_type"), [("image/avif,image/webp,*/*", "image/avif"), ("image/webp", "image/webp")]
)
def test_an_animated_gif_under_f_auto_stays_animated(backend: Backend, key_prefix: str, accept, content_type) -> None:
    key = f"{key_prefix}/anim.gif"
    frames = [Image.new("RGB", (120, 60), colour) for colour in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    backend.put_original(key, encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0))
    reply = backend.server.get(f"/media/w_60/f_auto/{key}", Accept=accept)
    assert reply.status == 200
    assert reply.header("Content-Type") == content_type and reply.header("Vary") == "Accept"
    image = decode(reply.body)
    assert image.n_frames == 3 and image.size == (60, 30)
    image.seek(1)
    image.load()
    assert image.info.get("duration") == 120
    default = decode(backend.server.get(f"/media/w_60/{key}").body)
    assert default.format == "GIF" and default.n_frames == 3
