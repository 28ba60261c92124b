"""The client against registries that lie, loop, drip, redirect or answer garbage: a small real
HTTP server on 127.0.0.1 plays each part (no real registry misbehaves on demand)."""

from __future__ import annotations

import hashlib
import http.server
import json
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from caulk.errors import AuthError, RegistryError, UsageError, VerificationError
from caulk.registry.client import MAX_PAGES, RegistryClient
from caulk.registry.credentials import Credentials, CredentialStore
from caulk.registry.reference import Reference
from tests.conftest import CaulkRun
from tests.support.http_server import drip, endless, reply, serve
from tests.support.limits import Bounded, run_python


def _client(host: str, tmp_path: Path, **kw: object) -> RegistryClient:
    creds = CredentialStore(tmp_path / "none.json", {host: Credentials("bob", "hunter2")})
    return RegistryClient(
        credentials=creds,
        insecure=frozenset({host}),
        retries=2,
        backoff=0.001,
        **kw,  # type: ignore[arg-type]
    )


def test_manifest_not_matching_announced_digest(tmp_path: Path) -> None:
    body = b'{"schemaVersion": 2}'
    fake = "sha256:" + hashlib.sha256(b"other").hexdigest()

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        reply(
            h,
            200,
            body,
            Content_Type="application/vnd.oci.image.manifest.v1+json",
            Docker_Content_Digest=fake,
        )

    with serve(handle) as (host, _), _client(host, tmp_path) as client:
        with pytest.raises(VerificationError, match="does not match its digest"):
            client.get_manifest(Reference(host, "a/b", "1"))


def test_credentials_do_not_follow_a_redirect_to_another_host(tmp_path: Path) -> None:
    with serve(lambda h: reply(h, 200, b"blob")) as (other, other_seen):

        def handle(h: http.server.BaseHTTPRequestHandler) -> None:
            if "Authorization" not in h.headers:
                reply(h, 401, b"", WWW_Authenticate='Basic realm="r"')
            elif h.path.startswith("/v2/a/b/blobs/"):
                reply(h, 307, b"", Location=f"http://{other}/storage/blob")
            else:
                reply(h, 200, b"{}")

        with serve(handle) as (host, seen), _client(host, tmp_path) as client:
            with client.open_blob(host, "a/b", "sha256:" + "1" * 64) as stream:
                assert stream.read() == b"blob"
    assert any("authorization" in s for s in seen)
    assert other_seen and all("authorization" not in s for s in other_seen)


def test_html_error_page_is_one_clear_line_after_retries(tmp_path: Path) -> None:
    with serve(lambda h: reply(h, 503, b"<html><body>oops</body></html>")) as (host, seen):
        with _client(host, tmp_path) as client, pytest.raises(RegistryError) as info:
            client.get_manifest(Reference(host, "a/b", "1"))
    assert str(info.value) == f"{host}: GET /v2/a/b/manifests/1: HTTP 503"
    manifest_requests = [s for s in seen if s["path"] == "/v2/a/b/manifests/1"]
    assert len(manifest_requests) == 3  # first try + 2 retries


def test_4xx_is_never_retried(tmp_path: Path) -> None:
    with serve(
        lambda h: reply(h, 404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"m"}]}')
    ) as (
        host,
        seen,
    ):
        with (
            _client(host, tmp_path) as client,
            pytest.raises(RegistryError, match="MANIFEST_UNKNOWN"),
        ):
            client.get_manifest(Reference(host, "a/b", "1"))
    assert len([s for s in seen if s["path"].startswith("/v2/a/b")]) == 1


def test_429_honours_retry_after_then_succeeds(tmp_path: Path) -> None:
    calls = {"n": 0}
    body = b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json"}'

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the first is the scheme probe on /v2/
            reply(h, 429, b"", Retry_After="0")
        else:
            reply(h, 200, body, Content_Type="application/vnd.oci.image.manifest.v1+json")

    with serve(handle) as (host, _), _client(host, tmp_path) as client:
        assert client.get_manifest(Reference(host, "a/b", "1")).body == body


def test_401_loop_stops(tmp_path: Path) -> None:
    with serve(lambda h: reply(h, 401, b"", WWW_Authenticate='Basic realm="r"')) as (host, seen):
        with _client(host, tmp_path) as client, pytest.raises(AuthError, match="401"):
            client.get_manifest(Reference(host, "a/b", "1"))
    assert len([s for s in seen if s["path"].startswith("/v2/a/b")]) == 2


def test_huge_manifest_is_refused(tmp_path: Path) -> None:
    big = b" " * (5 * 1024 * 1024)
    with serve(lambda h: reply(h, 200, big, Content_Type="application/json")) as (host, _):
        with _client(host, tmp_path) as client, pytest.raises(RegistryError, match="larger than"):
            client.get_manifest(Reference(host, "a/b", "1"))


