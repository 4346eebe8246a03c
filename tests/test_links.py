"""The tags and the Python API, in process: markup parsed as HTML and checked attribute by attribute.

No I/O is the rule: the model instances here use a storage that fails on any call.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest
from django.core.files.storage import Storage
from django.db import models
from django.template import Context, Template
from django.template.backends.jinja2 import Jinja2
from django.test import override_settings

import resizer
from resizer.core.policy import sign
from resizer.fields import CropField, FocusField, ImageField
from tests.support.markup import Document, srcset

KEY = "photos/café, \"quoted\" & <tagged> 'x'.jpg"
SIGNING = {"RESIZER_SIGNING_KEY": "tag-secret", "RESIZER_BASE_URL": "https://cdn.example.com"}


class NoIO(Storage):
    """Any storage call is a failure: the tags must never open a file or ask a storage."""

    def __getattribute__(self, name: str):
        if name in ("deconstruct", "__class__", "__reduce__", "__dict__"):
            return super().__getattribute__(name)
        raise AssertionError(f"storage.{name} called")


class Photo(models.Model):
    image = ImageField(storage=NoIO(), width_field="width", height_field="height")
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    plain = models.ImageField(storage=NoIO())

    class Meta:
        app_label = "resizer"


class EditedPhoto(models.Model):
    """A photo whose editor chose a crop box and a focal point (fractions of the upright original)."""

    image = ImageField(
        storage=NoIO(), width_field="width", height_field="height", crop_field="crop", focus_field="focus"
    )
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    crop = CropField()
    focus = FocusField()

    class Meta:
        app_label = "resizer"


def edited(crop: str = "0.1:0.2:0.5:0.5", focus: str = "0.3:0.4") -> EditedPhoto:
    # A 3000×2000 original: the crop is its 1500×1000 region from (300, 400); the focal point
    # (900, 800) is at 0.4:0.4 of that region.
    return EditedPhoto(image="photos/edited.jpg", width=3000, height=2000, crop=crop, focus=focus)


def render(source: str, **context: object) -> str:
    return Template("{% load resizer %}" + source).render(Context(context))


def verified(url: str) -> str:
    """The canonical decoded path a URL carries, once its signature has been checked."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "cdn.example.com")
    assert parts.path.startswith("/media/s_")
    signature, _, encoded = parts.path.removeprefix("/media/s_").partition("/")
    path = unquote(encoded)
    assert signature == sign(path, b"tag-secret"), url
    return path


@override_settings(**SIGNING)
def test_image_url_is_canonical_signed_prefixed_and_the_same_from_python() -> None:
    url = render("{% image_url key h=300 w=400 c='fill' %}", key=KEY)
    assert verified(url) == f"w_400/h_300/c_fill/{KEY}"
    assert url == resizer.image_url(KEY, w=400, h=300, c="fill")
    for char in " \"'&<>,é":
        assert char not in urlsplit(url).path


@override_settings(**SIGNING, RESIZER_PRESETS={"thumb": "w_200/h_200/c_fill"})
def test_presets_by_name() -> None:
    url = render("{% image_url key p='thumb' f='webp' %}", key="a.jpg")
    assert verified(url) == "p_thumb/f_webp/a.jpg"
    with pytest.raises(ValueError, match="already set by preset"):
        resizer.image_url("a.jpg", p="thumb", w=300)


def test_a_key_that_reads_as_an_option_gets_the_separator() -> None:
    assert resizer.image_url("p_2024/cat.jpg", w=10) == "/media/w_10/_/p_2024/cat.jpg"


@override_settings(RESIZER_WIDTHS=[320, 640])
def test_the_tags_refuse_what_the_service_would_refuse() -> None:
    with pytest.raises(ValueError, match="w_500"):
        resizer.image_url("a.jpg", w=500)
    with pytest.raises(ValueError, match="unknown option"):
        resizer.image_url("a.jpg", width=500)
    # Without widths, RESIZER_WIDTHS is the list.
    assert [w for _, w in srcset(resizer.image_srcset("a.jpg"))] == [320, 640]


@override_settings(**SIGNING)
def test_srcset_candidates_are_signed_and_commas_in_keys_are_encoded() -> None:
    value = render("{% image_srcset key widths='640,320' q=70 %}", key=KEY)
    candidates = srcset(value)
    assert [w for _, w in candidates] == [320, 640]
    assert [verified(url) for url, _ in candidates] == [f"w_{w}/q_70/{KEY}" for w in (320, 640)]


