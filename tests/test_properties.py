"""Properties of the URL grammar and of key validation, over generated inputs (hypothesis).

The tables in test_spec.py pin known spellings; these look for the ones nobody thought of.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from urllib.parse import quote, unquote

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from resizer.core.errors import BadRequest
from resizer.core.policy import Policy, sign
from resizer.core.spec import (
    CROPS,
    FORMATS,
    GRAVITIES,
    MAX_KEY_BYTES,
    MEDIA_PREFIX,
    SEPARATOR,
    Grammar,
    ParsedURL,
    RenditionSpec,
    encode_path,
    validate_key,
)

PRESETS = {"thumb": "w_200/h_200/c_fill", "hero": "w_1600/q_70"}
WATERMARKS = ("logo", "stamp-2")
grammar = Grammar(PRESETS, max_dimension=4096, watermarks=WATERMARKS)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- generated specs -------------------------------------------------------------------------------

safe_segment = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 _.,+é猫-]{0,11}", fullmatch=True).filter(
    lambda s: s not in (".", "..")
)
option_like = st.sampled_from(["p_2024", "v_1", "_", "w_400", "s_x", "bg_photo", "c_fill"])
keys = st.lists(st.one_of(safe_segment, option_like), min_size=1, max_size=4).map("/".join)
dprs = st.integers(100, 400).map(lambda cents: (Decimal(cents) / 100).normalize())


@st.composite
def specs(draw: st.DrawFn) -> RenditionSpec:
    dpr = draw(dprs)
    bound = int(4096 / dpr)
    side = st.none() | st.integers(1, bound)
    return RenditionSpec(
        key=draw(keys),
        width=draw(side),
        height=draw(side),
        crop=draw(st.sampled_from(CROPS)),
        gravity=draw(st.sampled_from(GRAVITIES)),
        background=draw(st.none() | st.from_regex(r"[0-9a-f]{6}", fullmatch=True)),
        dpr=dpr,
        quality=draw(st.none() | st.integers(1, 100)),
        format=draw(st.none() | st.sampled_from(FORMATS)),
        version=draw(st.none() | st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)),
        trim=draw(st.none() | st.integers(1, 100)),
        rotate=draw(st.sampled_from((0, 90, 180, 270))),
        flip=draw(st.sampled_from((None, "h"))),
        region=draw(st.none() | regions()),
        blur=draw(st.none() | st.integers(1, 500).map(lambda tenths: (Decimal(tenths) / 10).normalize())),
        sharpen=draw(st.none() | st.integers(1, 100)),
        pixelate=draw(st.none() | st.integers(2, 256)),
        watermark=draw(st.none() | st.sampled_from(sorted(WATERMARKS))),
        max_bytes=draw(st.none() | st.integers(1024, 10485760)),
    )


def fractions_up_to(limit: int) -> st.SearchStrategy[Decimal]:
    """Fractions with at most 4 decimals, from 0 to limit/10000."""
    return st.integers(0, limit).map(lambda n: (Decimal(n) / 10000).normalize())


@st.composite
def regions(draw: st.DrawFn) -> tuple[Decimal, ...] | None:
    x, y = draw(fractions_up_to(9999)), draw(fractions_up_to(9999))
    w = draw(st.integers(1, int((1 - x) * 10000)).map(lambda n: (Decimal(n) / 10000).normalize()))
    h = draw(st.integers(1, int((1 - y) * 10000)).map(lambda n: (Decimal(n) / 10000).normalize()))
    region = (x, y, w, h)
    return None if region == (0, 0, 1, 1) else region


focal_points = st.tuples(fractions_up_to(10000), fractions_up_to(10000)).filter(
    lambda point: point != (Decimal("0.5"), Decimal("0.5"))
)


@SETTINGS
@given(specs(), st.none() | st.integers(1000000000, 9999999999), st.none() | focal_points)
def test_parse_of_build_is_the_spec(spec: RenditionSpec, expires: int | None, point: tuple | None) -> None:
    if point is not None:
        spec = replace(spec, gravity="fp:" + ":".join(format(p, "f") for p in point))
    parsed = grammar.parse(grammar.build_path(spec, expires))
    assert parsed.spec == spec
    assert parsed.expires == expires
    assert parsed.canonical


@SETTINGS
@given(st.sampled_from(sorted(PRESETS)), specs())
def test_parse_of_build_is_the_spec_with_presets(preset: str, spec: RenditionSpec) -> None:
    values = grammar.presets[preset]
    spec = RenditionSpec(**{**spec.__dict__, **values, "preset": preset})
    if any(v is not None and v * spec.dpr > 4096 for v in (spec.width, spec.height)):
        return
    parsed = grammar.parse(grammar.build_path(spec))
    assert parsed.spec == spec and parsed.canonical


# -- arbitrary paths ---------------------------------------------------------------------------------

option_segment = st.builds(
    "{}_{}".format,
    st.sampled_from(["w", "h", "c", "g", "bg", "dpr", "q", "f", "v", "p"]),
    st.one_of(
        st.integers(0, 5000).map(str),
        st.from_regex(r"0[0-9]{1,3}", fullmatch=True),
        st.sampled_from([*CROPS, *GRAVITIES, *FORMATS, "jpeg", "thumb", "hero", "1.50", "2.0", "FF00AA", ""]),
    ),
)
path_segment = st.one_of(option_segment, safe_segment, st.sampled_from(["_", ".", "..", "", "%2e%2e", "a\\b"]))
paths = st.lists(path_segment, min_size=0, max_size=8).map("/".join)


@SETTINGS
@given(paths)
@example("h_300/w_0400/c_fit/cat.jpg")
def test_build_of_parse_is_the_canonical_path(path: str) -> None:
    try:
        parsed = grammar.parse(path)
    except BadRequest:
        return
    rebuilt = grammar.build_path(parsed.spec)
    assert rebuilt == parsed.path
    assert (rebuilt == path) == parsed.canonical
    again = grammar.parse(rebuilt)
    assert again.spec == parsed.spec and again.canonical


@SETTINGS
@given(st.text(max_size=200))
def test_parse_refuses_anything_it_cannot_read_with_a_400_only(path: str) -> None:
    try:
        grammar.parse(path)
    except BadRequest as error:
        assert error.status == 400


# -- spellings of one URL: every alias answers one 301, to a URL that answers no other ---------------

SIGNING_KEY = b"property-key"
# Keys with the characters the builder escapes (quote's reserved set, `%`, spaces, non-ASCII) and not.
escaped_keys = st.lists(
    st.from_regex(r"[A-Za-z0-9%~][A-Za-z0-9 _.,+%~:@!$&'()*;=\[\]é猫-]{0,11}", fullmatch=True),
    min_size=1,
    max_size=3,
).map("/".join)


def valid(key: str) -> bool:
    try:
        validate_key(key)
    except BadRequest:
        return False
    return True


def percent(char: str, upper: bool) -> str:
    escaped = "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return escaped if upper else escaped.lower()


@st.composite
def spellings(draw: st.DrawFn) -> tuple[RenditionSpec, str | None, str]:
    """A spec, the signature its canonical URL carries (when signed) and a random spelling of it:
    options in any order, maybe an unneeded `_`, maybe an `s_` segment where nothing is signed,
    and any character sent raw, as the builder escapes it, or percent-encoded in either case."""
    spec = draw(specs())
    key = draw(st.one_of(st.just(spec.key), escaped_keys.filter(valid)))
    spec = RenditionSpec(**{**spec.__dict__, "key": key})
    options = grammar.option_parts(spec)
    canonical = grammar.build_path(spec)
    rest = canonical.split("/")[len(options) :]  # the key, after `_` where it is needed
    if rest[0] != SEPARATOR and draw(st.booleans()):
        rest = [SEPARATOR, *rest]
    segments = [*draw(st.permutations(options)), *rest]
    signed = draw(st.booleans())
    signature = sign(canonical, SIGNING_KEY) if signed else None
    if signed or draw(st.booleans()):  # unsigned: any well-formed signature, which is not canonical
        segments.insert(0, f"s_{signature or draw(st.from_regex(r'[A-Za-z0-9_-]{43}', fullmatch=True))}")
    spelled = []
    for char in "/".join(segments):
        how = draw(st.sampled_from(["raw", "builder", "upper", "lower"]))
        if how == "raw" and char != "%":  # a raw `%` would start an escape
            spelled.append(char)
        elif how in ("upper", "lower"):
            spelled.append(percent(char, how == "upper"))
        else:
            spelled.append(encode_path(char))
    return spec, signature, "".join(spelled)


def follow(sent: str, policy: Policy) -> ParsedURL:
    """What the service decides for a path as sent: parse, check, and the URL it would spell."""
    parsed = grammar.parse_request(sent)
    policy.check(parsed)
    return policy.served(parsed)


@SETTINGS
@given(spellings())
@example((RenditionSpec("cat.jpg", 100), None, "w%5F100/cat.jpg"))
@example((RenditionSpec("cat.jpg", 100), None, "%77_100/cat.jpg"))
@example((RenditionSpec("fz/small.jpg", 100), None, "w_100/fz%2Fsmall.jpg"))
@example((RenditionSpec("cat.jpg", 100), None, "s_" + "A" * 43 + "/w_100/cat.jpg"))
@example((RenditionSpec("caf\u00e9.jpg"), None, "caf%c3%a9.jpg"))
@example(
    (
        RenditionSpec("cat.jpg", 100),
        sign("w_100/cat.jpg", SIGNING_KEY),
        f"s%5F{sign('w_100/cat.jpg', SIGNING_KEY)}/w_100/cat.jpg",
    )
)
def test_every_spelling_redirects_once_to_a_url_that_parses_as_canonical(
    spelling: tuple[RenditionSpec, str | None, str],
) -> None:
    spec, signature, sent = spelling
    policy = Policy(signing_keys=(SIGNING_KEY,)) if signature else Policy()
    first = follow(sent, policy)  # a differently escaped spelling still verifies: decoded, canonical
    assert first.spec == spec and first.signature == signature
    target = first.canonical_url
    signed = f"s_{signature}/" if signature else ""
    assert target == MEDIA_PREFIX + signed + encode_path(grammar.build_path(spec))
    assert first.canonical == (MEDIA_PREFIX + sent == target)
    second = follow(target.removeprefix(MEDIA_PREFIX), policy)
    assert second.canonical and second.spec == spec and second.canonical_url == target


# -- key validation --------------------------------------------------------------------------------


def encoded(text: str, depth: int) -> str:
    for _ in range(depth):
        text = quote(text, safe="")
    return text


hostile_piece = st.one_of(
    st.sampled_from([".", "..", "/", "\\", "%", "%2e", "%2E", "%2f", "%5c", "%00", "\x00", "\n", "\x85", "é"]),
    st.text(alphabet="a.%25ef/\\", min_size=1, max_size=6),
)
hostile_keys = st.one_of(
    st.lists(hostile_piece, min_size=1, max_size=12).map("".join),
    st.tuples(st.sampled_from(["..", ".", "a/../b", "x\x01"]), st.integers(1, 6)).map(lambda t: encoded(*t)),
    st.tuples(keys, st.sampled_from(["/../", "/./", "/%2e%2e/", "//"]), keys).map("".join),
)


def layers(key: str) -> list[str]:
    """The key and every percent-decoding of it, down to a fixed point."""
    found = [key]
    while (decoded := unquote(found[-1])) != found[-1]:
        found.append(decoded)
    return found


@SETTINGS
@given(hostile_keys)
@example(encoded("..", 6))
@example("a/%252525252e%252525252e/b")
def test_no_accepted_key_hides_a_dot_segment_or_a_control_character(key: str) -> None:
    try:
        validate_key(key)
    except BadRequest:
        return
    assert 0 < len(key.encode()) <= MAX_KEY_BYTES
    assert "\\" not in key and "" not in key.split("/")
    for layer in layers(key):
        assert not CONTROL.search(layer), layer
        assert not {".", ".."} & set(re.split(r"[/\\]", layer)), layer


@SETTINGS
@given(keys)
def test_ordinary_keys_are_accepted(key: str) -> None:
    validate_key(key)  # dots inside names, spaces, unicode and option-like segments are all fine
