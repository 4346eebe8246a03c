"""What the server is handed: the grammar, the policy, the limits and its sizes, all validated.

resizer.conf builds one from Django settings (host sites and the service alike); tests and
benchmarks may build one by hand. Nothing in server/ reads settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from resizer.core.policy import Limits, Policy
from resizer.core.spec import Grammar
from resizer.core.watermarks import Watermark
from resizer.server.sources import SharedOriginals


@dataclass(frozen=True)
class Config:
    grammar: Grammar
    policy: Policy
    limits: Limits
    base_url: str
    render_workers: int
    queue_limit: int
    io_workers: int
    deadline: float
    hot_cache_bytes: int
    hot_cache_seconds: float
    originals_cache: SharedOriginals | None
    cloudfront_distribution: str = ""
    masters_cache_bytes: int = 0  # decode once, render many (imaging/masters.py); 0: off
    jpeg_encoder: str = "libjpeg"  # or "jpegli" (imaging/encoders.py)
    avif_speed: int = 7  # aom's, 6–10 (imaging/encoders.py)
    watermarks: Mapping[str, Watermark] = field(default_factory=dict)  # by name (wm_)