def test_srcset_advertises_the_width_each_candidate_really_has() -> None:
    # An 800-wide original: w_960 renders 800 wide (never enlarge), w_1280 adds nothing new.
    value = resizer.image_srcset("a.jpg", "320,640,960,1280", original_size="800x600")
    assert srcset(value) == [("/media/w_320/a.jpg", 320), ("/media/w_640/a.jpg", 640), ("/media/w_960/a.jpg", 800)]


@override_settings(**SIGNING)
def test_picture_markup_attribute_by_attribute() -> None:
    html = render(
        "{% image_picture key widths='320,640,960' sizes='(max-width: 600px) 100vw, 600px' alt=alt "
        "formats='avif,webp' original_size='1200x800' class='hero' %}",
        key=KEY,
        alt='A "cat" & <dog>, café',
    )
    document = Document(html)
    assert document.events == ["<picture>", "<source>", "<source>", "<img>", "</picture>"]
    avif, webp = document.all("source")
    (img,) = document.all("img")
    sizes = "(max-width: 600px) 100vw, 600px"
    for source, fmt, kind in ((avif, "avif", "image/avif"), (webp, "webp", "image/webp")):
        assert set(source.attrs) == {"type", "srcset", "sizes"}
        assert source.attrs["type"] == kind and source.attrs["sizes"] == sizes
        paths = [(verified(url), w) for url, w in srcset(source.attrs["srcset"])]
        assert paths == [(f"w_{w}/f_{fmt}/{KEY}", w) for w in (320, 640, 960)]
    assert set(img.attrs) == {"src", "srcset", "sizes", "alt", "width", "height", "loading", "decoding", "class"}
    assert img.attrs["alt"] == 'A "cat" & <dog>, café'
    assert (img.attrs["width"], img.attrs["height"]) == ("960", "640")
    assert (img.attrs["loading"], img.attrs["decoding"], img.attrs["class"]) == ("lazy", "async", "hero")
    assert img.attrs["sizes"] == sizes
    assert [(verified(url), w) for url, w in srcset(img.attrs["srcset"])] == [
        (f"w_{w}/{KEY}", w) for w in (320, 640, 960)
    ]
    assert verified(img.attrs["src"]) == f"w_960/{KEY}"


def test_picture_placeholder_is_a_tiny_low_quality_rendition_as_background() -> None:
    html = resizer.image_picture("a b.jpg", "320,640", placeholder=True, h=300, c="fill")
    (img,) = Document(html).all("img")
    assert img.attrs["style"] == 'background:url("/media/w_32/h_15/c_fill/q_30/a%20b.jpg") center/cover no-repeat'
    assert "style" not in Document(resizer.image_picture("a.jpg", "320")).all("img")[0].attrs


def test_picture_refuses_formats_it_cannot_name_a_type_for() -> None:
    with pytest.raises(ValueError, match="auto"):
        resizer.image_picture("a.jpg", "320", formats="auto")
    with pytest.raises(ValueError, match="w descriptors"):
        resizer.image_srcset("a.jpg", "320", dpr=2)


def test_width_and_height_come_from_the_models_dimension_fields_without_io() -> None:
    photo = Photo(image="photos/wide.jpg", width=3000, height=2000, plain="photos/plain.jpg")
    html = render("{% image_picture photo.image widths='320,640' %}", photo=photo)
    (img,) = Document(html).all("img")
    assert (img.attrs["width"], img.attrs["height"]) == ("640", "427")  # 2000 × 640/3000 = 426.67, half up
    # An ImageField without dimension fields: no size known, so no width or height, and still no I/O.
    (plain,) = Document(render("{% image_picture photo.plain widths='320' %}", photo=photo)).all("img")
    assert "width" not in plain.attrs and "height" not in plain.attrs
    assert render("{% image_url photo.plain w=10 %}", photo=photo) == "/media/w_10/photos/plain.jpg"
    with pytest.raises(AssertionError, match=r"storage\.open"):  # what the tags must not do
        _ = photo.image.width


def test_rendered_size_follows_the_pipelines_geometry() -> None:
    cases = [
        ({"w": 200, "h": 200, "c": "fill"}, "1000x500", ("200", "200")),
        ({"w": 200, "h": 200, "c": "pad"}, "1000x500", ("200", "200")),
        ({"h": 100}, "1000x500", ("200", "100")),
        ({"w": 2000, "h": 100, "c": "fill"}, "1000x500", ("1000", "50")),  # box shrunk to fit, aspect kept
    ]
    for options, size, expected in cases:
        widths = options.pop("w", 4000)
        (img,) = Document(resizer.image_picture("a.jpg", [widths], original_size=size, **options)).all("img")
        assert (img.attrs["width"], img.attrs["height"]) == expected, options


