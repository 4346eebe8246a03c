"""The grammar of trim, rotate, flip, crop box, focal point, blur, sharpen, pixelate, watermark,
byte budget and expiring links: parsed, built, canonicalised, refused; exp_ outside the rendition."""

from __future__ import annotations

from decimal import Decimal

import pytest

from resizer.core.errors import BadRequest, Forbidden
from resizer.core.naming import rendition_name
from resizer.core.policy import Policy, sign
from resizer.core.spec import Grammar, RenditionSpec

PRESETS = {"listing": "w_800/wm_logo", "turned": "r_90", "soft": "bl_2/sh_20"}
grammar = Grammar(PRESETS, max_dimension=4096, watermarks=("logo",))
D = Decimal

ROUND_TRIP = [
    ("t_10/cat.jpg", RenditionSpec("cat.jpg", trim=10)),
    ("r_90/cat.jpg", RenditionSpec("cat.jpg", rotate=90)),
    ("r_270/fl_h/cat.jpg", RenditionSpec("cat.jpg", rotate=270, flip="h")),
    ("cr_0.5:0:0.5:1/cat.jpg", RenditionSpec("cat.jpg", region=(D("0.5"), D(0), D("0.5"), D(1)))),
    (
        "cr_0.1234:0.25:0.5:0.75/w_300/cat.jpg",
        RenditionSpec("cat.jpg", 300, region=(D("0.1234"), D("0.25"), D("0.5"), D("0.75"))),
    ),
    (
        "w_300/h_300/c_fill/g_fp:0.25:0.8/cat.jpg",
        RenditionSpec("cat.jpg", 300, 300, crop="fill", gravity="fp:0.25:0.8"),
    ),
    ("g_fp:0:1/cat.jpg", RenditionSpec("cat.jpg", gravity="fp:0:1")),
    ("w_400/bl_2.5/cat.jpg", RenditionSpec("cat.jpg", 400, blur=D("2.5"))),
    ("bl_50/sh_100/px_256/cat.jpg", RenditionSpec("cat.jpg", blur=D(50), sharpen=100, pixelate=256)),
    ("wm_logo/cat.jpg", RenditionSpec("cat.jpg", watermark="logo")),
    ("q_60/mb_100000/f_webp/cat.jpg", RenditionSpec("cat.jpg", quality=60, max_bytes=100000, format="webp")),
    ("mb_1024/f_png/cat.jpg", RenditionSpec("cat.jpg", max_bytes=1024, format="png")),  # kept as written
    (
        "t_5/r_180/fl_h/cr_0:0:0.5:0.5/w_10/bl_0.1/sh_1/px_2/wm_logo/q_1/mb_10485760/f_avif/v_2/cat.jpg",
        RenditionSpec(
            "cat.jpg",
            10,
            trim=5,
            rotate=180,
            flip="h",
            region=(D(0), D(0), D("0.5"), D("0.5")),
            blur=D("0.1"),
            sharpen=1,
            pixelate=2,
            watermark="logo",
            quality=1,
            max_bytes=10485760,
            format="avif",
            version="2",
        ),
    ),
    ("p_listing/cat.jpg", RenditionSpec("cat.jpg", 800, watermark="logo", preset="listing")),
    ("p_soft/w_100/cat.jpg", RenditionSpec("cat.jpg", 100, blur=D(2), sharpen=20, preset="soft")),
]


@pytest.mark.parametrize(("path", "spec"), ROUND_TRIP, ids=[row[0] for row in ROUND_TRIP])
def test_round_trip(path: str, spec: RenditionSpec) -> None:
    parsed = grammar.parse(path)
    assert parsed.spec == spec
    assert parsed.canonical
    assert grammar.build_path(spec) == path


