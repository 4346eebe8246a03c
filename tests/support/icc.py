"""ICC profiles built in the tests, and the colour maths that checks what lcms does with them.

Pillow's ImageCms can only create sRGB, Lab and XYZ profiles, so Display P3 (a matrix/TRC profile)
and a CMYK press profile (a lut16 A2B0 table) are written here byte by byte, as ICC v2.1
(ICC.1:2001-04). The expected colours in the tests come from the formulas below, not from lcms.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from itertools import product

Matrix = list[list[float]]
D50 = (0.9642, 1.0, 0.8249)
D65_XY = (0.3127, 0.3290)
P3_PRIMARIES = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))
SRGB_PRIMARIES = ((0.640, 0.330), (0.300, 0.600), (0.150, 0.060))
ADOBE_PRIMARIES = ((0.640, 0.330), (0.210, 0.710), (0.150, 0.060))
ADOBE_GAMMA = 563 / 256
BRADFORD = [[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]]


# -- colour maths ------------------------------------------------------------------------------


def srgb_to_linear(value: float) -> float:
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def linear_to_srgb(value: float) -> float:
    value = min(1.0, max(0.0, value))
    return value * 12.92 if value <= 0.0031308 else 1.055 * value ** (1 / 2.4) - 0.055


def mat_vec(m: Matrix, v: Sequence[float]) -> list[float]:
    return [sum(m[i][j] * v[j] for j in range(3)) for i in range(3)]


def mat_mul(a: Matrix, b: Matrix) -> Matrix:
    return [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def inverse(m: Matrix) -> Matrix:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    cof = [
        [e * i - f * h, c * h - b * i, b * f - c * e],
        [f * g - d * i, a * i - c * g, c * d - a * f],
        [d * h - e * g, b * g - a * h, a * e - b * d],
    ]
    return [[value / det for value in row] for row in cof]


def xy_to_xyz(x: float, y: float) -> list[float]:
    return [x / y, 1.0, (1 - x - y) / y]


def rgb_to_xyz(primaries: Sequence[tuple[float, float]], white: tuple[float, float] = D65_XY) -> Matrix:
    """The RGB → XYZ matrix of a colour space (SMPTE RP 177)."""
    columns = [xy_to_xyz(*p) for p in primaries]
    m = [[columns[j][i] for j in range(3)] for i in range(3)]
    scale = mat_vec(inverse(m), xy_to_xyz(*white))
    return [[m[i][j] * scale[j] for j in range(3)] for i in range(3)]


def adapt_to_d50(white: Sequence[float]) -> Matrix:
    """Bradford chromatic adaptation from `white` (XYZ) to the ICC's D50 PCS."""
    source, target = mat_vec(BRADFORD, white), mat_vec(BRADFORD, D50)
    diagonal = [[target[i] / source[i] if i == j else 0.0 for j in range(3)] for i in range(3)]
    return mat_mul(inverse(BRADFORD), mat_mul(diagonal, BRADFORD))


def convert(rgb: Sequence[int], source: Matrix, target: Matrix, decode=srgb_to_linear) -> tuple[int, ...]:
    """An 8-bit colour from one RGB space (tone curve `decode`) to sRGB-toned `target`, both D65."""
    linear = [decode(c / 255) for c in rgb]
    out = mat_vec(inverse(target), mat_vec(source, linear))
    return tuple(round(linear_to_srgb(c) * 255) for c in out)


def p3_to_srgb(rgb: Sequence[int]) -> tuple[int, ...]:
    return convert(rgb, rgb_to_xyz(P3_PRIMARIES), rgb_to_xyz(SRGB_PRIMARIES))


def adobe_to_srgb(rgb: Sequence[int]) -> tuple[int, ...]:
    return convert(rgb, rgb_to_xyz(ADOBE_PRIMARIES), rgb_to_xyz(SRGB_PRIMARIES), lambda v: v**ADOBE_GAMMA)


def srgb_to_lab_d50(rgb: Sequence[float]) -> tuple[float, float, float]:
    """sRGB (0…1) → CIE Lab relative to D50, as the ICC PCS wants it."""
    xyz_d65 = mat_vec(rgb_to_xyz(SRGB_PRIMARIES), [srgb_to_linear(c) for c in rgb])
    xyz = mat_vec(adapt_to_d50(xy_to_xyz(*D65_XY)), xyz_d65)

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = (f(v / w) for v, w in zip(xyz, D50, strict=True))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


# -- profile writing ---------------------------------------------------------------------------


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz_tag(xyz: Sequence[float]) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in xyz)