@override_settings(**SIGNING)
def test_jinja2_environment_renders_the_same_markup() -> None:
    # The service has no Jinja2 backend: build one the way a site's settings would.
    backend = Jinja2(
        {
            "NAME": "jinja2",
            "DIRS": [],
            "APP_DIRS": False,
            "OPTIONS": {"environment": "resizer.jinja2.environment", "autoescape": True},
        }
    )
    source = (
        "{{ image_picture(key, widths='320,640', alt=alt, formats='webp', original_size='900x600') }}"
        "|{{ image_srcset(key, widths='320') }}|{{ image_url(key, w=5) }}"
    )
    jinja_html = backend.from_string(source).render({"key": KEY, "alt": "<b>"})
    django_html = render(
        "{% image_picture key widths='320,640' alt=alt formats='webp' original_size='900x600' %}"
        "|{% image_srcset key widths='320' %}|{% image_url key w=5 %}",
        key=KEY,
        alt="<b>",
    )
    assert jinja_html == django_html
    assert 'alt="&lt;b&gt;"' in jinja_html


def test_the_tags_take_every_option_by_name_and_an_expiry_rounded_up() -> None:
    marks = {"logo": {"key": "marks/logo.png"}}
    with override_settings(RESIZER_WATERMARKS=marks, **SIGNING):
        url = resizer.image_url("cat.jpg", w=300, r=90, fl="v", t=10, cr="0.5:0:0.5:1", bl=2, sh=40, px=8, wm="logo")
        path = "t_10/r_270/fl_h/cr_0.5:0:0.5:1/w_300/bl_2/sh_40/px_8/wm_logo/cat.jpg"
        assert url == f"https://cdn.example.com/media/s_{sign(path, b'tag-secret')}/{path}"
        before = __import__("time").time()
        expiring = resizer.image_url("cat.jpg", w=300, mb=100000, f="webp", expires=600)
        exp = int(expiring.split("/exp_")[1].split("/")[0])
        assert exp % 300 == 0 and before + 600 <= exp < before + 900
        rendered = Template("{% load resizer %}{% image_url k w=300 expires=600 %}").render(Context({"k": "cat.jpg"}))
        assert f"/exp_{exp}/" in rendered  # pages rendered within minutes write the same URL
        with pytest.raises(ValueError, match="unknown watermark"):
            resizer.image_url("cat.jpg", wm="nope")
        with pytest.raises(ValueError, match="expires"):
            resizer.image_url("cat.jpg", expires=0)


def every_url(html: str) -> list[str]:
    """Each URL in the markup: src, each srcset candidate, the placeholder's background."""
    urls = []
    for element in Document(html).elements:
        if "src" in element.attrs:
            urls.append(element.attrs["src"])
        if "srcset" in element.attrs:
            urls.extend(url for url, _ in srcset(element.attrs["srcset"]))
        if "style" in element.attrs:
            urls.append(element.attrs["style"].split('url("')[1].split('")')[0])
    return urls


@override_settings(**SIGNING)
def test_the_tags_add_the_editors_crop_and_focal_point_to_every_url_of_the_image_without_io() -> None:
    photo = edited()
    html = render(
        "{% image_picture photo.image widths='320,640' formats='avif,webp' placeholder=True %}"
        "<img src=\"{% image_url photo.image w=200 h=200 c='fill' %}\""
        " srcset=\"{% image_srcset photo.image widths='160,320' %}\">",
        photo=photo,
    )
    urls = every_url(html)
    assert len(urls) == 2 * 3 + 1 + 1 + 1 + 2  # per format, the <img> src, the placeholder, the thumbnail, srcset
    for url in urls:
        path = verified(url)
        assert path.startswith("cr_0.1:0.2:0.5:0.5/w_"), path
        assert "/g_fp:0.4:0.4/" in path and path.endswith("/photos/edited.jpg"), path
    assert verified(resizer.image_url(photo.image, w=200, h=200, c="fill")) == (
        "cr_0.1:0.2:0.5:0.5/w_200/h_200/c_fill/g_fp:0.4:0.4/photos/edited.jpg"
    )
    # The key alone carries no framing: it is the model's, read from its fields.
    assert verified(resizer.image_url("photos/edited.jpg", w=200)) == "w_200/photos/edited.jpg"
    # No crop, no focal point: the URLs are as before.
    assert resizer.image_url(edited("", "").image, w=200) == resizer.image_url("photos/edited.jpg", w=200)


