"""Signing and verifying images in OCI layouts: append, dedupe, wrong digest, tampering,
identities, attestations."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from caulk.errors import EXIT_GATE, ImageFormatError, SignatureError, UsageError
from caulk.signing.attest import attest_image, verify_attestations
from caulk.signing.interface import PREDICATE_TYPES
from caulk.signing.sign import sign_image, verify_image
from caulk.source import open_image
from tests.support import synth

IDENTITY = "registry.example/team-a/app"
SBOM = PREDICATE_TYPES["sbom"]


def _layout(root: Path, content: bytes = b"hello", **kw: object) -> Path:
    layer = synth.tar([synth.file("/etc/motd", content)])
    return synth.oci_layout(root, [layer], **kw)  # type: ignore[arg-type]


@pytest.fixture
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    return _layout(tmp_path / "img")


def _index(layout: Path) -> list[dict]:  # type: ignore[type-arg]
    return json.loads((layout / "index.json").read_bytes())["manifests"]  # type: ignore[no-any-return]


def _sig_manifest(layout: Path, digest: str) -> tuple[dict, Path]:  # type: ignore[type-arg]
    tag = digest.replace(":", "-") + ".sig"
    (entry,) = [
        e for e in _index(layout) if e["annotations"]["org.opencontainers.image.ref.name"] == tag
    ]
    path = layout / "blobs" / "sha256" / entry["digest"].split(":")[1]
    return json.loads(path.read_bytes()), path


def test_sign_then_verify(layout: Path, key: ec.EllipticCurvePrivateKey) -> None:
    ref = f"oci:{layout}:latest"
    signed = sign_image(ref, key, identity=IDENTITY, annotations={"build": "42"})
    assert signed.added and signed.layer_count == 1
    with open_image(ref) as image:
        assert signed.digest == image.digest
    result = verify_image(ref, key.public_key())
    (only,) = result.verified
    assert only.payload["critical"]["image"]["docker-manifest-digest"] == signed.digest
    assert only.payload["critical"]["identity"]["docker-reference"] == IDENTITY
    assert only.payload["optional"] == {"build": "42"}
    # the image itself is still readable by tag, and without a tag (the .sig entry is skipped)
    with open_image(ref) as image:
        assert image.digest == signed.digest
    assert verify_image(f"oci:{layout}", key.public_key()).digest == signed.digest


def test_signatures_append_and_identical_claims_dedupe(
    layout: Path, key: ec.EllipticCurvePrivateKey
) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    ref = f"oci:{layout}:latest"
    first = sign_image(ref, key, identity=IDENTITY)
    second = sign_image(ref, other, identity=IDENTITY)
    assert (second.layer_count, second.added) == (2, True)
    again = sign_image(ref, key, identity=IDENTITY)  # same key, same claim: cosign skips it
    assert (again.layer_count, again.added) == (2, False)
    assert again.artifact_digest == second.artifact_digest != first.artifact_digest
    third = sign_image(ref, key, identity=IDENTITY, annotations={"a": "b"})
    assert third.layer_count == 3
    manifest, _ = _sig_manifest(layout, first.digest)
    config_digest = manifest["config"]["digest"]
    config = json.loads((layout / "blobs" / "sha256" / config_digest.split(":")[1]).read_bytes())
    assert config["rootfs"]["diff_ids"] == [layer["digest"] for layer in manifest["layers"]]
    assert len(verify_image(ref, key.public_key()).verified) == 2
    result = verify_image(ref, other.public_key())
    assert len(result.verified) == 1 and len(result.rejected) == 2
    assert "does not verify with this key" in result.rejected[0]


def test_unsigned_and_wrong_key(layout: Path, key: ec.EllipticCurvePrivateKey) -> None:
    ref = f"oci:{layout}:latest"
    with pytest.raises(SignatureError, match="no signatures found") as info:
        verify_image(ref, key.public_key())
    assert info.value.exit_code == EXIT_GATE
    sign_image(ref, key, identity=IDENTITY)
    stranger = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(SignatureError, match="signature 1: signature does not verify"):
        verify_image(ref, stranger)


def test_signature_for_another_digest_is_rejected(
    tmp_path: Path, key: ec.EllipticCurvePrivateKey
) -> None:
    """Move image A's .sig manifest onto image B's tag: the claim names A's digest."""
    a = _layout(tmp_path / "a", b"A")
    b = _layout(tmp_path / "b", b"B")
    signed = sign_image(f"oci:{a}:latest", key, identity=IDENTITY)
    with open_image(f"oci:{b}:latest") as image:
        b_digest = image.digest
    for path in (a / "blobs" / "sha256").iterdir():
        target = b / "blobs" / "sha256" / path.name
        if not target.exists():
            target.write_bytes(path.read_bytes())
    entry = next(e for e in _index(a) if e["digest"] != signed.digest)
    entry["annotations"]["org.opencontainers.image.ref.name"] = b_digest.replace(":", "-") + ".sig"
    index = json.loads((b / "index.json").read_bytes())
    index["manifests"].append(entry)
    (b / "index.json").write_text(json.dumps(index))
    with pytest.raises(SignatureError, match=f"signed digest {signed.digest} is not the image's"):
        verify_image(f"oci:{b}:latest", key.public_key())


