"""Bearer-token auth against the real registry in `auth.token` mode with a test issuer:
namespace access like `team-a/*`, token caching per scope, refused pushes."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from caulk.errors import AuthError
from caulk.registry.client import RegistryClient
from caulk.registry.credentials import Credentials, CredentialStore
from caulk.registry.reference import Reference
from tests.support.registry import RegistryServer
from tests.support.token_issuer import TokenIssuer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RegistryServer, TokenIssuer]]:
    root = tmp_path_factory.mktemp("token")
    acl = {"alice": {"team-a/*": "pull,push"}, "bob": {"team-a/*": "pull"}, "": {}}
    with TokenIssuer.start(root / "issuer", users={"alice": "a", "bob": "b"}, acl=acl) as issuer:
        with RegistryServer.start(root / "registry", token=issuer.registry_config()) as registry:
            yield registry, issuer


def _client(host: str, tmp_path: Path, user: str, password: str) -> RegistryClient:
    creds = CredentialStore(tmp_path / "none.json", {host: Credentials(user, password)})
    return RegistryClient(credentials=creds, insecure=frozenset({host}), retries=0)


def test_team_namespace_push_and_pull(
    setup: tuple[RegistryServer, TokenIssuer], tmp_path: Path
) -> None:
    registry, issuer = setup
    host = registry.host
    blob = b"team-a layer"
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    with _client(host, tmp_path, "alice", "a") as alice:
        alice.push_blob(host, "team-a/app", digest, len(blob), lambda: io.BytesIO(blob))
        assert alice.blob_exists(host, "team-a/app", digest)
        before = len(issuer.issued)
        for _ in range(3):  # cached token per scope: no new token per request
            assert alice.blob_exists(host, "team-a/app", digest)
        assert len(issuer.issued) == before
        with pytest.raises(AuthError):
            alice.push_blob(host, "team-b/app", digest, len(blob), lambda: io.BytesIO(blob))
    with _client(host, tmp_path, "bob", "b") as bob:
        assert bob.blob_exists(host, "team-a/app", digest)
        with pytest.raises(AuthError):
            bob.push_blob(host, "team-a/other", digest, len(blob), lambda: io.BytesIO(blob))


def test_wrong_password_and_anonymous(
    setup: tuple[RegistryServer, TokenIssuer], tmp_path: Path
) -> None:
    registry, _ = setup
    host = registry.host
    with _client(host, tmp_path, "alice", "nope") as client, pytest.raises(AuthError) as info:
        client.head_manifest(Reference(host, "team-a/app", "1"))
    assert "nope" not in str(info.value)
    creds = CredentialStore(tmp_path / "none.json")
    with RegistryClient(credentials=creds, insecure=frozenset({host}), retries=0) as anon:
        with pytest.raises(AuthError):
            anon.head_manifest(Reference(host, "team-a/app", "1"))
