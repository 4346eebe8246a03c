"""The URL reference's contact sheet: the demo photo through each option, labelled, as
docs/options.png (docs/urls.md shows it). In process, through the real pipeline.

    .venv/bin/python bench/contact_sheet.py [docs/options.png]
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo.images import badge, landscape  # noqa: E402
from resizer.core.policy import Limits  # noqa: E402
from resizer.core.spec import Grammar  # noqa: E402
from resizer.core.watermarks import Watermark  # noqa: E402
from resizer.imaging import pipeline  # noqa: E402
from resizer.imaging.overlay import Overlay  # noqa: E402

# Each tile: the options, before the demo's 3200×2000 photo (a border added for t_).
TILES = [
    "w_240",
    "t_10/w_240",
    "r_90/h_190",
    "fl_h/w_240",
    "cr_0.5:0.25:0.5:0.75/h_190",
    "w_240/h_150/c_fill/g_fp:0.62:0.45",
    "w_240/h_190/c_pad/bg_e0e0e0",
    "w_240/bl_3",
    "w_240/sh_100",
    "w_240/px_12",
    "w_240/wm_badge",
    "w_240/mb_2048",
]
TILE = (260, 240)


def photo(framed: bool) -> bytes:
    picture = landscape()
    if framed:  # a flat white border for t_ to cut away
        border = Image.new("RGB", (picture.width + 400, picture.height + 400), "white")
        border.paste(picture, (200, 200))
        picture = border
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


def main(target: Path) -> None:
    grammar = Grammar(watermarks=["badge"])
    mark_bytes = io.BytesIO()
    badge(400).save(mark_bytes, "PNG")
    mark = Overlay.decode(Watermark("badge", "badge.png", opacity=0.85, scale=0.3), mark_bytes.getvalue())
    plain, framed = photo(False), photo(True)
    font = ImageFont.load_default(size=13)
    sheet = Image.new("RGB", (TILE[0] * 4, TILE[1] * 3), "white")
    for index, options in enumerate(TILES):
        spec = grammar.parse(f"{options}/dusk.jpg").spec
        data = framed if spec.trim else plain
        rendered = pipeline.render(data, spec, None, Limits(), mark if spec.watermark else None)
        tile = Image.open(io.BytesIO(rendered.body)).convert("RGB")
        x, y = (index % 4) * TILE[0], (index // 4) * TILE[1]
        sheet.paste(tile, (x + (TILE[0] - tile.width) // 2, y + 8))
        label = f"{options}  ({len(rendered.body):,} B)" if "mb_" in options else options
        ImageDraw.Draw(sheet).text((x + 10, y + TILE[1] - 24), label, fill="black", font=font)
    sheet.save(target, optimize=True)
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "options.png")
