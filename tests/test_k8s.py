"""The Kubernetes manifests: valid against the API schemas, consistent with each other, the image
and the settings, and sized by the memory formula.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from resizer.core.config import BY_NAME
from tests.conftest import Backend
from tests.support.deploy import (
    K8S,
    ROOT,
    bare_environ,
    deployment_container,
    final_stage,
    instruction,
    manifest,
    option,
)
from tests.test_capacity import RENDER_BYTES_PER_PIXEL

MANIFESTS = sorted(path.name for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")
# The oldest minor still in the major clouds' extended support, and the newest the validator knows.
VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
MIB = 1024 * 1024


def pod_spec() -> dict:
    return manifest("deployment.yaml")["spec"]["template"]["spec"]


def settings() -> dict[str, str]:
    return manifest("configmap.yaml")["data"]


def mebibytes(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    suffix = quantity[-2:]
    return float(quantity[:-2]) * units[suffix] if suffix in units else float(quantity) / MIB


@pytest.mark.parametrize("name", MANIFESTS)
@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid_for_the_api_strictly(name: str, version: str) -> None:
    for document in yaml.safe_load_all((K8S / name).read_text()):
        kubernetes_validate.validate(document, version, strict=True)  # raises ValidationError


def test_the_kustomization_deploys_every_manifest_but_the_secret_example() -> None:
    resources = manifest("kustomization.yaml")["resources"]
    assert sorted(resources) == [name for name in MANIFESTS if name != "secret.example.yaml"]
    assert all(manifest(name)["metadata"]["namespace"] == "resizer" for name in resources if name != "namespace.yaml")


def test_service_budget_autoscaler_and_ingress_point_at_the_deployment() -> None:
    deployment = manifest("deployment.yaml")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert manifest("service.yaml")["spec"]["selector"].items() <= labels.items()
    assert manifest("pdb.yaml")["spec"]["selector"]["matchLabels"].items() <= labels.items()
    target = manifest("hpa.yaml")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    assert "replicas" not in deployment["spec"]  # the autoscaler owns the count
    (port,) = manifest("service.yaml")["spec"]["ports"]
    assert port["targetPort"] in [p["name"] for p in deployment_container()["ports"]]
    backend = manifest("ingress.yaml")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert (backend["name"], backend["port"]["name"]) == ("resizer", port["name"])
    assert pod_spec()["serviceAccountName"] == manifest("serviceaccount.yaml")["metadata"]["name"]


def test_probes_use_the_endpoints_the_service_answers(backend: Backend) -> None:
    container = deployment_container()
    probes = {kind: container[kind]["httpGet"] for kind in ("livenessProbe", "readinessProbe", "startupProbe")}
    assert {kind: probe["path"] for kind, probe in probes.items()} == {
        "livenessProbe": "/healthz",
        "readinessProbe": "/readyz",
        "startupProbe": "/healthz",
    }
    assert {probe["port"] for probe in probes.values()} == {"http"}
    for probe in probes.values():
        assert backend.server.get(probe["path"]).status == 200
    # /readyz waits up to 5 s for the buckets: the probe must wait longer than that.
    assert container["readinessProbe"]["timeoutSeconds"] > 5


def test_the_pod_is_locked_down() -> None:
    spec, container = pod_spec(), deployment_container()
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]  # the one writable place


def test_the_grace_period_outlasts_the_prestop_sleep_and_the_graceful_shutdown() -> None:
    container = deployment_container()
    sleep = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    shutdown = int(option(instruction(final_stage(), "CMD").json(), "--timeout-graceful-shutdown"))
    grace = pod_spec()["terminationGracePeriodSeconds"]
    assert float(settings()["RESIZER_DEADLINE_SECONDS"]) < shutdown  # an admitted request can finish
    assert sleep + shutdown < grace  # and uvicorn is done before the kubelet's SIGKILL


def test_memory_is_sized_by_the_formula_from_the_configmap() -> None:
    """uvicorn workers × (90 MiB + hot cache + masters cache + (RESIZER_RENDER_WORKERS +
    RESIZER_QUEUE_LIMIT) × RESIZER_MAX_SOURCE_BYTES + RESIZER_RENDER_WORKERS ×
    RESIZER_MAX_SOURCE_PIXELS × the measured bytes a render takes per pixel), docs/operations.md's
    "Capacity and memory"."""
    values = {name: int(value) for name, value in settings().items() if value.isdigit()}
    render = values["RESIZER_MAX_SOURCE_PIXELS"] * RENDER_BYTES_PER_PIXEL / MIB
    original = values["RESIZER_MAX_SOURCE_BYTES"] / MIB
    hot = values.get("RESIZER_HOT_CACHE_BYTES", BY_NAME["RESIZER_HOT_CACHE_BYTES"].default) / MIB
    masters = values.get("RESIZER_MASTERS_CACHE_BYTES", BY_NAME["RESIZER_MASTERS_CACHE_BYTES"].default) / MIB
    slots = values["RESIZER_RENDER_WORKERS"] + values["RESIZER_QUEUE_LIMIT"]
    need = 90 + hot + masters + slots * original + values["RESIZER_RENDER_WORKERS"] * render
    resources = deployment_container()["resources"]
    limit = mebibytes(resources["limits"]["memory"])
    assert need <= limit < need * 1.5, (need, limit)  # covered, without doubling the bill
    assert resources["requests"]["memory"] == resources["limits"]["memory"]
    assert float(resources["limits"]["cpu"]) >= values["RESIZER_RENDER_WORKERS"]


def test_the_configmap_and_secret_are_settings_the_service_accepts(tmp_path: Path) -> None:
    """The pod's environment, as Kubernetes builds it, passes the strict start-up checks."""
    secret = manifest("secret.example.yaml")
    mount = next(m for m in deployment_container()["volumeMounts"] if m["name"] == "secrets")["mountPath"]
    files = tmp_path / "secrets"
    files.mkdir()
    for key, value in secret["stringData"].items():
        (files / key).write_text(value)
    pod_env = {item["name"]: item["value"].replace(mount, str(files)) for item in deployment_container()["env"]}
    env = bare_environ(**settings(), **pod_env, DJANGO_SETTINGS_MODULE="settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    bad = {**env, "RESIZER_RENDER_WORKER": "2"}  # and the check does refuse a misspelt name
    refused = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=bad, capture_output=True, text=True)
    assert refused.returncode != 0 and "RESIZER_RENDER_WORKER" in refused.stderr