NON_CANONICAL = [
    # fl_v is spelled as a half turn and a mirror.
    ("fl_v/cat.jpg", "r_180/fl_h/cat.jpg"),
    ("r_90/fl_v/cat.jpg", "r_270/fl_h/cat.jpg"),
    ("r_180/fl_v/cat.jpg", "fl_h/cat.jpg"),
    ("r_270/fl_v/cat.jpg", "r_90/fl_h/cat.jpg"),
    ("fl_h/r_90/cat.jpg", "r_90/fl_h/cat.jpg"),
    ("w_100/t_10/cat.jpg", "t_10/w_100/cat.jpg"),
    ("t_010/cat.jpg", "t_10/cat.jpg"),
    # Fractions: a leading 0, no trailing zeros, 0 and 1 without a point; the defaults unspelled.
    ("cr_.5:0:.5:1/cat.jpg", "cr_0.5:0:0.5:1/cat.jpg"),
    ("cr_0.50:0.0:0.500:1.0/cat.jpg", "cr_0.5:0:0.5:1/cat.jpg"),
    ("cr_+0.5:0:0.5:1/cat.jpg", "cr_0.5:0:0.5:1/cat.jpg"),
    ("cr_0:0:1:1/w_10/cat.jpg", "w_10/cat.jpg"),
    ("w_10/h_10/c_fill/g_fp:0.5:0.5/cat.jpg", "w_10/h_10/c_fill/cat.jpg"),
    ("g_fp:.25:0.80/cat.jpg", "g_fp:0.25:0.8/cat.jpg"),
    ("bl_2.0/cat.jpg", "bl_2/cat.jpg"),
    ("bl_02/cat.jpg", "bl_2/cat.jpg"),
    ("px_08/sh_05/cat.jpg", "sh_5/px_8/cat.jpg"),
    ("f_webp/mb_2048/cat.jpg", "mb_2048/f_webp/cat.jpg"),
    ("wm_logo/bl_1/cat.jpg", "bl_1/wm_logo/cat.jpg"),
    ("exp_2000000000/w_10/cat.jpg", "w_10/exp_2000000000/cat.jpg"),
]


@pytest.mark.parametrize(("path", "canonical"), NON_CANONICAL, ids=[row[0] for row in NON_CANONICAL])
def test_non_canonical_spellings_name_their_canonical_form(path: str, canonical: str) -> None:
    parsed = grammar.parse(path)
    assert not parsed.canonical
    assert parsed.path == canonical
    assert grammar.parse(canonical).spec == parsed.spec and grammar.parse(canonical).canonical


REJECTED = [
    ("t_0/cat.jpg", "t_0"),
    ("t_101/cat.jpg", "t_101"),
    ("r_0/cat.jpg", "r_0"),
    ("r_45/cat.jpg", "r_45"),
    ("r_360/cat.jpg", "r_360"),
    ("r_-90/cat.jpg", "r_-90"),
    ("fl_x/cat.jpg", "fl_x"),
    ("fl_h/fl_v/cat.jpg", "more than once"),
    ("cr_0:0:1/cat.jpg", "cr_"),
    ("cr_0:0:0:1/cat.jpg", "inside the picture"),
    ("cr_0.6:0:0.5:1/cat.jpg", "inside the picture"),
    ("cr_0:0:1.1:1/cat.jpg", "cr_"),
    ("cr_0.12345:0:0.5:1/cat.jpg", "cr_"),
    ("cr_a:b:c:d/cat.jpg", "cr_"),
    ("g_fp:1.5:0/cat.jpg", "g_fp:1.5:0"),
    ("g_fp:0.5/cat.jpg", "g_fp"),
    ("g_fp:0.5:0.5:0.5/cat.jpg", "g_fp"),
    ("bl_0/cat.jpg", "bl_0"),
    ("bl_50.1/cat.jpg", "bl_50.1"),
    ("bl_1.25/cat.jpg", "bl_1.25"),
    ("bl_-1/cat.jpg", "bl_-1"),
    ("sh_0/cat.jpg", "sh_0"),
    ("sh_101/cat.jpg", "sh_101"),
    ("px_1/cat.jpg", "px_1"),
    ("px_257/cat.jpg", "px_257"),
    ("wm_nope/cat.jpg", "unknown watermark"),
    ("mb_1023/cat.jpg", "mb_1023"),
    ("mb_10485761/cat.jpg", "mb_10485761"),
    ("exp_123/cat.jpg", "exp_123"),
    ("exp_0123456789/cat.jpg", "exp_0123456789"),
    ("exp_20000000000/cat.jpg", "exp_20000000000"),
    ("p_turned/fl_v/cat.jpg", "already set by preset"),
    ("p_listing/wm_logo/cat.jpg", "already set by preset"),
]


