"""The CloudFormation example (infra/): lint-clean, and its timeouts, cache keys, Accept function
and permissions agree with the service, the manifests and the contract.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from resizer.core.formats import accepted
from tests.support.deploy import ROOT, cloudformation, final_stage, instruction, manifest, option
from tests.support.nginx import check_config

TEMPLATE = ROOT / "infra" / "cloudformation.yaml"


def resources() -> dict:
    return cloudformation()["Resources"]


def distribution() -> dict:
    return resources()["Distribution"]["Properties"]["DistributionConfig"]


def test_cfn_lint_finds_nothing_including_informational_rules() -> None:
    result = subprocess.run(
        [Path(sys.executable).parent / "cfn-lint", "--include-checks", "I", "--", str(TEMPLATE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_timeouts_nest_from_the_cdn_down_to_the_service() -> None:
    (origin,) = distribution()["Origins"]
    config = origin["CustomOriginConfig"]
    deadline = float(manifest("configmap.yaml")["data"]["RESIZER_DEADLINE_SECONDS"])
    assert deadline < config["OriginReadTimeout"]  # the CDN sees our 504, not its own timeout
    annotations = manifest("ingress.yaml")["metadata"]["annotations"]
    idle = int(annotations["alb.ingress.kubernetes.io/load-balancer-attributes"].rpartition("=")[2])
    keep_alive = int(option(instruction(final_stage(), "CMD").json(), "--timeout-keep-alive"))
    # Each hop closes an idle connection before the next one down would: no reuse of a closed one.
    assert config["OriginKeepaliveTimeout"] < idle < keep_alive
    assert origin["OriginShield"]["Enabled"] is True


def test_the_cache_key_is_the_path_and_accept_only_where_f_auto_is() -> None:
    policies = {name: r["Properties"]["CachePolicyConfig"] for name, r in resources().items() if "CachePolicy" in name}
    keys = {name: policy["ParametersInCacheKeyAndForwardedToOrigin"] for name, policy in policies.items()}
    for key in keys.values():
        assert key["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
        assert key["CookiesConfig"] == {"CookieBehavior": "none"}
    config = distribution()
    default = keys[config["DefaultCacheBehavior"]["CachePolicyId"]["Ref"]]
    assert default["HeadersConfig"] == {"HeaderBehavior": "none"}
    (f_auto,) = config["CacheBehaviors"]
    assert f_auto["PathPattern"] == "/media/*f_auto/*"
    assert keys[f_auto["CachePolicyId"]["Ref"]]["HeadersConfig"] == {
        "HeaderBehavior": "whitelist",
        "Headers": ["Accept"],
    }


def test_errors_are_cached_as_long_as_the_origin_says_and_no_longer() -> None:
    # CloudFront keeps an error for the longer of the origin's max-age and ErrorCachingMinTTL:
    # with 0, the contract's Cache-Control rules (4xx: 60 s; 5xx: no-store, so not at all).
    responses = distribution()["CustomErrorResponses"]
    assert {r["ErrorCode"] for r in responses} >= {400, 403, 404, 500, 502, 503, 504}
    assert all(r["ErrorCachingMinTTL"] == 0 and "ResponsePagePath" not in r for r in responses)


ACCEPTS = [
    "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",  # Chrome
    "image/avif,image/webp,*/*",  # Firefox
    "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,"  # Safari
    "image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
    "image/webp,*/*",
    "image/avif;q=0,image/webp",
    "image/avif; q=0.0 , image/webp;q=0",
    "IMAGE/AVIF",
    "image/avif;q=0.5",
    "image/avif;q=0.,image/webp;q=0.001",
    "image/avif;Q=0.000,image/webp",
    "image/avif;q = 0,image/webp;q=1.000",
    "image/avif;q=1.5,image/webp;q=abc",
    "image/avif;v=1;q=0,image/webp",
    'image/avif;x="a,b";q=0, image/webp',  # quoted separators separate nothing (RFC 9110 §5.6.4)
    'image/avif;x="a\\",b;c";q=0,image/webp',
    "*/*",
    "image/*",
    "",
    None,
    ["image/webp", "image/avif"],  # two Accept lines: one list (RFC 9110 §5.3)
    ["image/avif;q=0", "image/webp"],
]


@pytest.fixture(scope="module")
def normalised() -> list[str | None]:
    """ACCEPTS through the template's CloudFront Function, run by node as CloudFront would call it."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed: run scripts/system-deps (Debian package nodejs)")
    code = resources()["AcceptFunction"]["Properties"]["FunctionCode"]
    driver = code + (
        "\nconst accepts = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "console.log(JSON.stringify(accepts.map(a => {\n"
        "  const lines = a === null ? [] : [].concat(a);\n"
        "  const headers = lines.length === 0 ? {} : {accept: {value: lines[0]}};\n"
        "  if (lines.length > 1) headers.accept.multiValue = lines.map(value => ({value}));\n"
        "  return handler({request: {uri: '/media/f_auto/x.jpg', headers}}).headers.accept.value;\n"
        "})));\n"
    )
    result = subprocess.run([node, "-e", driver], input=json.dumps(ACCEPTS), capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


@pytest.mark.parametrize("index", range(len(ACCEPTS)))
def test_the_accept_function_keeps_the_format_the_origin_would_pick(normalised: list[str], index: int) -> None:
    accept = ACCEPTS[index]
    assert normalised[index] in ("image/avif", "image/webp", "*/*")  # three cache variants, not one per browser
    combined = ", ".join(accept) if isinstance(accept, list) else accept  # as the origin combines them
    assert accepted(normalised[index]) == accepted(combined)


def statements(resource: str) -> list[dict]:
    return resources()[resource]["Properties"]["PolicyDocument"]["Statement"]


def as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def test_the_service_role_reads_originals_and_reads_and_creates_renditions_only() -> None:
    policy = resources()["ServiceRole"]["Properties"]["Policies"]
    granted = {
        (a, str(r))
        for s in policy[0]["PolicyDocument"]["Statement"]
        for a in as_list(s["Action"])
        for r in as_list(s["Resource"])
    }
    assert {action for action, _ in granted} == {"s3:GetObject", "s3:PutObject", "s3:ListBucket"}
    assert {resource for action, resource in granted if action == "s3:PutObject"} == {
        str({"Sub": "${RenditionsBucket.Arn}/*"})
    }
    for bucket, allowed in (("OriginalsBucketPolicy", {"s3:GetObject", "s3:ListBucket"}),
                            ("RenditionsBucketPolicy", {"s3:GetObject", "s3:PutObject", "s3:ListBucket"})):  # fmt: skip
        for_role = [s for s in statements(bucket) if s["Principal"] != "*"]
        assert {a for s in for_role if s["Effect"] == "Allow" for a in s["Action"]} == allowed
        assert [set(s["NotAction"]) for s in for_role if "NotAction" in s] == [allowed]  # everything else denied
    (overwrite,) = [s for s in statements("RenditionsBucketPolicy") if s.get("Condition", {}).get("Null")]
    assert (overwrite["Effect"], overwrite["Action"]) == ("Deny", "s3:PutObject")
    assert overwrite["Condition"]["Null"] == {"s3:if-none-match": "true"}  # only conditional puts


def test_the_guides_nginx_configuration_is_valid(tmp_path: Path) -> None:
    """docs/cdn.md's nginx example, with its site-specific names replaced, passes `nginx -t`."""
    guide = (ROOT / "docs" / "cdn.md").read_text()
    (example,) = re.findall(r"```nginx\n(.*?)```", guide, re.S)
    local = {
        "/var/cache/nginx/resizer": str(tmp_path / "cache"),
        "resizer.resizer.svc.cluster.local:80": "127.0.0.1:9",
        "listen 443 ssl;": "listen 127.0.0.1:9;",
    }
    for site, here in local.items():
        assert example.count(site) == 1, site
        example = example.replace(site, here)
    result = check_config(tmp_path / "nginx", example)
    assert result.returncode == 0, result.stderr
