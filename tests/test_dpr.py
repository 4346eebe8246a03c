"""dpr_ multiplies the box on both axes: a height alone, a width alone, and both with c_fill or c_pad."""

from __future__ import annotations

from decimal import Decimal

import pytest

from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import pipeline
from tests.conftest import Backend
from tests.support.images import close, decode, jpeg
from tests.test_pipeline import assert_quadrants

LIMITS = Limits()
ORIGINAL = (800, 600)


@pytest.mark.parametrize(
    ("options", "size"),
    [
        ({"height": 100, "dpr": Decimal(2)}, (267, 200)),  # 266.67 → 267
        ({"height": 100, "dpr": Decimal("1.5")}, (200, 150)),
        ({"height": 400, "dpr": Decimal(2)}, (800, 600)),  # 800 high would enlarge: the original's size
        ({"width": 100, "dpr": Decimal(3)}, (300, 225)),
        ({"width": 100, "height": 100, "dpr": Decimal(2)}, (200, 150)),  # fit inside 200×200
        ({"width": 100, "height": 100, "crop": "fill", "dpr": Decimal(2)}, (200, 200)),
        ({"width": 200, "height": 100, "crop": "fill", "dpr": Decimal("1.5")}, (300, 150)),
        ({"width": 50, "height": 100, "crop": "fill", "dpr": Decimal(4)}, (200, 400)),
    ],
)
def test_dpr_multiplies_each_side_given(options: dict, size: tuple[int, int]) -> None:
    result = pipeline.render(jpeg(ORIGINAL), RenditionSpec("k", **options), None, LIMITS)
    image = decode(result.body)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", size)
    assert result.size == size
    assert_quadrants(image)  # every crop above keeps a part of each quadrant in its corner


def test_dpr_multiplies_the_padded_box() -> None:
    spec = RenditionSpec("k", height=100, width=100, crop="pad", dpr=Decimal(3), background="000000")
    image = decode(pipeline.render(jpeg(ORIGINAL), spec, None, LIMITS).body)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (300, 300))
    assert close(image.getpixel((150, 10)), (0, 0, 0), 4)  # 300×225 centred: 37 rows of padding above
    assert close(image.getpixel((20, 60)), (255, 0, 0))


@pytest.mark.parametrize(
    ("path", "size"),
    [("h_100/dpr_2", (267, 200)), ("w_100/h_100/c_fill/dpr_2", (200, 200)), ("w_100/h_100/dpr_1.5", (150, 113))],
)
def test_dpr_over_http(fs_backend: Backend, key_prefix: str, path: str, size: tuple[int, int]) -> None:
    fs_backend.put_original(f"{key_prefix}/cat.jpg", jpeg(ORIGINAL))
    response = fs_backend.server.get(f"/media/{path}/{key_prefix}/cat.jpg")
    assert response.status == 200, response.body
    assert response.header("Content-Type") == "image/jpeg"
    image = decode(response.body)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", size)
    assert_quadrants(image)
