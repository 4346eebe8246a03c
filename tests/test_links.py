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
from resizer.fields import ImageField
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
