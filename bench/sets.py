"""The picture sets of the quality benchmark: `.venv/bin/python bench/sets.py` makes them.

Two disjoint sets, made deterministically into bench/.cache/sets/{tuning,heldout,policy}/: a small
*tuning* set on which encoder settings are chosen, and a *held-out* set of 43 pictures on which
they are confirmed and on which every figure in docs/quality.md is measured. No picture, and no
picture derived from another, is in both. All originals are 2–12 MP.

Sources (licences from each package's debian/copyright; fetched with `apt-get download`):
- plasma-workspace-wallpapers (KDE Visual Design Group, GPL-2+): photographs and rendered art;
- lomiri-wallpapers-16.04 / -20.04 (UBports and Ubuntu contributors; CC-BY-4.0, CC-BY-SA-3.0/4.0,
  CC0-1.0 per file): photographs and art;
- ukui-wallpapers (Ubuntu Kylin contributors, CC-BY-SA-3.0): art;
- scikit-image's bundled `astronaut` (NASA, public domain): the only portrait source at hand;
- generated here: sensor noise on photographs, product shots on white, screenshots with text, logos,
  and the transparency cases (policy, reported apart).

Photographs over 12 MP are halved (Lanczos) and stored as JPEG quality 95; PNG art is stored
without ancillary chunks; JPEGs as shipped but for their ICC profile (all sRGB; see `strip_icc`).
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache"
SETS = CACHE / "sets"
PACKAGES = ("plasma-workspace-wallpapers", "lomiri-wallpapers-16.04", "lomiri-wallpapers-20.04", "ukui-wallpapers")
MAX_PIXELS = 12_000_000


@dataclass(frozen=True)
class Picture:
    name: str  # file name in its set's folder
    category: str  # photo, noisy photo, portrait, product, screenshot, illustration, policy
    source: str  # package path, or "generated"
    split: str  # tuning, heldout or policy

    @property
    def path(self) -> Path:
        return SETS / self.split / self.name


def wp(name: str, size: str = "2560x1600.jpg") -> str:
    return f"usr/share/wallpapers/{name}/contents/images/{size}"


def bg(name: str) -> str:
    return f"usr/share/backgrounds/{name}"


# (name, category, source, split). Noisy photos come from photographs used nowhere else.
PICTURES = [
    Picture(*row)
    for row in (
        # tuning: 10 pictures
        ("BytheWater.jpg", "photo", wp("BytheWater"), "tuning"),
        ("Kite.jpg", "photo", wp("Kite"), "tuning"),
        ("Path.jpg", "photo", wp("Path"), "tuning"),
        ("ColorfulCups.jpg", "photo", wp("ColorfulCups"), "tuning"),
        ("noisy-Bridge.jpg", "noisy photo", bg("Bridge_by_Sander_Klootwijk.jpg"), "tuning"),
        ("product-1.png", "product", "generated", "tuning"),
        ("screen-1.png", "screenshot", "generated", "tuning"),
        ("Flow.jpg", "illustration", wp("Flow", "5120x2880.jpg"), "tuning"),
        ("goldfish.png", "illustration", bg("goldfish.png"), "tuning"),
        ("logo-1.png", "illustration", "generated", "tuning"),
        # held-out: 43 pictures
        ("Dragonfly.jpg", "photo", bg("Dragonfly_by_Bolly.jpg"), "heldout"),
        ("Kleiber.jpg", "photo", bg("Kleiber_by_Lukas_Baubkus.jpg"), "heldout"),
        ("Wine.jpg", "photo", bg("Wine_by_Jakkub_Mede.jpg"), "heldout"),
        ("free.jpg", "photo", bg("free_by_Peter_Nerlich.jpg"), "heldout"),
        ("friends.jpg", "photo", bg("friends_by_Aitzol_Berasategi.jpg"), "heldout"),
        ("greentock.jpg", "photo", bg("greentock_by_Peter_Nerlich.jpg"), "heldout"),
        ("Picture_0B.jpg", "photo", bg("Picture_0B_by_freespace.jpg"), "heldout"),
        ("Infinite-Sea.jpg", "photo", bg("Infinite-Sea_by_Aury88.jpg"), "heldout"),
        ("ColdRipple.jpg", "photo", wp("ColdRipple"), "heldout"),
        ("DarkestHour.jpg", "photo", wp("DarkestHour"), "heldout"),
        ("EveningGlow.jpg", "photo", wp("EveningGlow"), "heldout"),
        ("FallenLeaf.jpg", "photo", wp("FallenLeaf"), "heldout"),
        ("Grey.jpg", "photo", wp("Grey"), "heldout"),
        ("OneStandsOut.jpg", "photo", wp("OneStandsOut"), "heldout"),
        ("Volna.jpg", "photo", wp("Volna", "5120x2880.jpg"), "heldout"),
        ("noisy-aitzgorri.jpg", "noisy photo", bg("aitzgorri_by_Aitzol_Berasategi.jpg"), "heldout"),
        ("noisy-life.jpg", "noisy photo", bg("life_by_Aitzol_Berasategi.jpg"), "heldout"),
        ("noisy-picos.jpg", "noisy photo", bg("picosdeeuropa_by_Aitzol_Berasategi.jpg"), "heldout"),
        ("noisy-seeding.jpg", "noisy photo", bg("seeding_by_Clements_Engelhardt.jpg"), "heldout"),
        ("noisy-sunset.jpg", "noisy photo", bg("sunset_by_Aitzol_Berasategi.jpg"), "heldout"),
        ("portrait-1.jpg", "portrait", "scikit-image astronaut", "heldout"),
        ("portrait-2.jpg", "portrait", "scikit-image astronaut", "heldout"),
        ("product-2.png", "product", "generated", "heldout"),
        ("product-3.png", "product", "generated", "heldout"),
        ("product-4.png", "product", "generated", "heldout"),
        ("product-5.png", "product", "generated", "heldout"),
        ("screen-2.png", "screenshot", "generated", "heldout"),
        ("screen-3.png", "screenshot", "generated", "heldout"),
        ("screen-4.png", "screenshot", "generated", "heldout"),
        ("screen-5.png", "screenshot", "generated", "heldout"),
        ("2004default.jpg", "illustration", bg("2004default.jpg"), "heldout"),
        ("Fossa.jpg", "illustration", bg("Fossa_by_Jasper_Roks.jpg"), "heldout"),
        ("Painting-Colors.jpg", "illustration", bg("Painting-Colors_by__herobrine7gamer.jpg"), "heldout"),
        ("the-mouse.jpg", "illustration", bg("the-mouse.jpg"), "heldout"),
        ("umang.jpg", "illustration", bg("umang_by_Abhishek_Mudgal.jpg"), "heldout"),
        ("Autumn.jpg", "illustration", wp("Autumn"), "heldout"),
        ("SafeLanding.jpg", "illustration", wp("SafeLanding", "5120x2880.jpg"), "heldout"),
        ("Cascade.png", "illustration", wp("Cascade", "3840x2160.png"), "heldout"),
        ("Elarun.png", "illustration", wp("Elarun", "2560x1600.png"), "heldout"),
        ("city.png", "illustration", bg("city.png"), "heldout"),
        ("calla.png", "illustration", bg("calla.png"), "heldout"),
        ("logo-2.png", "illustration", "generated", "heldout"),
        ("logo-3.png", "illustration", "generated", "heldout"),
        # policy: transparency, where the JPEG background is a choice rather than compression
        ("alpha-shapes.png", "policy", "generated", "policy"),
        ("alpha-product.png", "policy", "generated", "policy"),
    )
]


def pictures(split: str) -> list[Picture]:
    return [p for p in PICTURES if p.split == split]


# -- making --------------------------------------------------------------------------------------


def make() -> None:
    """Every picture not yet in bench/.cache/sets (idempotent, deterministic)."""
    missing = [p for p in PICTURES if not p.path.exists()]
    if not missing:
        return
    for split in ("tuning", "heldout", "policy"):
        (SETS / split).mkdir(parents=True, exist_ok=True)
    packaged = [p for p in missing if p.source.startswith("usr/")]
    if packaged:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["apt-get", "download", *PACKAGES], cwd=tmp, check=True, capture_output=True)
            for deb in Path(tmp).glob("*.deb"):
                subprocess.run(["dpkg-deb", "-x", deb, Path(tmp) / "x"], check=True)
            for picture in packaged:
                store(picture, Path(tmp) / "x" / picture.source)
    for picture in missing:
        if not picture.source.startswith("usr/"):
            GENERATORS[picture.name.split("-")[0]](picture)
        print(f"  made {picture.split}/{picture.name}", file=sys.stderr)


def store(picture: Picture, source: Path) -> None:
    image = Image.open(source)
    if picture.category == "noisy photo":
        return save(picture, sensor_noise(fit(image.convert("RGB"), 8_000_000), seed=len(picture.name)))
    if image.width * image.height > MAX_PIXELS:
        return save(picture, halve(image))
    if picture.name.endswith(".jpg") and source.suffix == ".jpg":
        picture.path.write_bytes(strip_icc(source.read_bytes()))
        return None
    return save(picture, image.convert("RGB"))


def halve(image: Image.Image) -> Image.Image:
    image = image.convert("RGB")
    return image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)


def fit(image: Image.Image, pixels: int) -> Image.Image:
    if image.width * image.height <= pixels:
        return image
    scale = (pixels / (image.width * image.height)) ** 0.5
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)


def save(picture: Picture, image: Image.Image) -> None:
    if picture.name.endswith(".jpg"):
        image.convert("RGB").save(picture.path, "JPEG", quality=95, subsampling="4:4:4")
    else:
        image.save(picture.path, "PNG", compress_level=6)


def strip_icc(jpeg: bytes) -> bytes:
    """Drop APP2 ICC segments, losslessly. These profiles are all sRGB; thumbor would copy them into
    every output (≈3 KB) and the others would not, which measures metadata policy, not compression."""
    out, pos = bytearray(jpeg[:2]), 2
    while pos < len(jpeg) and jpeg[pos] == 0xFF and jpeg[pos + 1] != 0xDA:
        length = int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
        segment = jpeg[pos : pos + 2 + length]
        if not (jpeg[pos + 1] == 0xE2 and segment[4:16] == b"ICC_PROFILE\0"):
            out += segment
        pos += 2 + length
    return bytes(out + jpeg[pos:])


def sensor_noise(image: Image.Image, seed: int, sigma: float = 7.0) -> Image.Image:
    """A camera at high ISO: Gaussian noise, stronger in the shadows (shot noise), a little chroma,
    slightly correlated by a demosaic-like blur; then stored as a camera would, JPEG 95 4:4:4."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image, dtype=np.float64)
    level = sigma * (0.6 + 0.8 * (1 - pixels.mean(axis=2, keepdims=True) / 255))
    luma = rng.normal(0, 1, pixels.shape[:2])[..., None]
    chroma = rng.normal(0, 0.5, pixels.shape)
    noise = Image.fromarray(np.clip(128 + 30 * (luma + chroma), 0, 255).astype(np.uint8))
    noise = np.asarray(noise.filter(ImageFilter.GaussianBlur(0.6)), dtype=np.float64) - 128
    return Image.fromarray(np.clip(pixels + level * noise / 30 * 1.6, 0, 255).astype(np.uint8))


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size)