def test_tampered_payload_blob(layout: Path, key: ec.EllipticCurvePrivateKey) -> None:
    signed = sign_image(f"oci:{layout}:latest", key, identity=IDENTITY)
    manifest, _ = _sig_manifest(layout, signed.digest)
    blob = layout / "blobs" / "sha256" / manifest["layers"][0]["digest"].split(":")[1]
    blob.write_bytes(blob.read_bytes().replace(b"team-a", b"team-b"))
    with pytest.raises(SignatureError, match="does not match its digest"):
        verify_image(f"oci:{layout}:latest", key.public_key())


def test_tampered_payload_with_consistent_digest(
    layout: Path, key: ec.EllipticCurvePrivateKey
) -> None:
    """An attacker rewrites the payload and its descriptor: the signature no longer covers it."""
    import hashlib

    signed = sign_image(f"oci:{layout}:latest", key, identity=IDENTITY)
    manifest, manifest_path = _sig_manifest(layout, signed.digest)
    layer = manifest["layers"][0]
    payload = (layout / "blobs" / "sha256" / layer["digest"].split(":")[1]).read_bytes()
    forged = payload.replace(b"team-a", b"team-b")
    hexd = hashlib.sha256(forged).hexdigest()
    (layout / "blobs" / "sha256" / hexd).write_bytes(forged)
    layer["digest"], layer["size"] = f"sha256:{hexd}", len(forged)
    manifest_path.write_text(json.dumps(manifest))  # the layout's manifest blob, edited in place
    with pytest.raises(SignatureError, match="signature does not verify with this key"):
        verify_image(f"oci:{layout}:latest", key.public_key())


def test_garbled_signature_annotation(layout: Path, key: ec.EllipticCurvePrivateKey) -> None:
    signed = sign_image(f"oci:{layout}:latest", key, identity=IDENTITY)
    manifest, path = _sig_manifest(layout, signed.digest)
    manifest["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"] = "!!"
    path.write_text(json.dumps(manifest))
    with pytest.raises(SignatureError, match="not base64"):
        verify_image(f"oci:{layout}:latest", key.public_key())
    manifest["layers"][0]["annotations"] = {}
    path.write_text(json.dumps(manifest))
    with pytest.raises(SignatureError, match="no signature annotation"):
        verify_image(f"oci:{layout}:latest", key.public_key())


def test_identity_rules(layout: Path, key: ec.EllipticCurvePrivateKey) -> None:
    ref = f"oci:{layout}:latest"
    with pytest.raises(UsageError, match="--identity"):
        sign_image(ref, key)
    sign_image(ref, key, identity=f"{IDENTITY}:1.0")
    public = key.public_key()
    assert verify_image(ref, public, identity=IDENTITY).verified
    assert verify_image(ref, public, identity=f"{IDENTITY}:1.0").verified
    with pytest.raises(SignatureError, match=re.escape("signed for tag '1.0', not '2.0'")):
        verify_image(ref, public, identity=f"{IDENTITY}:2.0")
    with pytest.raises(SignatureError, match=re.escape("not registry.example/team-b/app")):
        verify_image(ref, public, identity="registry.example/team-b/app")
    with pytest.raises(SignatureError, match="annotation env=None"):
        verify_image(ref, public, annotations={"env": "prod"})
    with pytest.raises(UsageError):
        verify_image(ref, public, identity="registry.example/x@sha256:" + "0" * 64)


def test_docker_hub_identity_is_written_as_go_containerregistry_does(
    layout: Path, key: ec.EllipticCurvePrivateKey
) -> None:
    sign_image(f"oci:{layout}:latest", key, identity="alpine")
    (item,) = verify_image(
        f"oci:{layout}:latest", key.public_key(), identity="docker.io/library/alpine"
    ).verified
    assert (
        item.payload["critical"]["identity"]["docker-reference"] == "index.docker.io/library/alpine"
    )


