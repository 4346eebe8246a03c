"""The HTTP contract end to end: real uvicorn, real storage (filesystem default and SeaweedFS)."""

from __future__ import annotations

import pytest

from resizer.core.policy import sign
from tests.conftest import Backend
from tests.support.images import close, decode, encode, jpeg, png, quadrants

YEAR = "public, max-age=31536000"


def assert_no_leak(body: bytes) -> None:
    text = body.decode("utf-8", "replace")
    for leak in ("Traceback", 'File "', "originals", "renditions", "127.0.0.1", "botocore", "PIL"):
        assert leak not in text, text


def test_first_request_renders_and_stores_one_rendition_the_second_is_served_from_it(
    backend: Backend, key_prefix: str
) -> None:
    key = f"{key_prefix}/cat.jpg"
    backend.put_original(key, jpeg((800, 600)))
    first = backend.server.get(f"/media/w_400/{key}")
    assert first.status == 200
    assert first.header("Content-Type") == "image/jpeg"
    assert int(first.header("Content-Length")) == len(first.body)
    assert first.header("Cache-Control") == YEAR
    assert first.header("X-Content-Type-Options") == "nosniff"
    assert first.header("Vary") is None
    image = decode(first.body)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (400, 300))
    assert close(image.getpixel((20, 20)), (255, 0, 0))
    stored = backend.rendition_keys(key_prefix)
    assert stored == [f"{key}/w_400.jpg"]
    assert backend.read_rendition(stored[0]) == first.body

    backend.delete_original(key)  # the second answer cannot have come from the original
    second = backend.server.get(f"/media/w_400/{key}")
    assert second.status == 200
    assert second.body == first.body
    assert second.header("ETag") == first.header("ETag")
    assert backend.rendition_keys(key_prefix) == stored


def test_each_rendition_is_its_own_object_under_the_original(backend: Backend, key_prefix: str) -> None:
    key = f"{key_prefix}/a/b.png"
    backend.put_original(key, png((300, 300)))
    for path in ("w_100", "w_100/f_webp", "w_100/h_50/c_fill", "", "p_missing"):
        backend.server.get(f"/media/{path}/{key}".replace("//", "/"))
    assert backend.rendition_keys(key_prefix) == sorted(
        [f"{key}/w_100.png", f"{key}/w_100,f_webp.webp", f"{key}/w_100,h_50,c_fill.png", f"{key}/optimized.png"]
    )


def test_optimize_only_rendition_is_oriented_and_stripped(backend: Backend, key_prefix: str) -> None:
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "SecretCam"
    key = f"{key_prefix}/phone.jpg"
    backend.put_original(key, encode(quadrants((400, 300)).transpose(Image.Transpose.ROTATE_90), "JPEG", exif=exif))
    response = backend.server.get(f"/media/{key}")
    image = decode(response.body)
    assert response.status == 200 and image.size == (400, 300)
    assert not image.getexif()
    assert close(image.getpixel((20, 20)), (255, 0, 0))


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("image/avif,image/webp,*/*", "image/avif"),
        ("image/webp,*/*;q=0.8", "image/webp"),
        ("image/avif;q=0,image/webp", "image/webp"),
        # A weight of zero in any spelling (RFC 9110 §12.4.2) is "not acceptable".
        ("image/avif;q=0.,image/webp", "image/webp"),
        ("image/avif;Q=0.000,image/webp", "image/webp"),
        ("image/avif;q = 0", "image/jpeg"),
        ("image/avif;v=1;q=0.0", "image/jpeg"),
        ("image/avif;q=0.001", "image/avif"),
        ("image/avif;q=1.5,image/webp;q=1.", "image/webp"),  # no qvalue: not taken as a yes
        ("*/*", "image/jpeg"),
        (None, "image/jpeg"),
    ],
)
def test_f_auto_negotiates_from_accept(backend: Backend, key_prefix: str, accept, content_type) -> None:
    key = f"{key_prefix}/cat.jpg"
    backend.put_original(key, jpeg())
    response = backend.server.request("GET", f"/media/w_100/f_auto/{key}", {"Accept": accept} if accept else {})
    assert response.status == 200
    assert response.header("Content-Type") == content_type
    assert response.header("Vary") == "Accept"
    assert decode(response.body).size == (100, 75)
    assert len(backend.rendition_keys(key_prefix)) == 1