def test_the_originals_cache_fits_the_pods_tmp_volume() -> None:
    """The shared originals (resizer/server/sources.py) live on /tmp: past its sizeLimit the pod is evicted."""
    tmp = next(volume for volume in pod_spec()["volumes"] if volume["name"] == "tmp")
    cache = int(settings()["RESIZER_ORIGINALS_CACHE_BYTES"]) / MIB
    assert cache + 64 <= mebibytes(tmp["emptyDir"]["sizeLimit"])  # and room for tempfiles and metrics


@pytest.mark.parametrize("version", VERSIONS)
def test_the_indexed_warm_job_is_valid_and_splits_the_bucket_as_it_says(version: str) -> None:
    (job,) = yaml.safe_load_all((K8S / "jobs" / "warm.yaml").read_text())
    kubernetes_validate.validate(job, version, strict=True)
    spec = job["spec"]
    (container,) = spec["template"]["spec"]["containers"]
    shard = next(arg for arg in container["command"] if arg.startswith("--shard="))
    assert spec["completionMode"] == "Indexed"
    assert (
        shard == f"--shard=$(JOB_COMPLETION_INDEX)/{spec['completions']}" and spec["parallelism"] == spec["completions"]
    )
    assert container["command"][:3] == ["python", "manage.py", "resizer_warm"]
    service = deployment_container()
    assert container["image"] == service["image"] and container["envFrom"] == service["envFrom"]
    assert container["resources"]["limits"]["memory"] == service["resources"]["limits"]["memory"]
