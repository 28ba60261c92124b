"""The distribution client against the real registry (distribution 2.8) on 127.0.0.1."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from caulk.errors import AuthError, RegistryError
from caulk.registry.client import RegistryClient
from caulk.registry.credentials import Credentials, CredentialStore
from caulk.registry.reference import Reference
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _image(seed: str) -> tuple[bytes, bytes, bytes]:
    layer = gzip.compress(seed.encode() * 1000, mtime=0)
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": _digest(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": _digest(layer),
                    "size": len(layer),
                }
            ],
        }
    ).encode()
    return layer, config, manifest


def _push(client: RegistryClient, host: str, repo: str, tag: str, seed: str, **kw: int) -> str:
    layer, config, manifest = _image(seed)
    for blob in (layer, config):
        client.push_blob(host, repo, _digest(blob), len(blob), lambda b=blob: io.BytesIO(b), **kw)
    return client.put_manifest(Reference(host, repo, tag), manifest, OCI_MANIFEST)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    with RegistryServer.start(tmp_path_factory.mktemp("registry")) as server:
        yield server


@pytest.fixture
def client(registry: RegistryServer) -> Iterator[RegistryClient]:
    with RegistryClient(insecure=frozenset({registry.host}), retries=1, backoff=0.01) as c:
        yield c


def test_push_pull_roundtrip(client: RegistryClient, registry: RegistryServer) -> None:
    host = registry.host
    digest = _push(client, host, "team-a/app", "1.0", "roundtrip")
    got = client.get_manifest(Reference(host, "team-a/app", "1.0"))
    assert got.digest == digest
    assert got.media_type == OCI_MANIFEST
    layer_desc = json.loads(got.body)["layers"][0]
    with client.open_blob(host, "team-a/app", layer_desc["digest"]) as stream:
        data = stream.read()
    assert _digest(data) == layer_desc["digest"]
    assert client.head_manifest(Reference(host, "team-a/app", "1.0")) == digest
    assert client.head_manifest(Reference(host, "team-a/app", "nope")) is None


def test_chunked_upload_mount_tags_catalog_delete(
    client: RegistryClient, registry: RegistryServer
) -> None:
    host = registry.host
    digest = _push(client, host, "team-b/svc", "v1", "chunked", chunk_size=1000)
    _push(client, host, "team-b/svc", "v2", "second")
    assert sorted(client.list_tags(host, "team-b/svc")) == ["v1", "v2"]
    layer, _, _ = _image("chunked")
    assert client.mount_blob(host, "team-c/copy", _digest(layer), "team-b/svc")
    assert client.blob_exists(host, "team-c/copy", _digest(layer))
    assert {"team-b/svc"} <= set(client.list_repositories(host))
    client.delete_manifest(host, "team-b/svc", digest)
    assert client.head_manifest(Reference(host, "team-b/svc", "v1")) is None
    assert client.list_tags(host, "team-b/svc") == ["v2"]


def test_referrers_tag_fallback(client: RegistryClient, registry: RegistryServer) -> None:
    host = registry.host
    subject = _push(client, host, "ref/app", "1", "subject")
    assert client.referrers(host, "ref/app", subject) == []
    artifact = _push(client, host, "ref/app", "sig", "signature")
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {"mediaType": OCI_MANIFEST, "digest": artifact, "size": 1, "artifactType": "x/y"}
            ],
        }
    ).encode()
    client.put_manifest(Reference(host, "ref/app", subject.replace(":", "-")), index, OCI_INDEX)
    found = client.referrers(host, "ref/app", subject)
    assert [d["digest"] for d in found] == [artifact]


def test_unknown_digest_is_a_registry_error(
    client: RegistryClient, registry: RegistryServer
) -> None:
    # A body not matching its digest needs a lying registry: see test_hostile.py.
    host = registry.host
    _push(client, host, "lie/app", "1", "lie")
    wrong = "sha256:" + "0" * 64
    with pytest.raises(RegistryError, match="MANIFEST_UNKNOWN"):
        client.get_manifest(Reference(host, "lie/app", None, wrong))


@pytest.fixture(scope="module")
def secure_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    with RegistryServer.start(
        tmp_path_factory.mktemp("secure"), tls=True, users={"alice": "s3cret"}
    ) as server:
        yield server


def test_tls_and_basic_auth(secure_registry: RegistryServer, tmp_path: Path) -> None:
    host = secure_registry.host
    assert secure_registry.ca_file is not None
    creds = CredentialStore(tmp_path / "none.json", {host: Credentials("alice", "s3cret")})
    with RegistryClient(credentials=creds, ca_file=str(secure_registry.ca_file)) as client:
        digest = _push(client, host, "secure/app", "1", "secure")
        assert client.get_manifest(Reference(host, "secure/app", "1")).digest == digest


def test_tls_verification_is_on_by_default(secure_registry: RegistryServer, tmp_path: Path) -> None:
    creds = CredentialStore(tmp_path / "none.json")
    with (
        RegistryClient(credentials=creds, retries=0) as client,
        pytest.raises(RegistryError, match="ConnectError"),
    ):
        client.ping(secure_registry.host)


def test_wrong_password_is_an_auth_error_without_the_secret(
    secure_registry: RegistryServer, tmp_path: Path
) -> None:
    host = secure_registry.host
    creds = CredentialStore(tmp_path / "none.json", {host: Credentials("alice", "WRONGPASS")})
    with RegistryClient(credentials=creds, ca_file=str(secure_registry.ca_file)) as client:
        with pytest.raises(AuthError) as info:
            client.get_manifest(Reference(host, "secure/app", "1"))
    assert "WRONGPASS" not in str(info.value)
    assert "401" in str(info.value)


def test_docker_config_auths(secure_registry: RegistryServer, tmp_path: Path) -> None:
    import base64

    host = secure_registry.host
    config = tmp_path / "config.json"
    auth = base64.b64encode(b"alice:s3cret").decode()
    config.write_text(json.dumps({"auths": {host: {"auth": auth}}}))
    with RegistryClient(
        credentials=CredentialStore(config), ca_file=str(secure_registry.ca_file)
    ) as client:
        client.ping(host)