def test_repeated_accept_and_if_none_match_lines_are_one_list(backend: Backend, key_prefix: str) -> None:
    key = f"{key_prefix}/cat.jpg"
    backend.put_original(key, jpeg())
    path = f"/media/w_100/f_auto/{key}"
    both = backend.server.request("GET", path, [("Accept", "image/avif"), ("Accept", "image/webp")])
    assert both.header("Content-Type") == "image/avif"  # not only the last line's image/webp
    refused = backend.server.request("GET", path, [("Accept", "image/avif;q=0"), ("Accept", "image/webp")])
    assert refused.header("Content-Type") == "image/webp"
    tag = both.header("ETag")
    revalidated = backend.server.request(
        "GET", path, [("Accept", "image/avif"), ("If-None-Match", tag), ("If-None-Match", '"other"')]
    )
    assert revalidated.status == 304 and revalidated.header("ETag") == tag


def test_version_makes_the_response_immutable(backend: Backend, key_prefix: str) -> None:
    key = f"{key_prefix}/cat.jpg"
    backend.put_original(key, jpeg())
    response = backend.server.get(f"/media/w_100/v_7/{key}")
    assert response.status == 200
    assert response.header("Cache-Control") == f"{YEAR}, immutable"


def test_revalidation_head_and_query_strings(backend: Backend, key_prefix: str) -> None:
    key = f"{key_prefix}/cat.jpg"
    backend.put_original(key, jpeg())
    full = backend.server.get(f"/media/w_100/{key}?utm=1&w=9")
    tag = full.header("ETag")
    assert full.status == 200 and tag.startswith('"') and not tag.startswith("W/")
    assert decode(full.body).size == (100, 75)

    for value in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        not_modified = backend.server.request("GET", f"/media/w_100/{key}", {"If-None-Match": value})
        assert not_modified.status == 304, value
        assert not_modified.body == b""
        assert not_modified.header("ETag") == tag
        assert not_modified.header("Cache-Control") == YEAR
    assert backend.server.request("GET", f"/media/w_100/{key}", {"If-None-Match": '"other"'}).status == 200

    head = backend.server.request("HEAD", f"/media/w_100/{key}")
    assert head.status == 200 and head.body == b""
    assert head.header("Content-Length") == str(len(full.body))
    assert head.header("ETag") == tag and head.header("Content-Type") == "image/jpeg"


def test_a_304_on_a_cold_url_stores_the_rendition_it_rendered(backend: Backend, key_prefix: str) -> None:
    """A CDN revalidating a URL the origin has not stored yet: the render that told the ETag is kept."""
    original = jpeg()
    backend.put_original(f"{key_prefix}/earlier/cat.jpg", original)
    tag = backend.server.get(f"/media/w_100/{key_prefix}/earlier/cat.jpg").header("ETag")  # an earlier life
    backend.put_original(f"{key_prefix}/cat.jpg", original)
    for method, width, validator in (("GET", 100, tag), ("GET", 90, "*"), ("HEAD", 80, "*")):
        path = f"/media/w_{width}/{key_prefix}/cat.jpg"
        response = backend.server.request(method, path, {"If-None-Match": validator})
        assert (response.status, response.body) == (304, b""), path
        assert f"{key_prefix}/cat.jpg/w_{width}.jpg" in backend.rendition_keys(f"{key_prefix}/cat.jpg")
        again = backend.server.get(path)
        assert again.status == 200 and 'cache;desc="hit"' in again.header("Server-Timing")
        assert again.header("ETag") == response.header("ETag")
    assert backend.server.get(f"/media/w_100/{key_prefix}/cat.jpg").header("ETag") == tag