def _desc_tag(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    # textDescriptionType: ASCII, then empty Unicode and ScriptCode parts (67-byte field).
    return b"desc\0\0\0\0" + struct.pack(">I", len(ascii_text)) + ascii_text + b"\0" * 8 + b"\0\0\0" + b"\0" * 67


def _srgb_curve(entries: int = 1024) -> bytes:
    values = [round(srgb_to_linear(i / (entries - 1)) * 65535) for i in range(entries)]
    return b"curv\0\0\0\0" + struct.pack(">I", entries) + struct.pack(f">{entries}H", *values)


def _profile(device_class: bytes, space: bytes, pcs: bytes, tags: dict[bytes, bytes]) -> bytes:
    offset = 128 + 4 + 12 * len(tags)
    table, data = [], b""
    for signature, body in tags.items():
        body += b"\0" * (-len(body) % 4)
        table.append(struct.pack(">4sII", signature, offset + len(data), len(body)))
        data += body
    size = offset + len(data)
    header = (
        struct.pack(">I4sI4s4s4s", size, b"none", 0x02100000, device_class, space, pcs)
        + b"\0" * 12  # date
        + b"acsp"
        + b"\0" * 24  # platform, flags, manufacturer, model, attributes
        + struct.pack(">I", 0)  # perceptual
        + b"".join(_s15(v) for v in D50)
        + b"\0" * 48  # creator, id, reserved
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + b"".join(table) + data


def matrix_profile(name: str, primaries: Sequence[tuple[float, float]]) -> bytes:
    """An RGB display profile with these primaries, a D65 white and the sRGB tone curve."""
    to_pcs = mat_mul(adapt_to_d50(xy_to_xyz(*D65_XY)), rgb_to_xyz(primaries))
    curve = _srgb_curve()
    tags = {
        b"desc": _desc_tag(name),
        b"wtpt": _xyz_tag(D50),
        b"rXYZ": _xyz_tag([row[0] for row in to_pcs]),
        b"gXYZ": _xyz_tag([row[1] for row in to_pcs]),
        b"bXYZ": _xyz_tag([row[2] for row in to_pcs]),
        b"rTRC": curve,
        b"gTRC": curve,
        b"bTRC": curve,
        b"cprt": b"text\0\0\0\0" + b"public domain\0",
    }
    return _profile(b"mntr", b"RGB ", b"XYZ ", tags)


def grey_profile(gamma: float) -> bytes:
    """A grey display profile with a plain gamma tone curve (1.0: linear light)."""
    tags = {
        b"desc": _desc_tag(f"Grey gamma {gamma} (test)"),
        b"wtpt": _xyz_tag(D50),
        b"kTRC": b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)),
    }
    return _profile(b"mntr", b"GRAY", b"XYZ ", tags)


def display_p3() -> bytes:
    return matrix_profile("Display P3 (test)", P3_PRIMARIES)


# What each ink looks like alone on the paper (sRGB, 0…255): deliberately unlike Pillow's naive
# CMYK → RGB, so a test can tell that the profile was used.
PAPER = (250, 248, 240)
INKS = {"c": (0, 158, 224), "m": (228, 0, 124), "y": (255, 237, 0), "k": (35, 31, 32)}


def cmyk_corner(c: int, m: int, y: int, k: int) -> tuple[float, ...]:
    """sRGB (0…1) of full inks over paper: transmittances multiply in linear light."""
    linear = [srgb_to_linear(v / 255) for v in PAPER]
    for on, ink in zip((c, m, y, k), INKS.values(), strict=True):
        if on:
            transmittance = [srgb_to_linear(i / 255) / srgb_to_linear(w / 255) for i, w in zip(ink, PAPER, strict=True)]
            linear = [p * t for p, t in zip(linear, transmittance, strict=True)]
    return tuple(linear_to_srgb(v) for v in linear)


def cmyk_profile() -> bytes:
    """A press profile: an A2B0 lut16 with a 2-point grid, each corner one of the ink mixtures."""
    grid = b""
    for corner in product((0, 1), repeat=4):  # C slowest, K fastest, as the CLUT is laid out
        lab = srgb_to_lab_d50(cmyk_corner(*corner))
        # lut16 uses the legacy (v2) Lab encoding: L 0…100 → 0…0xFF00, a/b -128…128 → 0…0xFFFF.
        light, a, b = lab
        grid += struct.pack(">3H", round(light * 0xFF00 / 100), round((a + 128) * 256), round((b + 128) * 256))
    identity_table = struct.pack(">2H", 0, 65535)
    lut = (
        b"mft2\0\0\0\0"
        + struct.pack(">BBBB", 4, 3, 2, 0)
        + b"".join(_s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
        + struct.pack(">HH", 2, 2)
        + identity_table * 4
        + grid
        + identity_table * 3
    )
    tags = {b"desc": _desc_tag("Test press (CMYK)"), b"wtpt": _xyz_tag(D50), b"A2B0": lut}
    return _profile(b"prtr", b"CMYK", b"Lab ", tags)