def test_slow_loris_manifest_is_cut_off(tmp_path: Path) -> None:
    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        if h.path == "/v2/":
            reply(h, 200, b"{}")
            return
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.end_headers()
        for _ in range(40):
            try:
                h.wfile.write(b" ")
                h.wfile.flush()
            except OSError:
                return
            time.sleep(0.1)

    with serve(handle) as (host, _), _client(host, tmp_path, manifest_deadline=1.0) as client:
        started = time.monotonic()
        with pytest.raises(RegistryError, match="longer than"):
            client.get_manifest(Reference(host, "a/b", "1"))
        assert time.monotonic() - started < 3


MANIFEST = b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json"}'


def _sha512(data: bytes) -> str:
    return "sha512:" + hashlib.sha512(data).hexdigest()


def _manifest_server(body: bytes):  # type: ignore[no-untyped-def]
    return serve(
        lambda h: reply(h, 200, body, Content_Type="application/vnd.oci.image.manifest.v1+json")
    )


def test_a_sha512_pin_is_verified(tmp_path: Path) -> None:
    """Issue 9 item 2: `@sha512:…` used to skip the check and accept whatever came back."""
    with _manifest_server(MANIFEST) as (host, _), _client(host, tmp_path) as client:
        pinned = Reference(host, "a/b", None, _sha512(MANIFEST))
        assert client.get_manifest(pinned).digest == _sha512(MANIFEST)
        lie = Reference(host, "a/b", None, _sha512(b"what the user pinned"))
        with pytest.raises(VerificationError, match="does not match its digest"):
            client.get_manifest(lie)


@pytest.mark.parametrize(
    "digest",
    ["md5:" + "0" * 32, "sha384:" + "0" * 96, "sha256:" + "A" * 64, "sha512:" + "0" * 64],
)
def test_a_pin_caulk_cannot_verify_is_refused_before_asking(tmp_path: Path, digest: str) -> None:
    with _manifest_server(MANIFEST) as (host, seen), _client(host, tmp_path) as client:
        with pytest.raises(UsageError) as info:
            client.get_manifest(Reference(host, "a/b", None, digest))
    assert info.value.exit_code == 2
    assert not [s for s in seen if "/manifests/" in s["path"]]


def test_an_announced_sha512_digest_is_checked(tmp_path: Path) -> None:
    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        reply(h, 200, MANIFEST, Docker_Content_Digest=_sha512(b"other"))

    with serve(handle) as (host, _), _client(host, tmp_path) as client:
        with pytest.raises(VerificationError, match="does not match its digest"):
            client.get_manifest(Reference(host, "a/b", "1"))


@pytest.mark.parametrize("command", ["scan", "verify", "copy"])
def test_cli_refuses_content_a_sha512_pin_does_not_match(
    tmp_path: Path, run_caulk: Callable[..., CaulkRun], command: str
) -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    pem = key.public_bytes(serialization.Encoding.PEM, spki)
    (tmp_path / "cosign.pub").write_bytes(pem)
    extra = {
        "scan": [],
        "verify": ["--key", str(tmp_path / "cosign.pub")],
        "copy": [f"oci:{tmp_path / 'out'}:1"],
    }[command]
    with _manifest_server(MANIFEST) as (host, _):
        ref = f"{host}/a/b@{_sha512(b'pinned content')}"
        env = {"CAULK_INSECURE_REGISTRIES": host}
        run = run_caulk(command, ref, *extra, env=env, timeout=120)
        md5 = run_caulk(command, f"{host}/a/b@md5:{'0' * 32}", *extra, env=env, timeout=120)
    assert run.code == 2, run
    assert run.stderr.count("\n") == 1 and "does not match its digest" in run.stderr, run
    assert md5.code == 2 and "cannot verify a 'md5' digest" in md5.stderr, md5
    assert not (tmp_path / "out").exists()


def _list_tags_bounded(host: str, max_pages: int = MAX_PAGES) -> Bounded:
    """`list_tags` in a subprocess under a 1 GiB cap and a timeout: before the fix these
    servers made it loop forever or read an endless page into memory."""
    code = f"""
from pathlib import Path
import caulk.registry.client as c
from caulk.errors import RegistryError
c.MAX_PAGES = {max_pages}
client = c.RegistryClient(credentials=c.CredentialStore(Path("/nonexistent")),
                          insecure=frozenset({{"{host}"}}), retries=0)
try:
    print(len(client.list_tags("{host}", "a/b")))
except RegistryError as exc:
    print(exc)
"""
    return run_python(code, memory_mb=1024, timeout=120)


def test_endless_tag_pagination_stops() -> None:
    """Issue 9 item 17: `Link: rel=next` forever, with a fresh `last` each page."""
    pages = {"n": 0}

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        pages["n"] += 1
        n = pages["n"]
        body = json.dumps({"name": "a/b", "tags": [f"t{n}"]}).encode()
        reply(h, 200, body, Link=f'</v2/a/b/tags/list?last=t{n}&n=1>; rel="next"')

    with serve(handle) as (host, _):
        run = _list_tags_bounded(host, max_pages=50)
    assert (
        run.rc == 0 and run.stdout.strip() == f"{host}: GET /v2/a/b/tags/list: more than 50 pages"
    ), run
    assert pages["n"] <= 52