def product(picture: Picture) -> None:
    """A product shot on white: shaded objects, a printed label, a soft contact shadow."""
    seed = int(picture.name.split("-")[1].split(".")[0])
    rng = np.random.default_rng(100 + seed)
    w, h = (3000, 2000) if seed % 2 else (2400, 2400)
    image = Image.new("RGB", (w, h), "white")
    shadow = Image.new("L", (w, h), 0)
    ImageDraw.Draw(shadow).ellipse((w * 0.2, h * 0.78, w * 0.8, h * 0.88), fill=110)
    image.paste((200, 200, 200), mask=shadow.filter(ImageFilter.GaussianBlur(40)))
    hue = rng.integers(40, 220, 3)
    body = Image.new("L", (w, h), 0)
    box = (int(w * 0.33), int(h * 0.15), int(w * 0.67), int(h * 0.83))
    ImageDraw.Draw(body).rounded_rectangle(box, radius=int(w * 0.05), fill=255)
    x = np.linspace(-1, 1, w)[None, :, None]
    shade = np.clip(1 - 0.55 * x**2 + 0.25 * np.exp(-((x + 0.35) ** 2) / 0.004), 0, 1.3)
    fill = np.clip(hue[None, None, :] * shade * np.ones((h, 1, 1)), 0, 255).astype(np.uint8)
    image.paste(Image.fromarray(fill), mask=body.filter(ImageFilter.GaussianBlur(2)))
    draw = ImageDraw.Draw(image)
    label = (box[0] + 60, int(h * 0.4), box[2] - 60, int(h * 0.62))
    draw.rectangle(label, fill=(250, 246, 236))
    draw.text((label[0] + 40, label[1] + 30), "ACME", font=font(int(h * 0.06)), fill=tuple(int(v) for v in hue // 2))
    draw.text((label[0] + 40, label[1] + 30 + h * 0.08), "Organic · 500 ml", font=font(int(h * 0.025)), fill="black")
    for i in range(6):  # small print and a barcode
        draw.rectangle(
            (label[2] - 260 + i * 34, label[3] - 120, label[2] - 246 + i * 34 + i % 3 * 4, label[3] - 30), fill="black"
        )
    image.save(picture.path, "PNG", compress_level=6)


def screen(picture: Picture) -> None:
    """A screenshot: window chrome, sidebar, paragraphs of small text, buttons, a chart."""
    seed = int(picture.name.split("-")[1].split(".")[0])
    rng = np.random.default_rng(200 + seed)
    w, h = ((1920, 1080), (2880, 1800), (2560, 1440), (1920, 1200), (2400, 1600))[seed - 1]
    dark = seed % 3 == 0
    back, ink = ((30, 32, 36), (220, 220, 220)) if dark else ((255, 255, 255), (32, 32, 32))
    image = Image.new("RGB", (w, h), back)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, w, 56), fill=(60, 64, 72) if dark else (236, 236, 240))
    for i, colour in enumerate(((255, 95, 86), (255, 189, 46), (39, 201, 63))):
        draw.ellipse((20 + i * 30, 18, 40 + i * 30, 38), fill=colour)
    draw.rectangle((0, 56, 320, h), fill=(40, 44, 52) if dark else (245, 246, 248))
    for i in range(14):
        draw.text((30, 90 + i * 44), f"Section {i + 1}", font=font(22), fill=ink)
    words = [
        "the",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "a",
        "lazy",
        "dog",
        "resizer",
        "renders",
        "images",
        "on",
        "the",
        "fly",
        "0123456789",
    ]
    y = 100
    for paragraph in range(6):
        size = int(rng.choice((14, 16, 18, 22)))
        draw.text((380, y), f"Heading {paragraph + 1}", font=font(size + 14), fill=ink)
        y += size + 30
        for _ in range(4):
            line = " ".join(rng.choice(words, 14))
            draw.text((380, y), line, font=font(size), fill=ink)
            y += int(size * 1.5)
        y += 24
        if y > h - 260:
            break
    accent = tuple(int(v) for v in rng.integers(0, 200, 3))
    for i in range(3):
        draw.rounded_rectangle((380 + i * 190, h - 200, 550 + i * 190, h - 150), 8, fill=accent)
        draw.text((400 + i * 190, h - 190), ("Save", "Cancel", "Share")[i], font=font(20), fill="white")
    values = rng.integers(20, 200, 12)
    for i, value in enumerate(values):
        draw.rectangle((w - 700 + i * 50, h - 120 - value * 2, w - 665 + i * 50, h - 120), fill=accent)
    draw.line((w - 720, h - 120, w - 80, h - 120), fill=ink, width=2)
    image.save(picture.path, "PNG", compress_level=6)


