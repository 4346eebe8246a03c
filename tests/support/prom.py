"""Reading the service's /metrics as a test would read a dashboard."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.support.server import Server


def scrape(server: Server) -> dict[str, float]:
    """Every sample, keyed `name{label="value",…}` with labels sorted, e.g. `resizer_requests_total{status="200"}`."""
    response = server.get("/metrics")
    assert response.status == 200, response.body
    samples = {}
    for family in text_string_to_metric_families(response.body.decode()):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()) if k != "le")
            if "le" in sample.labels:
                continue
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples
