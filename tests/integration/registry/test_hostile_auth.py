"""Auth against hostile peers (issue 9, items 1, 4, 9, 16, 25): a redirect target that asks for
credentials, a redirect to the same host over plain HTTP, token services that lie, drip or never
stop talking. Each peer is a real HTTP server on 127.0.0.1 (tests/support/http_server.py)."""

from __future__ import annotations

import base64
import http.server
import json
import time
from pathlib import Path

import pytest

from caulk.errors import AuthError, RegistryError
from caulk.registry.client import RegistryClient
from caulk.registry.credentials import Credentials, CredentialStore
from tests.support.http_server import drip, endless, reply, serve
from tests.support.limits import run_python
from tests.support.registry import make_ca_and_cert

BLOB = "sha256:" + "1" * 64
BASIC = "Basic " + base64.b64encode(b"bob:hunter2").decode()


def _client(host: str, tmp_path: Path, **kw: object) -> RegistryClient:
    creds = CredentialStore(tmp_path / "none.json", {host: Credentials("bob", "hunter2")})
    kw.setdefault("insecure", frozenset({host}))
    return RegistryClient(credentials=creds, retries=0, backoff=0.001, **kw)  # type: ignore[arg-type]


def _basic_registry(cdn: str):  # type: ignore[no-untyped-def]
    """A registry asking for Basic credentials whose blobs live behind `cdn`."""

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        if h.headers.get("Authorization") != BASIC:
            reply(h, 401, b"", WWW_Authenticate='Basic realm="registry"')
        elif h.path.startswith("/v2/a/b/blobs/"):
            reply(h, 307, b"", Location=f"http://{cdn}/bucket/blob")
        else:
            reply(h, 200, b"{}")

    return handle


def test_a_redirect_target_bearer_challenge_never_gets_the_password(tmp_path: Path) -> None:
    def cdn_handle(h: http.server.BaseHTTPRequestHandler) -> None:
        if h.path.startswith("/token"):
            reply(h, 200, b'{"token": "attacker-token"}')
        elif h.headers.get("Authorization") == "Bearer attacker-token":
            reply(h, 200, b"blob")
        else:
            reply(h, 401, b"", WWW_Authenticate=f'Bearer realm="http://{cdn}/token",service="x"')

    with serve(cdn_handle) as (cdn, cdn_seen):
        with serve(_basic_registry(cdn)) as (host, seen), _client(host, tmp_path) as client:
            with client.open_blob(host, "a/b", BLOB) as stream:
                assert stream.read() == b"blob"  # the CDN's own anonymous token opened it
            client.ping(host)  # the registry's auth state is still its own
    assert all("authorization" not in s for s in cdn_seen if s["path"].startswith("/token"))
    assert all(s.get("authorization") != BASIC for s in cdn_seen)
    assert not any("hunter2" in json.dumps(s) for s in cdn_seen)
    registry_auth = [s.get("authorization") for s in seen if s["path"] == "/v2/"]
    assert registry_auth[-1] == BASIC  # never the attacker's token


def test_a_redirect_target_basic_challenge_is_refused(tmp_path: Path) -> None:
    with serve(lambda h: reply(h, 401, b"", WWW_Authenticate='Basic realm="cdn"')) as (
        cdn,
        cdn_seen,
    ):
        with serve(_basic_registry(cdn)) as (host, _), _client(host, tmp_path) as client:
            with pytest.raises(AuthError, match=r"redirect target http://127\.0\.0\.1:\d+ asks"):
                client.open_blob(host, "a/b", BLOB)
            client.ping(host)  # still answered with the registry's own Basic challenge
    assert cdn_seen and all("authorization" not in s for s in cdn_seen)


def test_https_to_http_on_the_same_host_drops_the_credentials(tmp_path: Path) -> None:
    ca, cert, key = make_ca_and_cert(tmp_path / "tls")
    port: list[str] = []

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        secure = hasattr(h.connection, "cipher")
        if not secure:
            reply(h, 200, b"plain")  # what a network attacker on plain HTTP would see
        elif h.headers.get("Authorization") != BASIC:
            reply(h, 401, b"", WWW_Authenticate='Basic realm="registry"')
        else:
            reply(h, 307, b"", Location=f"http://{port[0]}/v2/a/b/blobs/{BLOB}")

    with serve(handle, tls=(cert, key)) as (host, seen):
        port.append(host)
        with _client(host, tmp_path, insecure=frozenset(), ca_file=str(ca)) as client:
            with client.open_blob(host, "a/b", BLOB) as stream:
                assert stream.read() == b"plain"
    plain = [s for s in seen if s.get("authorization") is None and s["path"].endswith(BLOB)]
    assert len(plain) == 2  # the first (unauthenticated) try, and the redirected plain GET
    assert sum(1 for s in seen if s.get("authorization") == BASIC) == 1  # only over TLS