def test_an_explicit_cr_or_g_wins_over_the_models() -> None:
    image = edited().image
    cases = [
        ({"g": "north"}, "cr_0.1:0.2:0.5:0.5/w_200/h_200/c_fill/g_north"),
        ({"g": "center"}, "cr_0.1:0.2:0.5:0.5/w_200/h_200/c_fill"),
        ({"cr": "0:0:1:1"}, "w_200/h_200/c_fill/g_fp:0.3:0.4"),  # the whole picture: the point as stored
        ({"cr": "0.2:0.2:0.4:0.4"}, "cr_0.2:0.2:0.4:0.4/w_200/h_200/c_fill/g_fp:0.25:0.5"),  # the point in that box
        ({"cr": "0.5:0.5:0.5:0.5"}, "cr_0.5:0.5:0.5:0.5/w_200/h_200/c_fill/g_fp:0:0"),  # outside it: the nearest corner
        ({"cr": "0:0:1:1", "g": "fp:0.9:0.9"}, "w_200/h_200/c_fill/g_fp:0.9:0.9"),
    ]
    for options, path in cases:
        assert resizer.image_url(image, w=200, h=200, c="fill", **options) == f"/media/{path}/photos/edited.jpg"


@override_settings(RESIZER_PRESETS={"card": "w_300/h_200/c_fill", "smart": "w_300/h_300/c_fill/g_auto"})
def test_a_preset_that_sets_g_or_cr_wins_too() -> None:
    image = edited().image
    assert resizer.image_url(image, p="card") == "/media/p_card/cr_0.1:0.2:0.5:0.5/g_fp:0.4:0.4/photos/edited.jpg"
    assert resizer.image_url(image, p="smart") == "/media/p_smart/cr_0.1:0.2:0.5:0.5/photos/edited.jpg"


def test_the_crop_and_point_follow_the_urls_own_rotation() -> None:
    # r_90 turns the picture: the same region of it is another box of the turned one.
    url = resizer.image_url(edited().image, w=200, h=200, c="fill", r=90)
    assert url == "/media/r_90/cr_0.3:0.1:0.5:0.5/w_200/h_200/c_fill/g_fp:0.6:0.4/photos/edited.jpg"
    # t_ leaves a picture whose size only its pixels tell: nothing is added.
    assert resizer.image_url(edited().image, w=200, t=10) == "/media/t_10/w_200/photos/edited.jpg"


@override_settings(RESIZER_PRESETS={"thumb": "w_200/h_200/c_fill"}, RESIZER_PRESETS_ONLY=True)
def test_under_presets_only_the_framing_is_not_written() -> None:
    # The service would refuse cr_ and g_ there (403): the page keeps working, without them.
    assert resizer.image_url(edited().image, p="thumb") == "/media/p_thumb/photos/edited.jpg"


def test_picture_width_and_height_follow_the_crops_aspect() -> None:
    def img(photo: EditedPhoto, widths: str, **options: object) -> dict[str, str]:
        (found,) = Document(resizer.image_picture(photo.image, widths, **options)).all("img")
        return found.attrs

    # The 1500×1000 region of a 3000×2000 original.
    attrs = img(edited(), "320,640")
    assert (attrs["width"], attrs["height"]) == ("640", "427")
    # A tall region, 750×2000: 640 wide is 1707 high; w_1280 renders 750 wide (never enlarged) and
    # w_1600 adds nothing.
    attrs = img(edited("0:0:0.25:1"), "640,1280,1600")
    assert (attrs["width"], attrs["height"]) == ("750", "2000")
    assert [w for _, w in srcset(attrs["srcset"])] == [640, 750]
    assert (img(edited("0:0:0.25:1"), "640")["height"]) == "1707"
    # A fill box larger than the region is shrunk to fit it, keeping the box's aspect.
    attrs = img(edited("0:0:0.25:0.25"), "1000", h=1000, c="fill")  # a 750×500 region
    assert (attrs["width"], attrs["height"]) == ("500", "500")
    # An explicit whole picture: the original's aspect again.
    assert img(edited(), "600", cr="0:0:1:1")["height"] == "400"


def test_jinja2_writes_the_same_framed_urls() -> None:
    backend = Jinja2(
        {"NAME": "jinja2", "DIRS": [], "APP_DIRS": False, "OPTIONS": {"environment": "resizer.jinja2.environment"}}
    )
    photo = edited()
    source = "{{ image_picture(photo.image, widths='320') }}|{{ image_url(photo.image, w=5, g='south') }}"
    django_source = "{% image_picture photo.image widths='320' %}|{% image_url photo.image w=5 g='south' %}"
    html = backend.from_string(source).render({"photo": photo})
    assert html == render(django_source, photo=photo)
    assert "/media/cr_0.1:0.2:0.5:0.5/w_5/g_south/photos/edited.jpg" in html
    assert 'width="320" height="213"' in html
