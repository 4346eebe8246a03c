"""The formats table is the one owner of what a format is: every row has an encoder whose output
is sniffed back as that row's type, and the names derived from it agree with each other."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from resizer.core import formats
from resizer.core.spec import FORMATS, Grammar
from resizer.imaging import encoders


@pytest.mark.parametrize("row", formats.TABLE, ids=[row.name for row in formats.TABLE])
def test_each_output_encodes_to_what_its_row_says(row: formats.Format) -> None:
    picture = Image.new("RGBA", (16, 12), (200, 40, 40, 0))  # transparent: GIF keeps 1-bit alpha only
    body = encoders.encode(picture if row.alpha else picture.convert("RGB"), row.name, None)
    assert formats.sniff(body) == row.mime
    decoded = Image.open(io.BytesIO(body))
    assert decoded.format in row.pillow and decoded.size == (16, 12)
    assert formats.OWN_FORMATS[decoded.format] == row.name  # an original in it is re-encoded to it
    if row.alpha:
        assert "A" in decoded.convert("RGBA").mode and decoded.convert("RGBA").getpixel((8, 6))[3] < 128


def test_the_grammar_and_the_names_come_from_the_table() -> None:
    assert (*formats.OUTPUTS, "auto") == FORMATS
    assert set(encoders.ENCODERS) == set(formats.OUTPUTS)
    grammar = Grammar()
    assert grammar.parse("f_jpeg/cat.jpg").spec.format == "jpg"  # an alias, redirected to its name
    assert [formats.for_extension(k) for k in ("a.JPE", "b.jpeg", "c.png", "d.tiff", "e")] == [
        "jpg",
        "jpg",
        "png",
        "jpg",
        "jpg",
    ]
    assert formats.sniff(b"not an image") == "application/octet-stream"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("image/avif,image/webp,*/*", "avif"),
        ("image/webp,*/*;q=0.8", "webp"),
        ("*/*", None),
        ("image/avif;q=0., image/webp", "webp"),
        ("IMAGE/AVIF", "avif"),
        (None, None),
        # A separator inside a quoted parameter value separates nothing (RFC 9110 §5.6.4).
        ('image/avif;x="a,b";q=0, image/webp', "webp"),
        ('image/avif;x="a\\",b;c";q=0,image/webp', "webp"),
        ('image/avif;x="q=0;y", image/webp', "avif"),
    ],
)
def test_f_auto_chooses_from_the_table_by_accept(accept: str | None, chosen: str | None) -> None:
    assert formats.accepted(accept) == chosen