def test_non_canonical_spelling_redirects_and_writes_nothing(backend: Backend, key_prefix: str) -> None:
    key = f"{key_prefix}/caf\u00e9 1.jpg"
    backend.put_original(key, jpeg())
    encoded = f"{key_prefix}/caf%C3%A9%201.jpg"
    response = backend.server.get(f"/media/h_50/w_0100/c_fit/{encoded}?x=1")
    assert response.status == 301
    assert response.header("Location") == f"/media/w_100/h_50/{encoded}"
    assert response.header("Cache-Control") == YEAR
    assert backend.rendition_keys(key_prefix) == []
    assert backend.server.get(response.header("Location")).status == 200


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("w%5F100/{prefix}/cat.jpg", "w_100/{prefix}/cat.jpg"),
        ("%77_100/{prefix}/cat.jpg", "w_100/{prefix}/cat.jpg"),
        ("w_100/{prefix}%2Fcat.jpg", "w_100/{prefix}/cat.jpg"),
        ("w_100/{prefix}/caf%c3%a9%20%2B.jpg", "w_100/{prefix}/caf%C3%A9%20%2B.jpg"),  # lower-case escapes
        ("w_100/{prefix}/caf%C3%A9%20+.jpg", "w_100/{prefix}/caf%C3%A9%20%2B.jpg"),  # `+` unescaped
        ("w_100/_/{prefix}/cat.jpg", "w_100/{prefix}/cat.jpg"),
        ("s_" + "A" * 43 + "/w_100/{prefix}/cat.jpg", "w_100/{prefix}/cat.jpg"),  # nothing is signed here
        ("s%5F" + "A" * 43 + "/h_75/w%5F0100/{prefix}/cat.jpg", "w_100/h_75/{prefix}/cat.jpg"),
    ],
)
def test_aliases_redirect_once_to_the_builders_spelling(backend: Backend, key_prefix: str, alias, canonical) -> None:
    backend.put_original(f"{key_prefix}/cat.jpg", jpeg())
    backend.put_original(f"{key_prefix}/caf\u00e9 +.jpg", jpeg())
    response = backend.server.request("GET", f"/media/{alias.format(prefix=key_prefix)}")
    assert response.status == 301, response.body[:80]
    assert response.header("Location") == f"/media/{canonical.format(prefix=key_prefix)}"
    assert backend.rendition_keys(key_prefix) == []
    followed = backend.server.get(response.header("Location"))
    assert followed.status == 200 and decode(followed.body).width == 100


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/media/w_abc/{key}", 400),
        ("/media/w_10/w_20/{key}", 400),
        ("/media/w_5000/{key}", 400),
        ("/media/p_nope/{key}", 400),
        ("/media/w_10/{prefix}/../{key}", 400),
        ("/media/w_10/{prefix}/%2e%2e/{key}", 400),
        ("/media/w_10/{prefix}/%252e%252e/{key}", 400),
        ("/media/w_10/{prefix}//{key}", 400),
        ("/media/w_10/{prefix}%5C..%5C{key}", 400),
        ("/media/w_10/{prefix}/%00{key}", 400),
        ("/media/w_10/{prefix}/%0a{key}", 400),
        ("/media/w_10/{prefix}/caf%E9.jpg", 400),
        ("/media/", 400),
        ("/media/w_10", 400),
        ("/media/w_10/{prefix}/missing.jpg", 404),
        ("/media/w_10/{prefix}/text.jpg", 422),
        ("/media/w_10/{prefix}/empty.jpg", 422),
        ("/media/w_10/{prefix}/tiff.jpg", 422),
    ],
)
def test_errors_have_their_status_a_short_body_and_write_nothing(
    backend: Backend, key_prefix: str, path: str, status: int
) -> None:
    backend.put_original(f"{key_prefix}/cat.jpg", jpeg())
    backend.put_original(f"{key_prefix}/text.jpg", b"hello, I am not a picture")
    backend.put_original(f"{key_prefix}/empty.jpg", b"")
    backend.put_original(f"{key_prefix}/tiff.jpg", encode(quadrants(), "TIFF"))
    response = backend.server.get(path.format(key=f"{key_prefix}/cat.jpg", prefix=key_prefix))
    assert response.status == status, response.body
    assert response.header("Content-Type") == "text/plain; charset=utf-8"
    assert response.header("Cache-Control") == "public, max-age=60"
    assert response.header("X-Content-Type-Options") == "nosniff"
    assert 0 < len(response.body) < 200
    assert_no_leak(response.body)
    assert backend.rendition_keys(key_prefix) == []


