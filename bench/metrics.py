"""Picture-quality metrics and BD-rate for the benchmarks: `.venv/bin/python bench/metrics.py` checks them.

- `ssimulacra2(reference, distorted)`: SSIMULACRA2 (Cloudinary/libjxl, 2023), the headline. A thin
  array front end to PyPI's `ssimulacra2` port (its own entry point reads files). Scores run from 100
  (identical) down; ≈90 is visually lossless at 1:1, ≈70 high quality, ≈50 medium, ≈30 low.
- `msssim_luma(reference, distorted)`: multi-scale SSIM (Wang, Simoncelli, Bovik 2003) on BT.601
  luma, Gaussian 11×11 σ 1.5 windows, five scales with the paper's weights.
- `ssim_rgb(reference, distorted)`: SSIM averaged over R, G and B with 7×7 uniform windows: what
  docs/quality.md used to report. Secondary only: it rewards spending luma bits on chroma.
- `bd_rate(curve_a, curve_b)`: Bjøntegaard delta rate of A against B: the mean ratio of bytes at
  equal score over the score range both curves cover (log bytes as a monotone cubic of the score).

`python bench/metrics.py` runs the self-checks: SSIMULACRA2 against reference scores of libjxl's
C++ tool (published with the Rust port imazen/ssimulacra2, src/reference_data.rs, on synthetic
pairs whose pixels we regenerate and check by SHA-256), and BD-rate on curves with a known ratio.
"""

from __future__ import annotations

import hashlib
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage
from scipy.interpolate import PchipInterpolator
from ssimulacra2 import ssimulacra2 as s2

# -- pixels --------------------------------------------------------------------------------------


def rgb(image: Image.Image | np.ndarray, background: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    """H×W×3 float64 in 0..255; transparency composited onto `background`."""
    if isinstance(image, np.ndarray):
        return image.astype(np.float64)
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (*background, 255)), rgba)
    return np.asarray(image.convert("RGB"), dtype=np.float64)


def luma(pixels: np.ndarray) -> np.ndarray:
    return pixels @ np.array([0.299, 0.587, 0.114])


# -- SSIMULACRA2 ---------------------------------------------------------------------------------


def ssimulacra2(reference: Image.Image | np.ndarray, distorted: Image.Image | np.ndarray) -> float:
    """SSIMULACRA2 of `distorted` against `reference` (same size, sRGB), as the port computes it
    from files (`ssimulacra2.compute_ssimulacra2`), minus the file reading."""
    orig_linear, dist_linear = s2.srgb_to_linear(rgb(reference)), s2.srgb_to_linear(rgb(distorted))
    img1 = s2.make_positive_xyb(s2.linear_rgb_to_xyb(orig_linear))
    img2 = s2.make_positive_xyb(s2.linear_rgb_to_xyb(dist_linear))
    msssim = s2.Msssim()
    for scale in range(s2.kNumScales):
        if img1.shape[0] < 8 or img1.shape[1] < 8:
            break
        mu1, mu2 = s2.blur_image(img1), s2.blur_image(img2)
        data = s2.MsssimScale()
        data.avg_ssim = s2.ssim_map(
            mu1, mu2, s2.blur_image(img1 * img1), s2.blur_image(img2 * img2), s2.blur_image(img1 * img2)
        )
        data.avg_edgediff = s2.edge_diff_map(img1, mu1, img2, mu2)
        msssim.scales.append(data)
        if scale < s2.kNumScales - 1:
            orig_linear, dist_linear = s2.downsample(orig_linear, 2, 2), s2.downsample(dist_linear, 2, 2)
            img1 = s2.make_positive_xyb(s2.linear_rgb_to_xyb(orig_linear))
            img2 = s2.make_positive_xyb(s2.linear_rgb_to_xyb(dist_linear))
    return float(msssim.score())


# -- SSIM family ---------------------------------------------------------------------------------

MSSSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def _ssim_terms(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SSIM's luminance and contrast-structure maps, Gaussian σ 1.5 truncated at 11×11."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(values: np.ndarray) -> np.ndarray:
        return ndimage.gaussian_filter(values, 1.5, truncate=3.5 / 1.5, mode="reflect")

    mx, my = blur(x), blur(y)
    vx, vy, cov = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    return (2 * mx * my + c1) / (mx * mx + my * my + c1), (2 * cov + c2) / (vx + vy + c2)


def msssim_luma(reference: Image.Image | np.ndarray, distorted: Image.Image | np.ndarray) -> float:
    x, y = luma(rgb(reference)), luma(rgb(distorted))
    score = 1.0
    for index, weight in enumerate(MSSSIM_WEIGHTS):
        lum, cs = _ssim_terms(x, y)
        last = index == len(MSSSIM_WEIGHTS) - 1
        value = float((lum * cs).mean()) if last else float(cs.mean())
        score *= max(value, 1e-6) ** weight
        if not last:
            h, w = (x.shape[0] // 2) * 2, (x.shape[1] // 2) * 2
            x = x[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
            y = y[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
    return score


def ssim_rgb(reference: Image.Image | np.ndarray, distorted: Image.Image | np.ndarray) -> float:
    """Mean SSIM over R, G, B with 7×7 uniform windows (scikit-image's defaults)."""
    a, b = rgb(reference), rgb(distorted)
    return float(np.mean([_ssim_uniform(a[..., c], b[..., c]) for c in range(3)]))


def _ssim_uniform(x: np.ndarray, y: np.ndarray, window: int = 7) -> float:
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def mean(values: np.ndarray) -> np.ndarray:
        padded = np.pad(values, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
        w = window
        return (padded[w:, w:] - padded[:-w, w:] - padded[w:, :-w] + padded[:-w, :-w]) / (w * w)

    n = window * window
    mx, my = mean(x), mean(y)
    vx = (mean(x * x) - mx * mx) * n / (n - 1)
    vy = (mean(y * y) - my * my) * n / (n - 1)
    cov = (mean(x * y) - mx * my) * n / (n - 1)
    return float((((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))).mean())


METRICS = {"ssimulacra2": ssimulacra2, "msssim_y": msssim_luma, "ssim_rgb": ssim_rgb}


# -- BD-rate -------------------------------------------------------------------------------------

Curve = Sequence[tuple[float, float]]  # (bytes, score) points of one rate–distortion sweep


def monotone(curve: Curve) -> tuple[np.ndarray, np.ndarray]:
    """Scores and log bytes, sorted by bytes, keeping only points that raise the score (an encoder
    sweep can dip at one quality; the upper envelope is what a user choosing a quality gets)."""
    scores, logs = [], []
    for size, score in sorted(curve):
        if not scores or score > scores[-1] + 1e-9:
            scores.append(score)
            logs.append(math.log(size))
    return np.array(scores), np.array(logs)


def bd_rate(curve_a: Curve, curve_b: Curve, min_overlap: float = 0.0) -> float | None:
    """Bytes A spends relative to B at equal score, averaged over the score range both curves
    cover: −0.1 means A needs 10 % fewer bytes. None when the curves share less than
    `min_overlap` of score (or fewer than two points each)."""
    sa, la = monotone(curve_a)
    sb, lb = monotone(curve_b)
    if len(sa) < 2 or len(sb) < 2:
        return None
    low, high = max(sa[0], sb[0]), min(sa[-1], sb[-1])
    if high - low <= max(min_overlap, 1e-9):
        return None
    fa, fb = PchipInterpolator(sa, la), PchipInterpolator(sb, lb)
    mean_log_ratio = (fa.integrate(low, high) - fb.integrate(low, high)) / (high - low)
    return float(math.expm1(mean_log_ratio))


def bytes_at(curve: Curve, score: float) -> float | None:
    """Bytes of a sweep at `score` (monotone cubic in log bytes); None outside the sweep."""
    s, logs = monotone(curve)
    if len(s) < 2 or not s[0] <= score <= s[-1]:
        return None
    return float(math.exp(PchipInterpolator(s, logs)(score)))


# -- self-checks ---------------------------------------------------------------------------------


# libjxl's ssimulacra2 on synthetic pairs (imazen/ssimulacra2, src/reference_data.rs): name →
# (size, source pixels, distorted pixels, SHA-256 of the distorted RGB bytes, score).
def _uniform(size: int, value: int) -> np.ndarray:
    return np.full((size, size, 3), value, np.uint8)


def _gradient(size: int) -> np.ndarray:
    row = (np.arange(size) * 255 // (size - 1)).astype(np.uint8)
    return np.repeat(np.repeat(row[None, :, None], size, 0), 3, 2)


def _noise(size: int, seed: int) -> np.ndarray:
    state, out = seed, bytearray()
    for _ in range(size * size * 3):
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        out.append((state >> 33) & 0xFF)
    return np.frombuffer(bytes(out), np.uint8).reshape(size, size, 3)


REFERENCE_SCORES = [
    ("uniform 128 vs 129, 64²", lambda: (_uniform(64, 128), _uniform(64, 129)), "ba72ca16", 97.98672126),
    ("uniform 128 vs 133, 64²", lambda: (_uniform(64, 128), _uniform(64, 133)), "5b0e43ac", 91.52357693),
    ("uniform 128 vs 138, 128²", lambda: (_uniform(128, 128), _uniform(128, 138)), "8a688a54", 77.84296299),
    ("uniform 128 vs 148, 256²", lambda: (_uniform(256, 128), _uniform(256, 148)), "2aebb564", 59.77892918),
    ("uniform 128 vs 178, 256²", lambda: (_uniform(256, 128), _uniform(256, 178)), "ebf9afb2", -0.39085784),
    ("gradient vs uniform, 64²", lambda: (_gradient(64), _uniform(64, 128)), "2203a98f", -64.56872148),
    ("noise vs uniform, 64²", lambda: (_noise(64, 42), _uniform(64, 128)), "2203a98f", -47.33572558),
]


# libjxl's tool on real JPEGs of one 256×256 photograph (imazen/ssimulacra2,
# tests/jpeg_quality_reference.rs and test_data/jpeg_quality/, copied into REFERENCE_DIR).
REFERENCE_DIR = Path(__file__).resolve().parent / ".cache" / "ssimulacra2-reference"
REFERENCE_JPEGS = {"q20.jpg": 57.14559032, "q45.jpg": 68.62747595, "q70.jpg": 79.38805044, "q90.jpg": 90.85152474}


def check_ssimulacra2() -> list[str]:
    """Markdown rows: libjxl's score and this port's on each reference pair. The real JPEG pairs
    must agree within 5 points and keep their order; the synthetic flat pairs are printed only
    (the port's blur treats image borders differently from libjxl's recursive Gaussian, which
    dominates on 64-px flat squares)."""
    lines, scores = [], []
    if REFERENCE_DIR.exists():
        source = Image.open(REFERENCE_DIR / "source.png")
        for name, expected in REFERENCE_JPEGS.items():
            got = ssimulacra2(source, Image.open(REFERENCE_DIR / name))
            scores.append(got)
            assert abs(got - expected) <= 5, (name, got, expected)
            lines.append(f"| JPEG {name[1:3]} of a 256² photo | {expected:.2f} | {got:.2f} | {got - expected:+.2f} |")
        assert scores == sorted(scores)
    for name, make, digest, expected in REFERENCE_SCORES:
        source, distorted = make()
        assert hashlib.sha256(distorted.tobytes()).hexdigest().startswith(digest), name
        got = ssimulacra2(source, distorted)
        lines.append(f"| synthetic: {name} | {expected:.2f} | {got:.2f} | {got - expected:+.2f} |")
    return lines


def check_bd_rate() -> None:
    scores = [30.0, 45.0, 60.0, 72.0, 85.0]
    base = [(20_000 * math.exp(s / 25), s) for s in scores]
    for factor in (0.8, 1.0, 1.37):
        scaled = [(size * factor, s) for size, s in base]
        assert abs(bd_rate(scaled, base) - (factor - 1)) < 1e-9, factor
        assert abs(bd_rate(base, scaled) - (1 / factor - 1)) < 1e-9, factor
    # Different qualities, same underlying curve: zero over the shared range only.
    shifted = [(20_000 * math.exp(s / 25), s) for s in (40.0, 55.0, 70.0, 80.0, 95.0)]
    assert abs(bd_rate(shifted, base)) < 0.01, bd_rate(shifted, base)
    assert bd_rate([(1, 10.0), (2, 20.0)], [(1, 30.0), (2, 40.0)]) is None  # no shared range
    # A dip in a sweep is dropped, not interpolated through.
    assert monotone([(1, 10.0), (2, 30.0), (3, 25.0), (4, 40.0)])[0].tolist() == [10.0, 30.0, 40.0]


if __name__ == "__main__":
    check_bd_rate()
    print("BD-rate: known ratios recovered")
    print("| pair | libjxl ssimulacra2 | this port | difference |\n|---|---|---|---|")
    print("\n".join(check_ssimulacra2()))
    sys.exit(0)
