"""Signatures and attestations in the real registry (distribution 2.8), with skopeo as the peer:
skopeo copies caulk's signature attachments (c/image `use-sigstore-attachments`) and caulk
verifies what skopeo wrote; skopeo's own sigstore signing/verification is tried and, where the
Debian build disables it, the test says so."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from caulk.errors import SignatureError
from caulk.registry.client import RegistryClient
from caulk.registry.reference import Reference
from caulk.signing.attest import attest_image, verify_attestations
from caulk.signing.interface import PREDICATE_TYPES
from caulk.signing.keys import generate_key_pair
from caulk.signing.sign import sign_image, verify_image
from tests.support import synth
from tests.support.registry import RegistryServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.tools("skopeo"),
]

DEBIAN_SIGSTORE_DISABLED = "Debian-local change: sigstore disabled"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    with RegistryServer.start(tmp_path_factory.mktemp("registry")) as server:
        yield server


@pytest.fixture
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _push(tmp_path: Path, registry: RegistryServer, repo_tag: str, seed: bytes) -> str:
    layout = synth.oci_layout(
        tmp_path / f"src-{seed.decode()}", [synth.tar([synth.file("/s", seed)])]
    )
    subprocess.run(
        [
            "skopeo",
            "copy",
            "-q",
            "--dest-tls-verify=false",
            f"oci:{layout}:latest",
            f"docker://{registry.host}/{repo_tag}",
        ],
        check=True,
        capture_output=True,
    )
    return f"{registry.host}/{repo_tag}"


def _registries_d(tmp_path: Path, registry: RegistryServer) -> Path:
    directory = tmp_path / "registries.d"
    directory.mkdir(exist_ok=True)
    (directory / "default.yaml").write_text(
        f"docker:\n  {registry.host}:\n    use-sigstore-attachments: true\n"
    )
    return directory


def test_sign_verify_append_in_registry(
    tmp_path: Path, registry: RegistryServer, key: ec.EllipticCurvePrivateKey
) -> None:
    ref = _push(tmp_path, registry, "team-a/app:1.0", b"one")
    signed = sign_image(ref, key, registry=registry.insecure_options)
    (payload,) = [
        v.payload
        for v in verify_image(ref, key.public_key(), registry=registry.insecure_options).verified
    ]
    assert payload["critical"]["identity"]["docker-reference"] == f"{registry.host}/team-a/app"
    assert payload["critical"]["image"]["docker-manifest-digest"] == signed.digest
    other = ec.generate_private_key(ec.SECP256R1())
    assert sign_image(ref, other, registry=registry.insecure_options).layer_count == 2
    by_digest = f"{registry.host}/team-a/app@{signed.digest}"
    assert (
        len(
            verify_image(by_digest, other.public_key(), registry=registry.insecure_options).verified
        )
        == 1
    )
    with RegistryClient(insecure=frozenset({registry.host})) as client:
        tags = client.list_tags(registry.host, "team-a/app")
    assert sorted(tags) == ["1.0", signed.artifact_tag]


def test_other_digest_and_tampered_blob_in_registry(
    tmp_path: Path, registry: RegistryServer, key: ec.EllipticCurvePrivateKey
) -> None:
    a = _push(tmp_path, registry, "team-b/app:a", b"aaa")
    b = _push(tmp_path, registry, "team-b/app:b", b"bbb")
    signed_a = sign_image(a, key, registry=registry.insecure_options)
    with RegistryClient(insecure=frozenset({registry.host})) as client:
        sig = client.get_manifest(Reference(registry.host, "team-b/app", signed_a.artifact_tag))
        b_digest = client.head_manifest(Reference(registry.host, "team-b/app", "b"))
        assert b_digest is not None
        client.put_manifest(
            Reference(registry.host, "team-b/app", b_digest.replace(":", "-") + ".sig"),
            sig.body,
            sig.media_type,
        )
    with pytest.raises(SignatureError, match="is not the image's"):
        verify_image(b, key.public_key(), registry=registry.insecure_options)
    # Overwrite the payload blob in the registry's storage: the registry serves it unchanged.
    layer_digest = json.loads(sig.body)["layers"][0]["digest"].split(":")[1]
    data = (
        registry.root / "docker/registry/v2/blobs/sha256" / layer_digest[:2] / layer_digest / "data"
    )
    data.write_bytes(data.read_bytes().replace(b"team-b", b"team-x"))
    with pytest.raises(SignatureError, match="does not match its digest"):
        verify_image(a, key.public_key(), registry=registry.insecure_options)


def test_attestation_in_registry(
    tmp_path: Path, registry: RegistryServer, key: ec.EllipticCurvePrivateKey
) -> None:
    ref = _push(tmp_path, registry, "team-c/app:1.0", b"att")
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.5"}
    result = attest_image(
        ref, key, PREDICATE_TYPES["sbom"], bom, registry=registry.insecure_options
    )
    (item,) = verify_attestations(
        ref, key.public_key(), PREDICATE_TYPES["sbom"], registry=registry.insecure_options
    ).verified
    assert item.payload["subject"] == [
        {"name": f"{registry.host}/team-c/app", "digest": {"sha256": result.digest[7:]}}
    ]
    assert item.payload["predicate"] == bom


def test_skopeo_copies_caulk_signatures_and_caulk_verifies_the_copy(
    tmp_path: Path, registry: RegistryServer, key: ec.EllipticCurvePrivateKey
) -> None:
    ref = _push(tmp_path, registry, "team-d/app:1.0", b"copy")
    signed = sign_image(ref, key, annotations={"by": "caulk"}, registry=registry.insecure_options)
    copy = f"{registry.host}/team-e/mirror:1.0"
    run = subprocess.run(
        [
            "skopeo",
            "--registries.d",
            str(_registries_d(tmp_path, registry)),
            "copy",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
            f"docker://{ref}",
            f"docker://{copy}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Storing signatures" in run.stdout
    with RegistryClient(insecure=frozenset({registry.host})) as client:
        written = client.get_manifest(
            Reference(registry.host, "team-e/mirror", signed.artifact_tag)
        )
    assert b"application/vnd.dev.cosign.simplesigning.v1+json" in written.body
    # The claim names the original repository: the mirror verifies only with that identity.
    with pytest.raises(SignatureError, match="signed for"):
        verify_image(copy, key.public_key(), registry=registry.insecure_options)
    (item,) = verify_image(
        copy,
        key.public_key(),
        identity=f"{registry.host}/team-d/app",
        registry=registry.insecure_options,
    ).verified
    assert item.payload["optional"] == {"by": "caulk"}


def test_skopeo_sigstore_sign_and_verify(tmp_path: Path, registry: RegistryServer) -> None:
    """skopeo signs with a caulk-made cosign key and verifies caulk's signature by policy — if this
    skopeo build has sigstore enabled (Debian's 1.9.3 patches it out, in both directions)."""
    pair = generate_key_pair(b"pw")
    (tmp_path / "cosign.key").write_bytes(pair.private_pem)
    (tmp_path / "cosign.pub").write_bytes(pair.public_pem)
    (tmp_path / "pass").write_text("pw")
    layout = synth.oci_layout(tmp_path / "src", [synth.tar([synth.file("/k", b"skopeo")])])
    regd = _registries_d(tmp_path, registry)
    dest = f"{registry.host}/team-f/app:1.0"
    signing = subprocess.run(
        [
            "skopeo",
            "--registries.d",
            str(regd),
            "copy",
            "--dest-tls-verify=false",
            "--sign-by-sigstore-private-key",
            str(tmp_path / "cosign.key"),
            "--sign-passphrase-file",
            str(tmp_path / "pass"),
            f"oci:{layout}:latest",
            f"docker://{dest}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    from caulk.signing.keys import load_private_key

    key = load_private_key(pair.private_pem, lambda: b"pw", where="cosign.key")
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps(
            {
                "default": [{"type": "reject"}],
                "transports": {
                    "docker": {
                        f"{registry.host}/team-f": [
                            {
                                "type": "sigstoreSigned",
                                "keyPath": str(tmp_path / "cosign.pub"),
                                "signedIdentity": {"type": "matchRepository"},
                            }
                        ]
                    },
                    "oci": {"": [{"type": "insecureAcceptAnything"}]},
                },
            }
        )
    )
    if DEBIAN_SIGSTORE_DISABLED in signing.stderr:
        # Both directions are disabled in this build: prove it for verification too, then skip.
        _push(tmp_path, registry, "team-f/app:1.0", b"skopeo")
        sign_image(dest, key, registry=registry.insecure_options)
        check = _skopeo_verifying_copy(policy, regd, dest, tmp_path / "out")
        assert DEBIAN_SIGSTORE_DISABLED in check.stderr, check.stderr
        pytest.skip(f"skopeo: {DEBIAN_SIGSTORE_DISABLED} (signing and policy verification)")
    assert signing.returncode == 0, signing.stderr
    result = verify_image(
        dest, key.public_key(), registry=registry.insecure_options
    )  # skopeo's claim names repo:tag
    assert result.verified
    sign_image(dest, key, registry=registry.insecure_options)
    check = _skopeo_verifying_copy(policy, regd, dest, tmp_path / "out")
    assert check.returncode == 0, check.stderr


def test_push_order_leaves_no_tag_on_failure(
    tmp_path: Path, registry: RegistryServer, key: ec.EllipticCurvePrivateKey
) -> None:
    """Blobs go first, the tag last: a store that fails on the manifest leaves no .sig tag."""
    from caulk.signing.attach import append_layer
    from caulk.signing.store import RegistryArtifacts, sha256_digest

    _push(tmp_path, registry, "team-g/app:1.0", b"order")
    with RegistryClient(insecure=frozenset({registry.host})) as client:
        store = RegistryArtifacts(client, Reference(registry.host, "team-g/app", "1.0"))

        class Failing(RegistryArtifacts):
            def put_manifest(self, tag: str, body: bytes) -> str:
                raise OSError("disk full")

        failing = Failing(client, store.ref)
        with pytest.raises(OSError):
            append_layer(failing, "sha256-" + "0" * 64 + ".sig", b"{}", "x", {})
        assert client.list_tags(registry.host, "team-g/app") == ["1.0"]
        assert client.blob_exists(
            registry.host,
            "team-g/app",
            sha256_digest(b"{}"),
        )


def _skopeo_verifying_copy(
    policy: Path, regd: Path, dest: str, out: Path
) -> subprocess.CompletedProcess[str]:
    """`skopeo copy` of `dest` under a policy that requires its sigstore signature."""
    return subprocess.run(
        ["skopeo", "--policy", str(policy), "--registries.d", str(regd), "copy",
         "--src-tls-verify=false", f"docker://{dest}", f"oci:{out}:x"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