def test_keys_the_storage_cannot_hold_are_missing_originals(backend: Backend, key_prefix: str) -> None:
    folder = f"{key_prefix}/fz"
    backend.put_original(f"{folder}/small.jpg", jpeg())
    assert backend.server.get(f"/media/w_100/{folder}/small.jpg").status == 200  # both folders exist now
    stored = backend.rendition_keys(key_prefix)
    for key in (
        f"{folder}/{'a' * 252}.jpg",  # a 256-byte segment: over a filesystem's 255-byte name limit
        f"{folder}/{'a' * 252}.jpg/b.jpg",
        f"{folder}/small.jpg/b.jpg",  # a file where a folder would be
        folder,  # a folder where a file would be
    ):
        response = backend.server.get(f"/media/w_100/{key}")
        assert (response.status, response.body) == (404, b"no such original\n"), key
        assert response.header("Cache-Control") == "public, max-age=60"
    assert backend.rendition_keys(key_prefix) == stored


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/media/w_100%0D%0AX-Injected:%201/{key}", b"w_100\\r\\nX-Injected: 1: expected an integer from 1 to 4096\n"),
        ("/media/w_" + "9" * 8192 + "/{key}", ("w_" + "9" * 61 + "…: expected an integer from 1 to 4096\n").encode()),
        (
            "/media/v_%E2%80%A8%C2%85%1B[2J/{key}",
            b"v_\\u2028\\x85\\x1b[2J: expected 1 to 64 characters of A-Z a-z 0-9 _ -\n",
        ),
        # 64 characters, but 3 bytes each: the 200-byte bound on the whole body cuts the line.
        ("/media/p_" + "%E7%8C%AB" * 300 + "/{key}", ("p_" + "\u732b" * 61 + "…: unknow…\n").encode()),
    ],
    ids=["crlf", "8192-digits", "line-separators-and-escape", "long-unicode"],
)
def test_error_bodies_repeat_little_of_the_request_and_no_control_character(
    backend: Backend, key_prefix: str, path: str, body: bytes
) -> None:
    backend.put_original(f"{key_prefix}/cat.jpg", jpeg())
    response = backend.server.get(path.format(key=f"{key_prefix}/cat.jpg"))
    assert (response.status, response.body) == (400, body)
    assert len(response.body) <= 200 and response.header("X-Injected") is None
    assert backend.rendition_keys(key_prefix) == []


def test_a_redirect_body_is_short_however_long_the_key(backend: Backend, key_prefix: str) -> None:
    key = f"{key_prefix}/{'%E7%8C%AB' * 300}.jpg"  # 900 bytes of key, 2,700 characters encoded
    response = backend.server.get(f"/media/h_10/w_10/{key}")
    assert response.status == 301 and response.header("Location") == f"/media/w_10/h_10/{key}"
    assert response.body == f"moved to {response.header('Location')[:63]}…\n".encode()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_other_methods_are_405(backend: Backend, key_prefix: str, method: str) -> None:
    backend.put_original(f"{key_prefix}/cat.jpg", jpeg())
    response = backend.server.request(method, f"/media/w_10/{key_prefix}/cat.jpg")
    assert response.status == 405
    assert response.header("Allow") == "GET, HEAD"
    assert response.header("Cache-Control") == "no-store"
    assert backend.rendition_keys(key_prefix) == []


def test_probes(backend: Backend) -> None:
    for path, body in (("/healthz", b"ok\n"), ("/readyz", b"ready\n")):
        response = backend.server.get(path)
        assert (response.status, response.body) == (200, body)
        assert response.header("Cache-Control") == "no-store"


