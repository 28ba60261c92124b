"""The client against registries that lie, loop, drip, redirect or answer garbage: a small real
HTTP server on 127.0.0.1 plays each part (no real registry misbehaves on demand)."""

from __future__ import annotations

import hashlib
import http.server
import time
from pathlib import Path

import pytest

from caulk.errors import AuthError, RegistryError, VerificationError
from caulk.registry.client import RegistryClient
from caulk.registry.credentials import Credentials, CredentialStore
from caulk.registry.reference import Reference
from tests.support.http_server import reply, serve


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