@pytest.mark.parametrize(("path", "message"), REJECTED, ids=[row[0] for row in REJECTED])
def test_rejected(path: str, message: str) -> None:
    with pytest.raises(BadRequest) as refused:
        grammar.parse(path)
    assert message in refused.value.message


def test_a_preset_cannot_carry_an_expiry() -> None:
    with pytest.raises(ValueError, match="no exp_"):
        Grammar({"late": "w_10/exp_2000000000"})


def test_an_expiring_link_shares_the_rendition_of_the_link_without_it() -> None:
    expiring, plain = grammar.parse("w_10/exp_2000000000/cat.jpg"), grammar.parse("w_10/cat.jpg")
    assert expiring.spec == plain.spec and expiring.expires == 2000000000 and plain.expires is None
    assert (
        rendition_name(grammar, expiring.spec, None) == rendition_name(grammar, plain.spec, None) == "cat.jpg/w_10.jpg"
    )
    assert expiring.canonical_url == "/media/w_10/exp_2000000000/cat.jpg"


def test_every_new_option_but_exp_names_its_rendition() -> None:
    names = {rendition_name(grammar, spec, spec.format) for _, spec in ROUND_TRIP}
    assert len(names) == len(ROUND_TRIP)
    assert "cat.jpg/mb_1024,f_png.png" in names  # mb_ is kept, whatever the output format
    spelled = grammar.parse("w_800/wm_logo/cat.jpg").spec
    assert rendition_name(grammar, spelled, None) == rendition_name(grammar, ROUND_TRIP[-2][1], None)


def test_the_signature_covers_the_expiry_and_presets_only_allows_it() -> None:
    key = b"k"
    path = "w_10/exp_2000000000/cat.jpg"
    policy = Policy(signing_keys=(key,))
    policy.check(grammar.parse(f"s_{sign(path, key)}/{path}"))
    later = "w_10/exp_2000000001/cat.jpg"
    with pytest.raises(Forbidden, match="invalid signature"):
        policy.check(grammar.parse(f"s_{sign(path, key)}/{later}"))
    presets_only = Policy(signing_keys=(key,), presets_only=True)
    allowed = "p_listing/exp_2000000000/cat.jpg"
    presets_only.check(grammar.parse(f"s_{sign(allowed, key)}/{allowed}"))
    refused = "p_listing/bl_2/cat.jpg"
    with pytest.raises(Forbidden, match="only presets"):
        presets_only.check(grammar.parse(f"s_{sign(refused, key)}/{refused}"))


def test_make_takes_every_option_by_name() -> None:
    spec = grammar.make("cat.jpg", t=10, r=90, fl="v", cr="0.5:0:0.5:1", w=300, g="fp:0.2:0.3", bl=2, sh=40, px=8)
    assert (spec.trim, spec.rotate, spec.flip, spec.gravity, spec.blur, spec.sharpen, spec.pixelate) == (
        10, 270, "h", "fp:0.2:0.3", D(2), 40, 8,
    )  # fmt: skip
    assert spec.focal_point == (D("0.2"), D("0.3"))
    assert grammar.make_parsed("cat.jpg", w=10, exp=2000000000).expires == 2000000000
