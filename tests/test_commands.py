"""The operator's commands against SeaweedFS: resizer_warm, resizer_purge, resizer_inspect.

They run in process (call_command) with S3 storages pointed at the test's SeaweedFS, except one
run through manage.py for the exit status. CloudFront cannot run here: its call is checked with
botocore's Stubber, AWS's own test double, which validates the request against the service model.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import ANY, Stubber
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.test import override_settings

import resizer
from resizer.core.policy import sign
from resizer.ops import cdn
from tests.support.images import close, decode, encode, jpeg, quadrants, record_decodes
from tests.support.seaweed import REGION, SeaweedFS
from tests.support.server import ROOT

SECRET = "command-secret"


def s3_storage(seaweed: SeaweedFS, bucket: str) -> dict:
    access, secret = seaweed.credentials()
    options = {
        "bucket_name": bucket,
        "endpoint_url": seaweed.endpoint,
        "region_name": REGION,
        "access_key": access,
        "secret_key": secret,
        "addressing_style": "path",
        "file_overwrite": True,
        "querystring_auth": False,
        "default_acl": None,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


@pytest.fixture
def s3(seaweed: SeaweedFS) -> Iterator[SeaweedFS]:
    storages = {
        "default": s3_storage(seaweed, "originals"),
        "originals": s3_storage(seaweed, "originals"),
        "renditions": s3_storage(seaweed, "renditions"),
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, RESIZER_SIGNING_KEY=SECRET):
        yield seaweed


def run(name: str, *args: str) -> tuple[str, str, CommandError | None]:
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=stdout, stderr=stderr)
    except CommandError as exc:
        return stdout.getvalue(), stderr.getvalue(), exc
    return stdout.getvalue(), stderr.getvalue(), None


def test_each_command_has_help() -> None:
    for name in ("resizer_warm", "resizer_purge", "resizer_inspect"):
        assert get_commands()[name] == "resizer"
        text = load_command_class("resizer", name).create_parser("manage.py", name).format_help()
        assert "non-zero" in text, text
        assert len(text) > 400


def test_warm_renders_what_is_missing_skips_what_is_stored_and_reports_failures(s3: SeaweedFS, key_prefix: str) -> None:
    good = [f"{key_prefix}/good/one.jpg", f"{key_prefix}/good/two words.jpg"]
    for key in good:
        s3.put("originals", key, jpeg((800, 600)))
    s3.put("originals", f"{key_prefix}/broken.jpg", b"not an image")

    out, err, failed = run(
        "resizer_warm", *good, f"{key_prefix}/broken.jpg", "--widths", "100,200", "--formats", "default,webp"
    )
    assert str(failed) == "4 failed", err
    assert "12 renditions of 3 originals" in out
    assert "resizer_warm: 8 rendered, 0 already stored, 4 failed" in out
    assert f"failed  w_100/{key_prefix}/broken.jpg: the original could not be decoded as an image" in err
    expected = sorted(
        f"{key}/{name}" for key in good for name in ("w_100.jpg", "w_200.jpg", "w_100,f_webp.webp", "w_200,f_webp.webp")
    )
    assert s3.keys("renditions", key_prefix) == expected
    stored = decode(s3.get("renditions", f"{good[1]}/w_200,f_webp.webp")["Data"])
    assert (stored.format, stored.size) == ("WEBP", (200, 150))

    out, err, failed = run(
        "resizer_warm", "--prefix", f"{key_prefix}/good/", "--widths", "100,200", "--formats", "default,webp,avif"
    )
    assert failed is None and err == ""
    assert "resizer_warm: 4 rendered, 8 already stored, 0 failed" in out
    assert len(s3.keys("renditions", key_prefix)) == 12


def test_warm_refuses_bad_widths_and_formats_in_one_line(s3: SeaweedFS, key_prefix: str) -> None:
    _, _, failed = run("resizer_warm", f"{key_prefix}/a.jpg", "--widths", "320,abc")
    assert str(failed) == "--widths: 'abc' is not a width (a positive integer)"
    _, _, failed = run("resizer_warm", f"{key_prefix}/a.jpg", "--widths", "320", "--formats", "bmp")
    assert str(failed).startswith("--formats: 'bmp' is not one of jpg, png, webp, avif, gif, default, auto")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESIZER_", "AWS_"))}
    env.update(s3.env(), DJANGO_SETTINGS_MODULE="settings")
    command = [sys.executable, "manage.py", "resizer_warm", f"{key_prefix}/a.jpg", "--widths", "320,abc"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == "CommandError: --widths: 'abc' is not a width (a positive integer)"


def test_warm_auto_makes_what_f_auto_may_answer(s3: SeaweedFS, key_prefix: str) -> None:
    key = f"{key_prefix}/auto.jpg"
    s3.put("originals", key, jpeg((400, 300)))
    out, err, failed = run("resizer_warm", key, "--widths", "100", "--formats", "auto")
    assert failed is None, (out, err)
    assert "3 renditions of 1 original\n" in out
    assert sorted(s3.keys("renditions", key_prefix)) == [
        f"{key}/w_100,f_avif.avif",
        f"{key}/w_100,f_webp.webp",
        f"{key}/w_100.jpg",
    ]
    assert decode(s3.get("renditions", f"{key}/w_100,f_avif.avif")["Data"]).format == "AVIF"


def test_a_prefix_that_matches_nothing_is_said_not_mistaken_for_no_prefix(s3: SeaweedFS, key_prefix: str) -> None:
    out, _, failed = run("resizer_warm", "--prefix", f"{key_prefix}/none/", "--widths", "100")
    assert failed is None
    assert f"resizer_warm: --prefix '{key_prefix}/none/' matched no original" in out
    assert "no originals: give KEYs" not in out
    assert "resizer_warm: 0 rendered, 0 already stored, 0 failed" in out
    out, _, failed = run("resizer_purge", "--prefix", f"{key_prefix}/none/")
    assert failed is None
    assert f"resizer_purge: --prefix '{key_prefix}/none/' matched no rendition" in out


def test_warm_through_manage_py_exits_non_zero_on_failure(s3: SeaweedFS, key_prefix: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESIZER_", "AWS_"))}
    env.update(s3.env(), DJANGO_SETTINGS_MODULE="settings")
    command = [sys.executable, "manage.py", "resizer_warm", f"{key_prefix}/missing.jpg", "--widths", "10"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"failed  w_10/{key_prefix}/missing.jpg: no such original" in result.stderr
    assert "resizer_warm: 0 rendered, 0 already stored, 1 failed" in result.stdout


def test_purge_deletes_exactly_the_renditions_of_the_keys_it_is_given(s3: SeaweedFS, key_prefix: str) -> None:
    a, nested, ab = f"{key_prefix}/a.jpg", f"{key_prefix}/a.jpg/b.jpg", f"{key_prefix}/ab.jpg"
    for key in (a, nested, ab):
        s3.put("originals", key, jpeg((100, 80)))
    assert run("resizer_warm", a, nested, ab, "--widths", "50,60")[2] is None
    originals = s3.keys("originals", key_prefix)

    out, _, failed = run("resizer_purge", a)
    assert failed is None and "resizer_purge: 2 deleted, 0 failed" in out
    assert s3.keys("renditions", key_prefix) == sorted(f"{k}/w_{w}.jpg" for k in (nested, ab) for w in (50, 60))

    out, _, _ = run("resizer_purge", "--prefix", f"{a}/", "--dry-run")
    assert f"would delete  {nested}/w_50.jpg" in out and "2 renditions would be deleted" in out
    assert len(s3.keys("renditions", key_prefix)) == 4
    out, _, _ = run("resizer_purge", "--prefix", f"{a}/")  # the originals under a.jpg/, not a.jpg itself
    assert "2 deleted" in out
    assert s3.keys("renditions", key_prefix) == [f"{ab}/w_50.jpg", f"{ab}/w_60.jpg"]
    assert s3.keys("originals", key_prefix) == originals  # originals are never touched


def cloudfront(monkeypatch: pytest.MonkeyPatch) -> Stubber:
    client = boto3.client("cloudfront", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    monkeypatch.setattr(cdn, "cloudfront_client", lambda: client)
    return Stubber(client)


def invalidation(paths: list[str]) -> dict:
    batch = {"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": "resizer-purge-x"}
    return {
        "Invalidation": {
            "Id": "I2J0I21PCUYOIK",
            "Status": "InProgress",
            "CreateTime": "2026-01-01T00:00:00Z",
            "InvalidationBatch": batch,
        }
    }


@override_settings(
    RESIZER_CLOUDFRONT_DISTRIBUTION_ID="EDFDVBD6EXAMPLE",
    RESIZER_BASE_URL="https://cdn.example.com/img",
    RESIZER_PRESETS={"small": "w_50"},
)
def test_purge_invalidates_every_url_that_may_have_served_the_renditions(
    s3: SeaweedFS, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = f"{key_prefix}/c d.jpg"
    s3.put("originals", key, jpeg((100, 80)))
    assert run("resizer_warm", key, "--widths", "50", "--formats", "default,webp")[2] is None
    spellings = [
        f"{options}/{key}"
        for options in ("w_50", "w_50/f_webp", "w_50/f_auto", "p_small", "p_small/f_webp", "p_small/f_auto")
    ]
    encoded = key.replace(" ", "%20")
    paths = sorted(
        f"/img/media/s_{sign(path, SECRET.encode())}/{path.removesuffix(key)}{encoded}" for path in spellings
    )
    assert resizer.image_url(key, p="small", f="auto") == "https://cdn.example.com" + next(
        p for p in paths if "p_small/f_auto" in p
    )

    stubber = cloudfront(monkeypatch)
    stubber.add_response(
        "create_invalidation",
        invalidation(paths),
        {
            "DistributionId": "EDFDVBD6EXAMPLE",
            "InvalidationBatch": {"Paths": {"Quantity": 6, "Items": paths}, "CallerReference": ANY},
        },
    )
    with stubber:
        out, err, failed = run("resizer_purge", key)
    stubber.assert_no_pending_responses()
    assert failed is None, err
    assert "CloudFront invalidation I2J0I21PCUYOIK: 6 paths" in out
    assert "resizer_purge: 2 deleted, 6 CDN paths invalidated, 0 failed" in out

    assert run("resizer_warm", key, "--widths", "50")[2] is None
    stubber.add_client_error("create_invalidation", "TooManyInvalidationsInProgress", "slow down", 400)
    with stubber:
        out, err, failed = run("resizer_purge", key)
    assert str(failed) == "1 failed"
    assert "failed  CloudFront invalidation of 4 paths: TooManyInvalidationsInProgress" in err
    assert s3.keys("renditions", key_prefix) == []  # the renditions are gone even so


def fields(out: str) -> list[tuple[str, str]]:
    return [tuple(part.strip() for part in line.split(":", 1)) for line in out.splitlines()]


def test_inspect_tells_spec_signature_storage_and_headers(s3: SeaweedFS, key_prefix: str) -> None:
    key = f"{key_prefix}/e.jpg"
    s3.put("originals", key, jpeg((300, 200)))
    url = resizer.image_url(key, w=60)
    out, _, failed = run("resizer_inspect", url)
    assert failed is None
    assert fields(out)[:5] == [
        ("key", key),
        ("width", "60"),
        ("canonical", "yes"),
        ("canonical URL", url),
        ("signature", "valid"),
    ]
    assert ("original", f"{key} (stored, {len(jpeg((300, 200)))} bytes)") in fields(out)
    assert fields(out)[-2:] == [("rendition", f"{key}/w_60.jpg (not stored)"), ("answer", "200, rendered on request")]

    missing = resizer.image_url(f"{key_prefix}/missing.jpg", w=60)
    out, _, failed = run("resizer_inspect", missing)
    assert fields(out)[-1] == ("answer", "404 no such original")
    assert str(failed) == "the service answers 404: no such original"

    run("resizer_warm", key, "--widths", "60")
    out, _, _ = run("resizer_inspect", f"https://cdn.example.com{url}?ignored=1")
    size = len(s3.get("renditions", f"{key}/w_60.jpg")["Data"])
    rendition = fields(out)[fields(out).index(("rendition", f"{key}/w_60.jpg (stored, {size} bytes)")) :]
    for expected in [
        ("stored Content-Type", "image/jpeg"),
        ("stored Cache-Control", "public, max-age=31536000"),
        ("Content-Type", "image/jpeg"),
        ("Content-Length", str(size)),
        ("Cache-Control", "public, max-age=31536000"),
    ]:
        assert expected in rendition, out
    assert fields(out)[-1] == ("answer", "200 from the stored rendition")

    out, _, failed = run("resizer_inspect", url.replace("/w_60/", "/w_61/"))
    assert ("signature", "INVALID") in fields(out) and "the service answers 403: invalid signature" in str(failed)
    out, _, failed = run("resizer_inspect", url.replace("/w_60/", "/w%5F60/"))  # signed, escaped otherwise
    assert ("signature", "valid") in fields(out) and failed is None
    assert ("answer", f"301 to {url}") in fields(out)
    out, _, failed = run("resizer_inspect", f"h_10/w_60/{key}")
    assert ("canonical", "no (answered 301 to the canonical URL)") in fields(out)
    assert "missing signature" in str(failed)
    _, _, failed = run("resizer_inspect", f"/media/w_abc/{key}")
    assert "not a rendition URL (400)" in str(failed)


def test_two_shards_warm_every_original_once_between_them(s3: SeaweedFS, key_prefix: str) -> None:
    keys = [f"{key_prefix}/shard/{index}.jpg" for index in range(12)]
    for key in keys:
        s3.put("originals", key, jpeg((120, 90)))
    warmed = []
    for shard in ("0/2", "1/2"):
        before = set(s3.keys("renditions", key_prefix))
        out, err, failed = run("resizer_warm", "--prefix", f"{key_prefix}/shard/", "--widths", "50", "--shard", shard)
        assert failed is None, (out, err)
        mine = {name.rpartition("/")[0] for name in set(s3.keys("renditions", key_prefix)) - before}
        assert mine, f"shard {shard} warmed nothing of 12 originals"
        warmed.append(mine)
    assert warmed[0].isdisjoint(warmed[1]) and warmed[0] | warmed[1] == set(keys)
    # Stable: asking again for shard 0 finds its renditions stored, and renders nothing new.
    out, _, _ = run("resizer_warm", "--prefix", f"{key_prefix}/shard/", "--widths", "50", "--shard", "0/2")
    assert f"0 rendered, {len(warmed[0])} already stored, 0 failed" in out
    _, _, failed = run("resizer_warm", "--prefix", f"{key_prefix}/shard/", "--widths", "50", "--shard", "2/2")
    assert str(failed) == "--shard: '2/2' is not K/N with 0 ≤ K < N"


def test_inspect_shows_the_new_options_and_an_expired_link(s3: SeaweedFS, key_prefix: str) -> None:
    key = f"{key_prefix}/x.jpg"
    s3.put("originals", key, jpeg((300, 200)))
    url = resizer.image_url(key, w=60, r=90, bl=2, mb=5000, expires=600)
    out, _, failed = run("resizer_inspect", url)
    assert failed is None, out
    shown = dict(fields(out))
    assert (shown["rotate"], shown["blur"], shown["max_bytes"]) == ("90", "2", "5000")
    assert shown["expires"].startswith(url.split("/exp_")[1].split("/")[0] + " (in ")
    expired = url.split("/media/")[1].replace(url.split("/exp_")[1].split("/")[0], "1000000000")
    path = expired.split("/", 1)[1]  # re-signed: the signature covers exp_
    out, _, failed = run("resizer_inspect", f"s_{sign(path, SECRET.encode())}/{path}")
    assert dict(fields(out))["expires"] == "1000000000 (EXPIRED)"
    assert str(failed) == "the service answers 403: link expired"


def test_warm_makes_every_rendition_of_an_original_from_one_decode(
    s3: SeaweedFS, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """4 widths × AVIF, WebP, JPEG of two 4000×3000 photos: two decodes in all, each at the scale
    of the widest rendition (1/2 for w_1280), not twelve each; the renditions as the service makes them."""
    keys = {f"{key_prefix}/decode-once/{turn}.jpg": turn for turn in (0, 180)}
    for key, turn in keys.items():
        s3.put("originals", key, encode(quadrants((4000, 3000)).rotate(turn), "JPEG", quality=90))
    decoded = record_decodes(monkeypatch)
    out, err, failed = run("resizer_warm", *keys, "--widths", "320,640,960,1280", "--formats", "avif,webp,jpg")
    monkeypatch.undo()
    assert failed is None, (out, err)
    assert "resizer_warm: 24 rendered, 0 already stored, 0 failed" in out
    assert decoded == [("JPEG", (2000, 1500))] * 2
    for key, turn in keys.items():
        for width, height in ((320, 240), (1280, 960)):
            for fmt, kind in (("avif", "AVIF"), ("webp", "WEBP"), ("jpg", "JPEG")):
                name = f"{key}/w_{width},f_{fmt}.{fmt}"
                stored = decode(s3.get("renditions", name)["Data"])
                assert (stored.format, stored.size) == (kind, (width, height)), name
                stored = stored.convert("RGB")
                top_left, bottom_right = (255, 0, 0), (255, 255, 255)
                if turn:
                    top_left, bottom_right = bottom_right, top_left
                assert close(stored.getpixel((10, 10)), top_left), name
                assert close(stored.getpixel((width - 10, height - 10)), bottom_right), name