def test_a_missing_originals_folder_is_not_ready_and_is_never_made(start_server, data_dir) -> None:
    """The originals' folder is the operator's (a volume that may fail to mount): without it every
    request would be 404, so the pod stays out of the load balancer. The renditions' folder is ours
    to make."""
    (data_dir / "originals" / "cat.jpg").write_bytes(jpeg())
    server = start_server({"RESIZER_DATA_DIR": str(data_dir)})
    assert server.get("/readyz").status == 200
    assert (data_dir / "renditions").is_dir()
    (data_dir / "originals").rename(data_dir / "away")
    response = server.get("/readyz")
    assert (response.status, response.body) == (503, b"storage unavailable\n")
    assert response.header("Cache-Control") == "no-store"
    assert not (data_dir / "originals").exists()
    (data_dir / "away").rename(data_dir / "originals")
    (data_dir / "renditions").rmdir()
    assert server.get("/readyz").status == 200
    assert server.get("/media/w_10/cat.jpg").status == 200


def test_signed_urls(start_server, data_dir, key_prefix: str) -> None:
    (data_dir / "originals" / "cat.jpg").write_bytes(jpeg())
    server = start_server(
        {
            "RESIZER_DATA_DIR": str(data_dir),
            "RESIZER_SIGNING_KEYS": "new-key,old-key",
            "RESIZER_PRESETS": '{"thumb": "w_20/h_20/c_fill"}',
        }
    )
    signed = sign("w_100/cat.jpg", b"new-key")
    assert server.get(f"/media/s_{signed}/w_100/cat.jpg").status == 200
    assert server.get(f"/media/s_{sign('w_100/cat.jpg', b'old-key')}/w_100/cat.jpg").status == 200
    for bad in (
        "/media/w_100/cat.jpg",  # missing
        f"/media/s_{sign('w_100/cat.jpg', b'other')}/w_100/cat.jpg",  # wrong key
        f"/media/s_{signed}/w_101/cat.jpg",  # another path
        f"/media/s_{sign('w_0100/cat.jpg', b'new-key')}/w_0100/cat.jpg",  # signed the non-canonical form
    ):
        response = server.get(bad)
        assert response.status == 403, bad
        assert response.header("Cache-Control") == "public, max-age=60"
    # A malformed signature is a wrong one: 403 like the others, not a malformed request.
    for malformed in ("s_short", "s_" + "A" * 44, "s_" + "A" * 42 + "!", "s_"):
        response = server.get(f"/media/{malformed}/w_100/cat.jpg")
        assert (response.status, response.body) == (
            403,
            b"malformed signature: expected s_ and 43 base64url characters\n",
        )
        assert response.header("Cache-Control") == "public, max-age=60"
    redirect = server.get(f"/media/s_{signed}/w_0100/cat.jpg")
    assert redirect.status == 301
    assert redirect.header("Location") == f"/media/s_{signed}/w_100/cat.jpg"
    # The signature is over the decoded canonical path: another escape of it verifies, then 301s.
    for alias in (f"s_{signed}/w%5F100/cat.jpg", f"s%5F{signed}/w_100/cat%2Ejpg", f"s_{signed}/%77_100/cat.jpg"):
        redirect = server.get(f"/media/{alias}")
        assert (redirect.status, redirect.header("Location")) == (301, f"/media/s_{signed}/w_100/cat.jpg"), alias
        assert server.get(redirect.header("Location")).status == 200
    wrong = sign("w_100/cat.jpg", b"other")
    assert server.get(f"/media/s_{wrong}/w%5F100/cat.jpg").status == 403  # checked before the redirect
    preset = sign("p_thumb/cat.jpg", b"new-key")
    response = server.get(f"/media/s_{preset}/p_thumb/cat.jpg")
    assert response.status == 200 and decode(response.body).size == (20, 20)
    assert sorted(p.name for p in (data_dir / "renditions" / "cat.jpg").iterdir()) == [
        "w_100.jpg",
        "w_20,h_20,c_fill.jpg",
    ]
