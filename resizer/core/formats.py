"""The formats, in one table: the name in URLs and file names, the MIME type, what an original of
that format is called by Pillow, alpha, animation, the default quality, the magic bytes; and
`f_auto`'s choice among them. Adding an output format is a row here and an encoder
(imaging/encoders.py).

HEIC/HEIF originals are decoded through pillow-heif when it is installed (the `heif` extra);
imaging/decoders.py then adds HEIF to the decoder allow-list. It is never an output format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str  # as in f_<name> and a rendition's extension
    mime: str
    pillow: tuple[str, ...]  # Pillow's names of an original in this format (its "own" format)
    alpha: bool
    animation: bool
    quality: int | None  # the encoder's default (None: lossless)
    magic: tuple[bytes, ...]  # how its bytes start (RIFF/ISO-BMFF formats: see `sniff`)
    aliases: tuple[str, ...] = ()  # other spellings of f_<name>, redirected to it
    extensions: tuple[str, ...] = ()  # other file extensions of an original in this format


# The qualities give the same picture quality in every format (median SSIM ≈0.957–0.960 on the
# benchmark set, at or above libjpeg's own q80, the peers' default), so f_auto changes the bytes,
# not the look. They are the grammar's defaults too: `f_jpg/q_78` is spelled `f_jpg`.
TABLE = (
    Format("jpg", "image/jpeg", ("JPEG", "MPO"), False, False, 78, (b"\xff\xd8\xff",), ("jpeg",), ("jpeg", "jpe")),
    Format("png", "image/png", ("PNG",), True, False, None, (b"\x89PNG\r\n\x1a\n",)),
    Format("webp", "image/webp", ("WEBP",), True, True, 80, ()),
    Format("avif", "image/avif", ("AVIF",), True, True, 55, ()),
    Format("gif", "image/gif", ("GIF",), True, True, None, (b"GIF87a", b"GIF89a")),
)
BY_NAME = {f.name: f for f in TABLE}

OUTPUTS = tuple(f.name for f in TABLE)  # f_ values, besides `auto`
ALIASES = {alias: f.name for f in TABLE for alias in f.aliases}
CONTENT_TYPES = {f.name: f.mime for f in TABLE}
OWN_FORMATS = {pillow: f.name for f in TABLE for pillow in f.pillow}  # the original's own output
JPEG_FAMILY = frozenset(BY_NAME["jpg"].pillow)  # Pillow's names for a JPEG original (MPO: extra images)
ALPHA_FORMATS = frozenset(f.name for f in TABLE if f.alpha)
ANIMATED_FORMATS = frozenset(f.name for f in TABLE if f.animation)
DEFAULT_QUALITY = {f.name: f.quality for f in TABLE if f.quality is not None}
EXTENSIONS = {ext: f.name for f in TABLE for ext in (f.name, *f.extensions)}


def for_extension(key: str) -> str:
    """The output a key's extension names (a default rendition's file extension); JPEG otherwise."""
    extension = key.rsplit("/", 1)[-1].rpartition(".")[2].lower()
    return EXTENSIONS.get(extension, "jpg")


def sniff(body: bytes) -> str:
    """The MIME type of a rendition, read from its bytes (we only ever store our encoders' output)."""
    for f in TABLE:
        if any(body.startswith(magic) for magic in f.magic):
            return f.mime
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return BY_NAME["webp"].mime
    if body[4:12] in (b"ftypavif", b"ftypavis"):
        return BY_NAME["avif"].mime
    return "application/octet-stream"


# -- f_auto ----------------------------------------------------------------------------------------

AUTO_OUTPUTS = ("avif", "webp", None)  # what f_auto may resolve to (None: the default format)


def accepted(accept: str | None) -> str | None:
    """f_auto: AVIF if Accept names image/avif, else WebP if it names image/webp (`*/*` names
    neither; a type with a weight of zero is not acceptable, RFC 9110 §12.5.1). `accept` is every
    Accept field line of the request, combined as one list (§5.3)."""
    named = set()
    for item in _split((accept or "").lower(), ","):  # media types are case-insensitive (§8.3.1)
        kind, *params = (part.strip() for part in _split(item, ";"))
        if _acceptable(params):
            named.add(kind)
    for output in AUTO_OUTPUTS:
        if output is not None and BY_NAME[output].mime in named:
            return output
    return None


# A list's element, or a media range's parameter, ends at a separator outside a quoted string
# (RFC 9110 §5.6.4: in `x="a,b";q=0` the comma and the weight belong to one media range).
_PIECES = {separator: re.compile(rf'(?:[^{separator}"]|"(?:[^"\\]|\\.)*"?)+') for separator in ",;"}


def _split(text: str, separator: str) -> list[str]:
    return _PIECES[separator].findall(text)


# RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")


def _acceptable(params: list[str]) -> bool:
    """False when the range's weight is zero in any spelling (`q=0`, `q=0.`, `Q=0.000`), or is no
    qvalue at all (`q=abc`, `q=2`): a weight we cannot read is not taken as a yes. Parameter names
    are case-insensitive (§5.6.6); blanks around `=`, which the grammar does not allow, are forgiven."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "q":
            value = value.strip()
            return bool(_QVALUE.fullmatch(value)) and float(value) > 0
    return True