def logo(picture: Picture) -> None:
    """Flat-colour logo art: geometric marks, lettering, hard edges on a flat ground."""
    seed = int(picture.name.split("-")[1].split(".")[0])
    rng = np.random.default_rng(300 + seed)
    w, h = 2400, 1600
    ground = tuple(int(v) for v in rng.integers(200, 256, 3)) if seed != 2 else (22, 34, 64)
    scale = 2
    image = Image.new("RGB", (w * scale, h * scale), ground)
    draw = ImageDraw.Draw(image)
    for i in range(5):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        cx, cy, r = (
            int(v)
            for v in (rng.integers(400, w * scale - 400), rng.integers(400, h * scale - 1200), rng.integers(150, 450))
        )
        shape = i % 3
        if shape == 0:
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
        elif shape == 1:
            draw.regular_polygon((cx, cy, r), 3 + i, fill=colour)
        else:
            draw.rounded_rectangle((cx - r, cy - r // 2, cx + r, cy + r // 2), r // 4, fill=colour)
    text_colour = (255, 255, 255) if seed == 2 else (20, 20, 20)
    draw.text((300, h * scale - 900), "Resizer & Co.", font=font(360), fill=text_colour)
    draw.text((300, h * scale - 420), "IMAGES · ON THE FLY · SINCE 2026", font=font(120), fill=text_colour)
    image.resize((w, h), Image.Resampling.LANCZOS).save(picture.path, "PNG", compress_level=6)


def portrait(picture: Picture) -> None:
    """scikit-image's astronaut (a NASA portrait, 512²), enlarged to 2048² (the face, for
    portrait-2: a 2304×2304 crop from a 4.5× enlargement) with light sensor noise: skin tones and a
    face at a size this benchmark needs; softer than a real 2048-px portrait."""
    from skimage import data

    face = Image.fromarray(data.astronaut())
    if picture.name == "portrait-1.jpg":
        big = face.resize((2048, 2048), Image.Resampling.LANCZOS)
    else:
        big = face.resize((2304, 2304), Image.Resampling.LANCZOS, box=(96, 0, 416, 320))
    save(picture, sensor_noise(big, seed=7 + len(picture.name), sigma=3.0))


def alpha(picture: Picture) -> None:
    """Transparency: anti-aliased shapes with soft shadows, or a product cut-out with a shadow."""
    if picture.name == "alpha-shapes.png":
        image = Image.new("RGBA", (2560, 1600), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        for index, colour in enumerate(((220, 40, 60), (30, 140, 220), (250, 190, 20), (40, 170, 90))):
            x = 200 + index * 560
            draw.ellipse((x, 300, x + 500, 800), fill=(*colour, 255))
            draw.rounded_rectangle((x + 40, 900, x + 460, 1300), 60, fill=(*colour, 160))
        shadow = image.resize((640, 400), Image.Resampling.BOX).resize((2560, 1600), Image.Resampling.BICUBIC)
        Image.alpha_composite(shadow, image).save(picture.path, "PNG")
        return
    product_path = SETS / "tuning" / "product-1.png"
    if not product_path.exists():
        product(next(p for p in PICTURES if p.name == "product-1.png"))
    rgb = Image.open(product_path).convert("RGB")
    lightness = np.asarray(rgb.convert("L"), dtype=np.float64)
    mask = np.clip((250 - lightness) * 6, 0, 255).astype(np.uint8)
    cut = rgb.convert("RGBA")
    cut.putalpha(Image.fromarray(mask).filter(ImageFilter.GaussianBlur(1)))
    cut.save(picture.path, "PNG")


GENERATORS = {"product": product, "screen": screen, "logo": logo, "portrait": portrait, "alpha": alpha}


def contact_sheet(path: Path) -> None:
    """Thumbnails of every picture with its set, for docs."""
    cell, cols = (240, 170), 9
    sheet = Image.new("RGB", (cell[0] * cols, cell[1] * ((len(PICTURES) + cols - 1) // cols)), "white")
    draw = ImageDraw.Draw(sheet)
    for index, picture in enumerate(PICTURES):
        image = Image.open(picture.path)
        image.draft("RGB", (cell[0] * 2, cell[1] * 2))
        flat = Image.alpha_composite(Image.new("RGBA", image.size, (200, 200, 200, 255)), image.convert("RGBA"))
        flat.thumbnail((cell[0] - 8, cell[1] - 22))
        x, y = index % cols * cell[0], index // cols * cell[1]
        sheet.paste(flat.convert("RGB"), (x + 4, y + 18))
        draw.text((x + 4, y + 2), f"{picture.split[0].upper()} {picture.name}"[:34], fill="black")
    out = io.BytesIO()
    sheet.save(out, "PNG", optimize=True)
    path.write_bytes(out.getvalue())


if __name__ == "__main__":
    make()
    for split in ("tuning", "heldout", "policy"):
        chosen = pictures(split)
        sizes = [Image.open(p.path).size for p in chosen]
        megapixels = [w * h / 1e6 for w, h in sizes]
        print(f"{split}: {len(chosen)} pictures, {min(megapixels):.1f}–{max(megapixels):.1f} MP")
        assert all(2 <= m <= 12 for m in megapixels), [(p.name, s) for p, s in zip(chosen, sizes, strict=True)]
