"""Blur, sharpen, pixelate and the byte budget on generated pictures whose pixels are known."""

from __future__ import annotations

import math
import random
from decimal import Decimal

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat

from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.core.watermarks import Watermark
from resizer.imaging import budget, effects, encoders, geometry, pipeline
from resizer.imaging.overlay import Overlay
from tests.support.images import decode, encode, frames_of, quadrants

LIMITS = Limits()


def render(data: bytes, output: str | None = "png", **options: object) -> Image.Image:
    return decode(pipeline.render(data, RenditionSpec("k", **options), output, LIMITS).body)


def photo(size: tuple[int, int] = (800, 600), seed: int = 7) -> bytes:
    """Smooth colour fields and grain: a photograph's detail, drawn without a file."""
    random.seed(seed)
    coarse = Image.new("RGB", (size[0] // 40, size[1] // 40))
    coarse.putdata([tuple(random.randrange(256) for _ in range(3)) for _ in range(coarse.width * coarse.height)])
    fields = coarse.resize(size, Image.Resampling.BICUBIC)
    grain = Image.merge("RGB", [Image.effect_noise(size, 40)] * 3)
    return encode(Image.blend(fields, grain, 0.25), "PNG")


def laplacian_rms(image: Image.Image) -> float:
    """The RMS of the 4-neighbour Laplacian of the grey picture (its contrast at the pixel scale),
    in plain Python: the Kernel filter clips its result to 0 … 255."""
    grey = image.convert("L")
    width, height = grey.size
    px = grey.tobytes()
    total = squares = count = 0
    for y in range(1, height - 1):
        row = y * width
        for x in range(1, width - 1):
            i = row + x
            value = px[i - 1] + px[i + 1] + px[i - width] + px[i + width] - 4 * px[i]
            total += value
            squares += value * value
            count += 1
    mean = total / count
    return math.sqrt(squares / count - mean * mean)


# -- blur and sharpen --------------------------------------------------------------------------


def test_blur_lowers_and_sharpen_raises_the_laplacian_variance_at_the_same_size() -> None:
    data = photo()
    plain, blurred, sharpened = (
        render(data, width=400, **extra) for extra in ({}, {"blur": Decimal(1)}, {"sharpen": 100})
    )
    assert plain.size == blurred.size == sharpened.size == (400, 300)
    base = laplacian_rms(plain)
    assert laplacian_rms(blurred) < 0.5 * base
    # sh_100 "about doubles local contrast": the pixel-scale contrast, measured as above.
    assert 1.7 < laplacian_rms(sharpened) / base < 2.5
    gentle = laplacian_rms(render(data, width=400, sharpen=10))
    assert base < gentle < laplacian_rms(sharpened)


@pytest.mark.parametrize("width", [200, 400])
def test_the_blur_sigma_is_in_output_pixels(width: int) -> None:
    """Across a sharp edge a Gaussian of sigma s rises from 16 % to 84 % over 2 s pixels, whatever
    the output's size: the edge between the red and green quadrants, in the green channel."""
    image = render(encode(quadrants((800, 600)), "PNG"), width=width, blur=Decimal(4)).convert("RGB")
    row = [image.getpixel((x, image.height // 4))[1] for x in range(image.width)]
    rise = [x for x, value in enumerate(row) if 0.16 * 255 <= value <= 0.84 * 255]
    assert 7 <= len(rise) <= 9, row[width // 2 - 12 : width // 2 + 12]


def psnr(image: Image.Image, reference: Image.Image) -> float:
    rms = ImageStat.Stat(ImageChops.difference(image, reference)).rms
    return 10 * math.log10(255 * 255 / max(sum(v * v for v in rms) / len(rms), 1e-9))


@pytest.mark.parametrize("sigma", [0.1, 0.3, 0.6, 0.7, 1, 1.1, 1.2, 1.5, 1.9, 2, 3, 5, 9, 20, 50])
def test_the_fast_blur_is_pillows_gaussian_blur_to_within_44_db(sigma: float) -> None:
    """Small separable kernels below sigma 2, a smaller copy from there: each within 44 dB of
    Pillow's GaussianBlur, also on the edges (repeated outwards, as Pillow's are)."""
    picture = decode(photo((400, 300))).convert("RGB")
    fast, exact = effects.gaussian(picture, sigma), picture.filter(ImageFilter.GaussianBlur(sigma))
    assert fast.size == picture.size
    assert psnr(fast, exact) > 44
    border = (0, 0, 400, 2)
    assert psnr(fast.crop(border), exact.crop(border)) > 40
    if sigma < effects.BLUR_DIRECT_BELOW:
        # No drift of the mean: the truncations of the horizontal and vertical passes cancel.
        means = zip(ImageStat.Stat(fast).mean, ImageStat.Stat(picture).mean, strict=True)
        assert all(abs(after - before) < 0.15 for after, before in means)


def test_a_tall_picture_smoothed_in_bands_is_the_picture_smoothed_whole(monkeypatch) -> None:
    picture = Image.effect_noise((300, 2 * effects.STRIP_ROWS + 77), 50).convert("RGB")
    banded = effects.smoothed(picture, 0.2, 0.01)
    monkeypatch.setattr(effects, "STRIP_ROWS", 10**6)
    whole = effects.smoothed(picture, 0.2, 0.01)
    assert banded.size == whole.size == (296, picture.height - 4)
    assert ImageChops.difference(banded, whole).getbbox() is None


@pytest.mark.parametrize("amount", [1, 10, 50, 100])
def test_sharpen_is_the_3x3_unsharp_kernel_to_within_45_db_and_keeps_the_outermost_pixels(amount: int) -> None:
    picture = decode(photo((400, 300))).convert("RGB")
    gain = amount * effects.SHARPEN_PER_STEP
    binomial = (1, 2, 1, 2, 4, 2, 1, 2, 1)
    weights = [(1 + gain if index == 4 else 0) - gain * weight / 16 for index, weight in enumerate(binomial)]
    exact = picture.filter(ImageFilter.Kernel((3, 3), weights, scale=1))
    ours = effects.sharpen(picture, amount)
    assert psnr(ours, exact) > 45
    means = zip(ImageStat.Stat(ours).mean, ImageStat.Stat(exact).mean, strict=True)
    assert all(abs(a - b) < 0.6 for a, b in means)  # blend truncates where the Kernel rounds
    inner = (1, 1, 399, 299)
    assert ImageChops.difference(ours.crop(inner), picture.crop(inner)).getbbox() is not None
    frame = ImageChops.difference(ours, picture)
    frame.paste((0, 0, 0), inner)
    assert frame.getbbox() is None  # the outermost pixels, as the kernel leaves them


@pytest.mark.parametrize("sigma", ["0.7", "0.8", "1.2", "2", "6"])
def test_a_blurred_render_may_decode_and_resample_coarsely_within_44_db_of_the_sharp_ones_blur(sigma: str) -> None:
    """From bl_0.7 the downscale is bicubic, from bl_0.8 a JPEG is decoded onto the output size
    (here at 1/4, 400 px, where the plain render decodes at 1/2), from bl_1.2 the downscale is
    bilinear: the result stays within 44 dB of Pillow's GaussianBlur of the plain (Lanczos, with
    headroom) render."""
    data = encode(decode(photo((1600, 1200))).convert("RGB"), "JPEG", quality=92)
    plan = geometry.plan((1600, 1200), RenditionSpec("k", 360))
    assert (pipeline.denominator(plan), pipeline.denominator(plan, headroom=1.0)) == (2, 4)
    plain = render(data, width=360)
    blurred = render(data, width=360, blur=Decimal(sigma))
    assert blurred.size == plain.size == (360, 270)
    assert psnr(blurred.convert("RGB"), plain.convert("RGB").filter(ImageFilter.GaussianBlur(float(sigma)))) > 44


@pytest.mark.parametrize(
    ("sigma", "coarse_decode", "downscale"),
    [
        (None, False, Image.Resampling.LANCZOS),
        ("0.6", False, Image.Resampling.LANCZOS),
        ("0.7", False, Image.Resampling.BICUBIC),
        ("0.8", True, Image.Resampling.BICUBIC),
        ("1.1", True, Image.Resampling.BICUBIC),
        ("1.2", True, Image.Resampling.BILINEAR),
        ("50", True, Image.Resampling.BILINEAR),
    ],
)
def test_only_a_blur_that_hides_it_gets_the_coarser_decode_and_the_bilinear_downscale(
    sigma: str | None, coarse_decode: bool, downscale: Image.Resampling
) -> None:
    """Below bl_0.8 the coarser decode, below bl_0.7 the bicubic and below bl_1.2 the bilinear
    downscale would show (`bench/effects.py accuracy`); sh_ wants every bit of the Lanczos'
    sharpness."""
    spec = RenditionSpec("k", 360, blur=None if sigma is None else Decimal(sigma), sharpen=50)
    assert effects.decodes_onto_output(spec) is coarse_decode
    assert effects.downscale_filter(spec) == downscale


def test_an_upscale_before_a_blur_stays_lanczos() -> None:
    data = photo((200, 150))
    plain = render(data, width=400)
    blurred = render(data, width=400, blur=Decimal(2))
    assert psnr(blurred.convert("RGB"), plain.convert("RGB").filter(ImageFilter.GaussianBlur(2))) > 44


def test_a_blurred_transparent_edge_fades_out_without_going_dark() -> None:
    """An opaque white square on a transparent (black) ground: the blurred edge is white, ever
    more transparent; blurring colour and alpha apart would darken it to grey."""
    source = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    source.paste((255, 255, 255, 255), (50, 50, 150, 150))
    image = render(encode(source, "PNG"), blur=Decimal(3), sharpen=20, pixelate=2).convert("RGBA")
    edge = [pixel for pixel in image.get_flattened_data() if 16 <= pixel[3] <= 240]
    assert len(edge) > 200  # the edge is soft
    assert all(min(pixel[:3]) >= 240 for pixel in edge), sorted(edge)[:5]


# -- pixelate ----------------------------------------------------------------------------------


@pytest.mark.parametrize("side", [2, 7, 16])
def test_pixelate_gives_uniform_blocks_from_the_top_left_each_the_mean_of_its_pixels(side: int) -> None:
    """430×330 is no multiple of the sides: the blocks on the right and bottom edges are cut."""
    noise = Image.merge(
        "RGB", [Image.effect_noise((430, 330), 60)] * 2 + [Image.linear_gradient("L").resize((430, 330))]
    )
    # The step itself: each block exactly the mean of its pixels.
    blocky = effects.pixelate(noise, side)
    check_blocks(noise, blocky, side, tolerance=1)
    # Through the pipeline and the PNG encoder, which may write a palette when that is faithful
    # (encoders.png: at most 16 levels off for 0.1 % of values): the blocks stay uniform.
    rendered = render(encode(noise, "PNG"), pixelate=side).convert("RGB")
    check_blocks(noise, rendered, side, tolerance=16)


def check_blocks(plain: Image.Image, blocky: Image.Image, side: int, tolerance: int) -> None:
    assert blocky.size == (430, 330)
    for top in range(0, 330, side):
        for left in range(0, 430, side):
            box = (left, top, min(left + side, 430), min(top + side, 330))
            colours = blocky.crop(box).getcolors()
            assert len(colours) == 1, (box, colours[:3])
            mean = [sum(channel) / len(channel) for channel in zip(*plain.crop(box).get_flattened_data(), strict=True)]
            assert all(abs(a - b) <= tolerance for a, b in zip(colours[0][1], mean, strict=True)), (box, colours, mean)
    assert len(blocky.getcolors(1 << 20)) > 50  # blocks, not one colour


# -- the byte budget ---------------------------------------------------------------------------


def counted(image: Image.Image, fmt: str, calls: list[int]):
    def encode_at(quality: int) -> bytes:
        calls.append(quality)
        return encoders.encode(image, fmt, quality)

    return encode_at


@pytest.mark.parametrize("fmt", ["jpg", "webp", "avif"])
@pytest.mark.parametrize("share", [0.9, 0.6, 0.35])
def test_a_byte_budget_is_met_at_a_lower_quality_in_at_most_six_encodes(fmt: str, share: float) -> None:
    assert_budget_met(fmt, share)


@pytest.mark.parametrize("share", [0.9, 0.6, 0.35])
def test_a_jpeg_byte_budget_is_met_with_either_jpeg_encoder(jpeg_encoder: str, share: float) -> None:
    assert_budget_met("jpg", share)


def assert_budget_met(fmt: str, share: float) -> None:
    image = decode(photo((400, 300))).convert("RGB")
    start = encoders.DEFAULT_QUALITY[fmt]
    full = len(encoders.encode(image, fmt, start))
    limit = int(full * share)
    calls: list[int] = []
    body = budget.fit(counted(image, fmt, calls), start, limit)
    assert len(body) <= limit, (calls, len(body), limit)
    assert 2 <= len(calls) <= budget.MOST_ENCODES and calls[0] == start and min(calls) >= budget.FLOOR
    chosen = next(q for q in calls if encoders.encode(image, fmt, q) == body)
    # The highest quality that fits, or within a point or two of it.
    assert len(encoders.encode(image, fmt, min(start, chosen + 3))) > limit or chosen + 3 > start
    assert budget.fit(counted(image, fmt, []), start, limit) == body  # deterministic


@pytest.mark.parametrize("fmt", ["jpg", "webp", "avif"])
def test_a_budget_nothing_fits_answers_the_smallest_encode_made(fmt: str) -> None:
    image = decode(photo((400, 300))).convert("RGB")
    calls: list[int] = []
    body = budget.fit(counted(image, fmt, calls), encoders.DEFAULT_QUALITY[fmt], 1024)
    assert len(body) > 1024
    assert calls[-1] == budget.FLOOR and len(calls) <= budget.MOST_ENCODES
    assert body == min((encoders.encode(image, fmt, q) for q in calls), key=len)


def test_a_budget_never_goes_below_the_floor_nor_below_a_lower_q() -> None:
    image = decode(photo((400, 300))).convert("RGB")
    calls: list[int] = []
    budget.fit(counted(image, "jpg", calls), 5, 1024)
    assert calls == [5]  # q_5 is already under the floor: nothing lower is tried


LOSSY_LIMITS = {"jpg": 6000, "webp": 6000, "avif": 4000}


def test_the_pipeline_keeps_lossy_outputs_within_their_budget_and_leaves_png_and_gif_alone() -> None:
    data = photo()
    for output in ("jpg", "webp", "avif", "png", "gif"):
        unbounded = pipeline.render(data, RenditionSpec("k", 400), output, LIMITS).body
        limit = LOSSY_LIMITS.get(output, 1024)
        bounded = pipeline.render(data, RenditionSpec("k", 400, max_bytes=limit), output, LIMITS).body
        assert len(unbounded) > limit, output
        if output not in LOSSY_LIMITS:
            assert bounded == unbounded, output  # lossless: mb_ changes nothing
            continue
        assert len(bounded) <= limit, output
        assert decode(bounded).size == (400, 300)
        roomy = pipeline.render(data, RenditionSpec("k", 400, max_bytes=len(unbounded)), output, LIMITS).body
        assert roomy == unbounded, output  # a budget that the default quality meets changes nothing


# -- animations --------------------------------------------------------------------------------


def noisy_animation(frames: int = 3, size: tuple[int, int] = (240, 160)) -> bytes:
    """A GIF whose frames are each a different grey noise: detail on every frame."""
    pictures = [Image.effect_noise(size, 40 + 20 * index).convert("RGB") for index in range(frames)]
    return encode(pictures[0], "GIF", save_all=True, append_images=pictures[1:], duration=[100] * frames, loop=0)


def a_mark() -> Overlay:
    """A 200×100 opaque magenta mark, put top-left at a quarter of the output's width."""
    return Overlay.decode(
        Watermark("logo", "marks/logo.png", "northwest", scale=0.25, margin=0),
        encode(Image.new("RGBA", (200, 100), (255, 0, 255, 255)), "PNG"),
    )


def test_effects_and_the_watermark_hit_every_frame_of_an_animated_gif() -> None:
    data = noisy_animation()
    plain = frames_of(pipeline.render(data, RenditionSpec("k"), None, LIMITS).body)
    blurred = frames_of(pipeline.render(data, RenditionSpec("k", blur=Decimal(2)), None, LIMITS).body)
    spec = RenditionSpec("k", pixelate=8, watermark="logo")
    marked = frames_of(pipeline.render(data, spec, None, LIMITS, a_mark()).body)
    assert len(plain) == len(blurred) == len(marked) == 3
    for before, after in zip(plain, blurred, strict=True):
        assert laplacian_rms(after) < 0.5 * laplacian_rms(before)
    for frame in marked:
        assert frame.size == (240, 160)
        # The mark, 60×30 at the top-left corner, over the blocks (watermark after pixelate).
        assert all(abs(a - b) <= 8 for a, b in zip(frame.getpixel((30, 15)), (255, 0, 255), strict=True))
        for top in range(32, 160, 8):
            for left in range(0, 240, 8):
                assert len(frame.crop((left, top, left + 8, top + 8)).getcolors()) == 1, (left, top)


@pytest.mark.parametrize("output", ["webp", "avif"])
def test_an_animated_webp_or_avif_keeps_to_its_budget(output: str) -> None:
    data = noisy_animation(size=(160, 120))
    unbounded = pipeline.render(data, RenditionSpec("k"), output, LIMITS).body
    limit = len(unbounded) * 3 // 4
    bounded = pipeline.render(data, RenditionSpec("k", max_bytes=limit), output, LIMITS).body
    assert len(bounded) <= limit
    assert decode(bounded).n_frames == 3