def test_multi_platform_index_is_signed_at_the_top(
    tmp_path: Path, key: ec.EllipticCurvePrivateKey
) -> None:
    images = [
        synth.image([synth.tar([synth.file("/a", arch.encode())])], platform=f"linux/{arch}")
        for arch in ("amd64", "arm64")
    ]
    root = synth.write_oci(tmp_path / "multi", images, tag="1.0")
    (top,) = _index(root)
    signed = sign_image(f"oci:{root}:1.0", key, identity=IDENTITY)
    assert signed.digest == top["digest"]
    assert top["mediaType"] == synth.MT_INDEX
    assert verify_image(f"oci:{root}:1.0", key.public_key()).digest == top["digest"]


def test_unsupported_references(tmp_path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    archive = synth.oci_archive(tmp_path / "a.tar", [synth.tar([synth.file("/a", b"a")])])
    with pytest.raises(UsageError, match="cannot sign or verify oci-archive"):
        sign_image(f"oci-archive:{archive}", key)
    with pytest.raises(ImageFormatError, match="no such directory"):
        verify_image(f"oci:{tmp_path}/missing:latest", key.public_key())
    layout = _layout(tmp_path / "img")
    with pytest.raises(ImageFormatError, match="no image tagged"):
        sign_image(f"oci:{layout}:nope", key, identity=IDENTITY)


def test_attest_and_verify(layout: Path, key: ec.EllipticCurvePrivateKey) -> None:
    ref = f"oci:{layout}:latest"
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}
    first = attest_image(ref, key, SBOM, bom, identity=IDENTITY)
    assert first.artifact_tag.endswith(".att") and first.layer_count == 1
    scan = attest_image(ref, key, PREDICATE_TYPES["scan"], {"findings": []}, statement_version="v1")
    assert scan.layer_count == 2
    result = verify_attestations(ref, key.public_key(), SBOM)
    (item,) = result.verified
    assert item.payload["predicate"] == bom
    assert item.payload["subject"][0] == {"name": IDENTITY, "digest": {"sha256": first.digest[7:]}}
    assert "predicateType" in result.rejected[0]
    envelope = json.loads(item.raw)
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    assert len(verify_attestations(ref, key.public_key(), None).verified) == 2
    replaced = attest_image(
        ref, key, SBOM, {"bomFormat": "CycloneDX"}, identity=IDENTITY, replace=True
    )
    assert replaced.layer_count == 2
    (item,) = verify_attestations(ref, key.public_key(), SBOM).verified
    assert item.payload["predicate"] == {"bomFormat": "CycloneDX"}


def test_attestation_failures(tmp_path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    layout = _layout(tmp_path / "img")
    ref = f"oci:{layout}:latest"
    with pytest.raises(SignatureError, match="no attestations found"):
        verify_attestations(ref, key.public_key(), SBOM)
    signed = attest_image(ref, key, SBOM, {}, identity=IDENTITY)
    stranger = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(SignatureError, match="envelope signature does not verify"):
        verify_attestations(ref, stranger, SBOM)
    with pytest.raises(SignatureError, match=re.escape("not 'https://github.com/caulk-dev")):
        verify_attestations(ref, key.public_key(), PREDICATE_TYPES["scan"])
    # tamper with the statement inside the envelope, keep the descriptor consistent
    tag = signed.digest.replace(":", "-") + ".att"
    (entry,) = [
        e for e in _index(layout) if e["annotations"]["org.opencontainers.image.ref.name"] == tag
    ]
    manifest_path = layout / "blobs" / "sha256" / entry["digest"].split(":")[1]
    manifest = json.loads(manifest_path.read_bytes())
    blob = layout / "blobs" / "sha256" / manifest["layers"][0]["digest"].split(":")[1]
    envelope = json.loads(blob.read_bytes())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"] = {"evil": True}
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    blob.write_bytes(json.dumps(envelope).encode())
    with pytest.raises(SignatureError, match="does not match its digest"):
        verify_attestations(ref, key.public_key(), SBOM)


def test_many_rejected_signatures_make_a_short_error(layout: Path) -> None:
    """Issue 9 item 25: every rejected layer was listed (10,000 layers: a 569 KB "line")."""
    ref = f"oci:{layout}:latest"
    for _ in range(12):
        sign_image(ref, ec.generate_private_key(ec.SECP256R1()), identity=IDENTITY)
    stranger = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(SignatureError) as info:
        verify_image(ref, stranger)
    text = str(info.value)
    assert text.count("does not verify") == 5 and text.endswith("and 7 more"), text
    assert len(text) < 1000