def _bearer_registry(token_handle):  # type: ignore[no-untyped-def]
    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        if h.path.startswith("/token"):
            token_handle(h)
        elif h.headers.get("Authorization") == "Bearer good":
            reply(h, 200, b"{}")
        else:
            host = h.headers["Host"]
            reply(h, 401, b"", WWW_Authenticate=f'Bearer realm="http://{host}/token",service="s"')

    return handle


def test_a_non_json_token_answer_names_the_registry(tmp_path: Path) -> None:
    with serve(_bearer_registry(lambda h: reply(h, 200, b"<html>login</html>"))) as (host, _):
        with _client(host, tmp_path) as client, pytest.raises(RegistryError) as info:
            client.ping(host)
    assert str(info.value).startswith(f"{host}: token reply is not valid JSON")


@pytest.mark.parametrize("expires_in", ["1" + "0" * 400, "NaN", "Infinity"])
def test_a_token_reply_that_is_not_strict_json_is_one_error(
    tmp_path: Path, expires_in: str
) -> None:
    body = f'{{"token": "good", "expires_in": {expires_in}}}'.encode()
    with serve(_bearer_registry(lambda h: reply(h, 200, body))) as (host, _):
        with _client(host, tmp_path) as client, pytest.raises(RegistryError) as info:
            client.ping(host)
    assert str(info.value).startswith(f"{host}: token reply is not valid JSON (")


@pytest.mark.parametrize("expires_in", ["1e400", "-5", "true", '"3600"', "9" * 20])
def test_absurd_expires_in_is_clamped(tmp_path: Path, expires_in: str) -> None:
    body = f'{{"token": "good", "expires_in": {expires_in}}}'.encode()
    with serve(_bearer_registry(lambda h: reply(h, 200, body))) as (host, seen):
        with _client(host, tmp_path) as client:
            client.ping(host)
            client.ping(host)
    assert len([s for s in seen if s["path"].startswith("/token")]) == 1  # cached, not overflowed


def test_a_dripping_token_reply_is_cut_off_by_the_deadline(tmp_path: Path) -> None:
    body = b'{"token": "good"}'

    def token(h: http.server.BaseHTTPRequestHandler) -> None:
        drip(h, body, every=0.2, length=len(body))

    with serve(_bearer_registry(token)) as (host, _):
        with _client(host, tmp_path, manifest_deadline=1.0) as client:
            started = time.monotonic()
            with pytest.raises(RegistryError, match="token reply took longer than 1 s"):
                client.ping(host)
            assert time.monotonic() - started < 10


def test_an_endless_token_reply_stays_small(tmp_path: Path) -> None:
    """Before the fix a 1.5 GB token reply took caulk to 9.6 GB RSS: here the reply never ends
    and the client runs under a 1 GiB address-space cap."""
    with serve(_bearer_registry(lambda h: endless(h, b'{"token": "', b"A" * 65536))) as (host, _):
        code = f"""
import resource
from pathlib import Path
from caulk.errors import RegistryError
from caulk.registry.client import RegistryClient
from caulk.registry.credentials import CredentialStore
client = RegistryClient(credentials=CredentialStore(Path("/nonexistent")),
                        insecure=frozenset({{"{host}"}}), retries=0)
try:
    client.ping("{host}")
except RegistryError as exc:
    print(exc)
status = open('/proc/self/status').read()  # VmHWM: ru_maxrss keeps the parent's peak
print(int(status.split('VmHWM:')[1].split()[0]) // 1024, "MiB")
"""
        run = run_python(code, memory_mb=1024, timeout=120)
    assert run.rc == 0, run
    message, peak = run.stdout.splitlines()
    assert message == f"{host}: token reply larger than 65536 bytes"
    assert int(peak.split()[0]) < 200, run.stdout
