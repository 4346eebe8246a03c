"""The URL grammar: parse and build are exact inverses; malformed spellings are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from resizer.core.errors import BadRequest
from resizer.core.spec import Grammar, RenditionSpec, decode_path

PRESETS = {"thumb": "w_200/h_200/c_fill", "hero": "w_1600/q_70"}
grammar = Grammar(PRESETS, max_dimension=4096)

# Canonical path → the spec it stands for. Each row is checked both ways.
ROUND_TRIP = [
    ("photos/cat.jpg", RenditionSpec("photos/cat.jpg")),
    ("w_400/photos/cat.jpg", RenditionSpec("photos/cat.jpg", width=400)),
    ("w_400/h_300/photos/cat.jpg", RenditionSpec("photos/cat.jpg", width=400, height=300)),
    ("h_300/cat.jpg", RenditionSpec("cat.jpg", height=300)),
    ("w_400/h_300/c_fill/cat.jpg", RenditionSpec("cat.jpg", 400, 300, crop="fill")),
    ("w_400/h_300/c_fill/g_northeast/cat.jpg", RenditionSpec("cat.jpg", 400, 300, crop="fill", gravity="northeast")),
    ("w_400/h_300/c_fill/g_auto/cat.jpg", RenditionSpec("cat.jpg", 400, 300, crop="fill", gravity="auto")),
    ("w_400/h_300/c_pad/bg_ff0000/cat.jpg", RenditionSpec("cat.jpg", 400, 300, crop="pad", background="ff0000")),
    ("w_400/c_pad/bg_00000080/cat.jpg", RenditionSpec("cat.jpg", 400, crop="pad", background="00000080")),
    ("w_400/dpr_2/cat.jpg", RenditionSpec("cat.jpg", 400, dpr=Decimal(2))),
    ("w_400/dpr_1.5/cat.jpg", RenditionSpec("cat.jpg", 400, dpr=Decimal("1.5"))),
    ("w_333/dpr_1.25/cat.jpg", RenditionSpec("cat.jpg", 333, dpr=Decimal("1.25"))),
    ("q_55/cat.jpg", RenditionSpec("cat.jpg", quality=55)),
    ("w_10/f_webp/cat.jpg", RenditionSpec("cat.jpg", 10, format="webp")),
    ("f_avif/cat.jpg", RenditionSpec("cat.jpg", format="avif")),
    ("f_auto/cat.jpg", RenditionSpec("cat.jpg", format="auto")),
    ("f_gif/cat.jpg", RenditionSpec("cat.jpg", format="gif")),
    ("v_2024-01_a/cat.jpg", RenditionSpec("cat.jpg", version="2024-01_a")),
    (
        "w_1/h_4096/c_pad/g_southwest/bg_abcdef12/dpr_1/q_100/f_png/v_x/a/b/c.png".replace("dpr_1/", ""),
        RenditionSpec("a/b/c.png", 1, 4096, "pad", "southwest", "abcdef12", quality=100, format="png", version="x"),
    ),
    ("p_thumb/cat.jpg", RenditionSpec("cat.jpg", 200, 200, crop="fill", preset="thumb")),
    (
        "p_thumb/f_webp/v_3/cat.jpg",
        RenditionSpec("cat.jpg", 200, 200, crop="fill", format="webp", version="3", preset="thumb"),
    ),
    ("p_hero/dpr_2/cat.jpg", RenditionSpec("cat.jpg", 1600, quality=70, dpr=Decimal(2), preset="hero")),
    # Keys whose first segment would read as an option go after the `_` separator.
    ("w_400/_/p_2024/cat.jpg", RenditionSpec("p_2024/cat.jpg", 400)),
    ("_/v_1/cat.jpg", RenditionSpec("v_1/cat.jpg")),
    ("_/_/cat.jpg", RenditionSpec("_/cat.jpg")),
    ("_/s_x.jpg", RenditionSpec("s_x.jpg")),
    ("_/bg_photo.jpg", RenditionSpec("bg_photo.jpg")),
    # …but only those: other underscores are just part of the key.
    ("w_400/my_photo.jpg", RenditionSpec("my_photo.jpg", 400)),
    ("x_1/cat.jpg", RenditionSpec("x_1/cat.jpg")),
    ("W_400/cat.jpg", RenditionSpec("W_400/cat.jpg")),
    ("photos/w_400/cat.jpg", RenditionSpec("photos/w_400/cat.jpg")),
    ("caf\u00e9/\u732b.jpg", RenditionSpec("caf\u00e9/\u732b.jpg")),
    ("a b/c+d%e.jpg", RenditionSpec("a b/c+d%e.jpg")),
    # …but not where the format is the original's or the browser's choice: q_78 differs there.
    ("q_78/cat.png", RenditionSpec("cat.png", quality=78)),
    ("q_78/f_auto/cat.jpg", RenditionSpec("cat.jpg", quality=78, format="auto")),
    ("q_78/f_webp/cat.jpg", RenditionSpec("cat.jpg", quality=78, format="webp")),
]


@pytest.mark.parametrize(("path", "spec"), ROUND_TRIP, ids=[row[0] for row in ROUND_TRIP])
def test_round_trip(path: str, spec: RenditionSpec) -> None:
    parsed = grammar.parse(path)
    assert parsed.spec == spec
    assert parsed.canonical
    assert grammar.build_path(spec) == path


# Valid but not canonical → the canonical spelling (the view answers 301).
NON_CANONICAL = [
    ("h_300/w_400/cat.jpg", "w_400/h_300/cat.jpg"),
    ("w_400/c_fit/cat.jpg", "w_400/cat.jpg"),
    ("w_400/h_400/c_fill/g_center/cat.jpg", "w_400/h_400/c_fill/cat.jpg"),
    ("w_0400/cat.jpg", "w_400/cat.jpg"),
    ("w_400/dpr_2.0/cat.jpg", "w_400/dpr_2/cat.jpg"),
    ("w_400/dpr_1.50/cat.jpg", "w_400/dpr_1.5/cat.jpg"),
    ("w_400/dpr_1/cat.jpg", "w_400/cat.jpg"),
    ("q_080/cat.jpg", "q_80/cat.jpg"),
    ("bg_FF00AA/c_pad/w_10/h_10/cat.jpg", "w_10/h_10/c_pad/bg_ff00aa/cat.jpg"),
    ("bg_ff00aaff/cat.jpg", "bg_ff00aa/cat.jpg"),
    ("f_jpeg/cat.jpg", "f_jpg/cat.jpg"),
    ("w_400/_/cat.jpg", "w_400/cat.jpg"),
    ("_/cat.jpg", "cat.jpg"),
    ("f_webp/p_thumb/cat.jpg", "p_thumb/f_webp/cat.jpg"),
    ("v_1/w_400/cat.jpg", "w_400/v_1/cat.jpg"),
    # q_ at the encoder's default of an explicit format is the rendition without it.
    ("w_400/q_78/f_jpg/cat.jpg", "w_400/f_jpg/cat.jpg"),
    ("q_80/f_webp/cat.jpg", "f_webp/cat.jpg"),
    ("q_55/f_avif/cat.png", "f_avif/cat.png"),
]


@pytest.mark.parametrize(("path", "canonical"), NON_CANONICAL, ids=[row[0] for row in NON_CANONICAL])
def test_non_canonical_spellings_name_their_canonical_form(path: str, canonical: str) -> None:
    parsed = grammar.parse(path)
    assert not parsed.canonical
    assert parsed.path == canonical
    assert grammar.parse(canonical).spec == parsed.spec


def test_signature_segment_is_kept_apart_from_the_canonical_path() -> None:
    signature = "A" * 43
    parsed = grammar.parse(f"s_{signature}/h_3/w_4/cat.jpg")
    assert parsed.signature == signature
    assert parsed.path == "w_4/h_3/cat.jpg"
    assert not parsed.canonical
    assert grammar.parse(f"s_{signature}/w_4/h_3/cat.jpg").canonical


REJECTED = [
    ("", "missing image key"),
    ("w_400", "missing image key"),
    ("w_400/", "missing image key"),
    ("w_400/_", "missing image key"),
    ("w_abc/cat.jpg", "w_abc"),
    ("w_/cat.jpg", "w_"),
    ("w_0/cat.jpg", "w_0"),
    ("w_-1/cat.jpg", "w_-1"),
    ("w_+4/cat.jpg", "w_+4"),
    ("w_4.5/cat.jpg", "w_4.5"),
    ("w_4097/cat.jpg", "w_4097"),
    ("w_99999999999999999999/cat.jpg", "w_9999"),
    ("h_0/cat.jpg", "h_0"),
    ("w_400/w_500/cat.jpg", "more than once"),
    ("w_400/h_3/w_400/cat.jpg", "more than once"),
    ("c_crop/cat.jpg", "c_crop"),
    ("c_FILL/cat.jpg", "c_FILL"),
    ("g_up/cat.jpg", "g_up"),
    ("bg_fff/cat.jpg", "bg_fff"),
    ("bg_gggggg/cat.jpg", "bg_gggggg"),
    ("bg_ff00ff0/cat.jpg", "bg_ff00ff0"),
    ("dpr_0.5/cat.jpg", "dpr_0.5"),
    ("dpr_5/cat.jpg", "dpr_5"),
    ("dpr_1.505/cat.jpg", "dpr_1.505"),
    ("dpr_x/cat.jpg", "dpr_x"),
    ("dpr_1e0/cat.jpg", "dpr_1e0"),
    ("w_3000/dpr_2/cat.jpg", "exceeds 4096"),
    ("h_2049/dpr_2/cat.jpg", "exceeds 4096"),
    ("q_0/cat.jpg", "q_0"),
    ("q_101/cat.jpg", "q_101"),
    ("f_bmp/cat.jpg", "f_bmp"),
    ("f_/cat.jpg", "f_"),
    ("v_/cat.jpg", "v_"),
    ("v_a.b/cat.jpg", "v_a.b"),
    ("v_" + "a" * 65 + "/cat.jpg", "v_"),
    ("p_nope/cat.jpg", "unknown preset"),
    ("p_2024/cat.jpg", "unknown preset"),
    ("p_thumb/w_300/cat.jpg", "already set by preset"),
    ("p_thumb/c_fit/cat.jpg", "already set by preset"),
    ("p_thumb/p_hero/cat.jpg", "more than once"),
    ("w_400/s_" + "A" * 43 + "/cat.jpg", "first segment"),
    ("s_" + "A" * 43 + "/s_" + "A" * 43 + "/cat.jpg", "first segment"),
    ("w_400/../cat.jpg", "dot segment"),
    ("w_400/a/../../cat.jpg", "dot segment"),
    ("./cat.jpg", "dot segment"),
    ("a/./cat.jpg", "dot segment"),
    ("a/%2e%2e/cat.jpg", "dot segment"),
    ("a/%252e%252e/cat.jpg", "dot segment"),
    ("a/%2e%2e%2fcat.jpg", "dot segment"),
    ("a//cat.jpg", "empty segment"),
    ("/cat.jpg", "empty segment"),
    ("a\\..\\cat.jpg", "backslash"),
    ("cat\x00.jpg", "control character"),
    ("cat\n.jpg", "control character"),
    ("cat\x7f.jpg", "control character"),
    ("cat%00.jpg", "control character"),
    ("a" * 1025, "longer than 1024"),
    ("\u732b" * 342, "longer than 1024"),
]


@pytest.mark.parametrize(("path", "message"), REJECTED, ids=[row[0][:40] for row in REJECTED])
def test_malformed_paths_are_rejected(path: str, message: str) -> None:
    with pytest.raises(BadRequest) as error:
        grammar.parse(path)
    assert error.value.status == 400
    assert message in error.value.message


def test_longest_key_is_accepted() -> None:
    assert grammar.parse("a" * 1024).spec.key == "a" * 1024


def test_decode_path_decodes_exactly_once_as_strict_utf8() -> None:
    assert decode_path(b"w_400/caf%C3%A9.jpg") == "w_400/caf\u00e9.jpg"
    assert decode_path(b"a%252e.jpg") == "a%2e.jpg"
    with pytest.raises(BadRequest, match="UTF-8"):
        decode_path(b"caf%E9.jpg")


@pytest.mark.parametrize(
    ("width", "height", "dpr", "expected"),
    [
        (400, 300, "1", (400, 300)),
        (400, None, "2", (800, None)),
        (333, None, "1.5", (500, None)),  # 499.5 rounds half up
        (1, 1, "1.25", (1, 1)),
        (None, 3, "1.5", (None, 5)),  # 4.5 → 5
    ],
)
def test_target_box_rounds_half_up(width, height, dpr, expected) -> None:
    assert RenditionSpec("k", width, height, dpr=Decimal(dpr)).target == expected


def test_make_builds_the_same_spec_as_the_url() -> None:
    assert (
        grammar.make("cat.jpg", w=400, c="fill", h=300, dpr=2) == grammar.parse("w_400/h_300/c_fill/dpr_2/cat.jpg").spec
    )
    assert grammar.make("p_x/cat.jpg", p="thumb").key == "p_x/cat.jpg"
    with pytest.raises(BadRequest):
        grammar.make("cat.jpg", w=0)
    with pytest.raises(BadRequest):
        grammar.make("cat.jpg", width=10)


@pytest.mark.parametrize(
    "presets",
    [{"x": "w_0"}, {"x": "p_y"}, {"x": ""}, {"x": "w_10/cat.jpg"}, {"bad name": "w_1"}, {"x": "w_1/w_2"}],
)
def test_bad_presets_are_refused_at_configuration(presets) -> None:
    with pytest.raises((ValueError, BadRequest)):
        Grammar(presets)
