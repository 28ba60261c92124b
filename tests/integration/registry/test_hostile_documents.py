"""Registry documents built to crash the parser (issue 9 items 19): a manifest nested 5,000 deep
served without a Content-Type used to escape the client as RecursionError (exit 3)."""

from __future__ import annotations

import http.server
from pathlib import Path

from caulk.registry.client import RegistryClient
from caulk.registry.credentials import CredentialStore
from caulk.registry.reference import Reference
from tests.support.http_server import reply, serve

DEEP = b'{"schemaVersion": 2, "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"


def test_deep_manifest_without_content_type_is_not_sniffed_into_a_crash(tmp_path: Path) -> None:
    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        reply(h, 200, DEEP)  # no Content-Type: the client sniffs mediaType from the body

    with (
        serve(handle) as (host, _),
        RegistryClient(
            credentials=CredentialStore(tmp_path / "none.json", {}),
            insecure=frozenset({host}),
            retries=1,
            backoff=0.001,
        ) as client,
    ):
        manifest = client.get_manifest(Reference(host, "a/b", "1"))
    assert manifest.media_type == "" and manifest.body == DEEP