@pytest.mark.parametrize(
    ("link", "tags"),
    [
        ('</v2/a/b/tags/list?last=t0&n=1&x={n}>; rel="next"', ["t1"]),  # `last` goes back
        ('</v2/a/b/tags/list?last=t1&n=1&x={n}>; rel="next"', ["t1"]),  # `last` never moves
        ('</v2/a/b/tags/list?page={n}>; rel="next"', []),  # empty pages forever
    ],
)
def test_pagination_that_does_not_advance_is_an_error(link: str, tags: list[str]) -> None:
    calls = {"n": 0}

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        calls["n"] += 1
        body = json.dumps({"name": "a/b", "tags": tags}).encode()
        reply(h, 200, body, Link=link.format(n=calls["n"]))

    with serve(handle) as (host, _):
        run = _list_tags_bounded(host)
    assert run.rc == 0 and "pagination does not advance" in run.stdout, run
    assert calls["n"] <= 4


def test_honest_pagination_still_lists_everything(tmp_path: Path) -> None:
    names = [f"t{i:02d}" for i in range(7)]

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        query = dict(parse_qsl(urlsplit(h.path).query))
        rest = [t for t in names if t > query.get("last", "")]
        page, more = rest[:3], rest[3:]
        headers = {"Link": f'</v2/a/b/tags/list?last={page[-1]}&n=3>; rel="next"'} if more else {}
        reply(h, 200, json.dumps({"name": "a/b", "tags": page}).encode(), **headers)

    with serve(handle) as (host, _), _client(host, tmp_path) as client:
        assert client.list_tags(host, "a/b") == names


def test_a_huge_tag_page_is_refused() -> None:
    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        endless(h, b'{"tags": [', b'"x",' * 16384)

    with serve(handle) as (host, _):
        run = _list_tags_bounded(host)
    assert run.rc == 0, run
    assert run.stdout.strip() == f"{host}: GET /v2/a/b/tags/list: answer larger than 4194304 bytes"


def test_a_dripping_blob_is_cut_off_by_the_minimum_throughput(tmp_path: Path) -> None:
    """Issue 9 item 16: one byte every 0.2 s never trips the per-read timeout."""

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        if h.path == "/v2/":
            reply(h, 200, b"{}")
        else:
            drip(h, b"x" * 100, every=0.2, length=100)

    with serve(handle) as (host, _):
        with _client(host, tmp_path, blob_min_rate=1000.0, blob_rate_window=1.0) as client:
            started = time.monotonic()
            with client.open_blob(host, "a/b", "sha256:" + "1" * 64) as stream:
                with pytest.raises(RegistryError, match="download too slow"):
                    stream.read()
            assert time.monotonic() - started < 10


def test_a_slow_reader_is_not_blamed_on_the_registry(tmp_path: Path) -> None:
    blob = b"y" * (3 << 20)
    with serve(lambda h: reply(h, 200, blob)) as (host, _):
        with _client(host, tmp_path, blob_min_rate=4 << 20, blob_rate_window=0.05) as client:
            with client.open_blob(host, "a/b", "sha256:" + "1" * 64) as stream:
                got = b""
                while chunk := stream.read(256 << 10):
                    got += chunk
                    time.sleep(0.1)  # 2.5 MiB/s of wall time: the consumer is slow, not the network
    assert got == blob


@pytest.mark.parametrize("lie", [False, True])
def test_lifecycle_reads_only_a_verified_config(tmp_path: Path, lie: bool) -> None:
    """A registry swapping the config blob cannot move an image's `created` date."""
    from caulk.registry.lifecycle import _created

    honest = json.dumps({"created": "2024-05-01T00:00:00Z"}).encode()
    served = json.dumps({"created": "2025-09-09T00:00:00Z"}).encode() if lie else honest
    digest = "sha256:" + hashlib.sha256(honest).hexdigest()
    doc = {"config": {"digest": digest, "size": len(honest)}}
    with serve(lambda h: reply(h, 200, served)) as (host, _), _client(host, tmp_path) as client:
        created = _created(client, host, "a/b", doc, "application/vnd.oci.image.manifest.v1+json")
    assert (created is None) if lie else (created is not None and created.year == 2024)


def test_verify_with_a_true_sha512_pin_asks_for_sha256(
    tmp_path: Path, run_caulk: Callable[..., CaulkRun]
) -> None:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, spki)
    )
    (tmp_path / "cosign.pub").write_bytes(pem)
    with _manifest_server(MANIFEST) as (host, _):
        ref = f"{host}/a/b@{_sha512(MANIFEST)}"
        env = {"CAULK_INSECURE_REGISTRIES": host}
        run = run_caulk("verify", ref, "--key", tmp_path / "cosign.pub", env=env, timeout=120)
    assert run.code == 2 and "signatures are found by sha256 digest" in run.stderr, run
