"""`caulk sign` / `caulk verify`: cosign-compatible key-based image signatures."""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from caulk.errors import UsageError
from caulk.registry.options import DEFAULT_OPTIONS, RegistryOptions
from caulk.signing.attach import LayerEntry, append_layer
from caulk.signing.checks import (
    ExpectedIdentity,
    check_artifact_layers,
    decode_signature,
    ecdsa_verifies,
    fetch_layer,
    identity_problem,
)
from caulk.signing.interface import (
    SIG_SUFFIX,
    SIGNATURE_ANNOTATION,
    SIMPLESIGNING_MEDIA_TYPE,
    SignResult,
    VerifyResult,
)
from caulk.signing.payload import make_payload, parse_payload
from caulk.signing.store import sha256_digest
from caulk.signing.target import Target, artifact_tag, docker_identity, open_target

__all__ = ["expected_identity", "sign_image", "signing_identity", "verify_image"]

log = logging.getLogger(__name__)

MAX_PAYLOAD = 1024 * 1024


def signing_identity(target: Target, identity: str | None) -> str:
    """The docker-reference to sign: `--identity` (normalised, tag kept if written), else the
    image's repository. An OCI layout has no repository: `--identity` is required."""
    if identity is not None:
        wanted = ExpectedIdentity.parse(identity)
        name = docker_identity(wanted.ref)
        return f"{name}:{wanted.tag}" if wanted.tag else name
    if target.identity is None:
        raise UsageError(
            f"{target.reference}: an OCI layout has no repository name: pass --identity "
            "REGISTRY/REPO (the name the image will be published under)"
        )
    return docker_identity(target.identity)


def expected_identity(target: Target, identity: str | None) -> ExpectedIdentity | None:
    if identity is not None:
        return ExpectedIdentity.parse(identity)
    if target.identity is None:
        return None  # a layout: any identity, reported in the output
    typed = target.identity.tag if target.identity.digest is None else None
    return ExpectedIdentity(target.identity, typed)


def sign_image(
    reference: str,
    key: ec.EllipticCurvePrivateKey,
    *,
    annotations: Mapping[str, str] | None = None,
    identity: str | None = None,
    registry: RegistryOptions = DEFAULT_OPTIONS,
) -> SignResult:
    with open_target(reference, registry) as target:
        payload = make_payload(signing_identity(target, identity), target.digest, annotations or {})
        signature = key.sign(payload, ec.ECDSA(hashes.SHA256()))
        public = key.public_key()
        payload_digest = sha256_digest(payload)

        def duplicate(layer: LayerEntry) -> bool:  # cosign's dupe detector: same claim, same key
            sig = decode_signature(layer.annotation(SIGNATURE_ANNOTATION))
            return (
                layer.digest == payload_digest
                and isinstance(sig, bytes)
                and ecdsa_verifies(public, sig, payload)
            )

        tag = artifact_tag(target.digest, SIG_SUFFIX)
        digest, count, added = append_layer(
            target.store,
            tag,
            payload,
            SIMPLESIGNING_MEDIA_TYPE,
            {SIGNATURE_ANNOTATION: base64.b64encode(signature).decode()},
            duplicate=duplicate,
        )
    log.info("signed %s (%s): %s", reference, target.digest, tag)
    return SignResult(reference, target.digest, tag, digest, count, added)


def verify_image(
    reference: str,
    key: ec.EllipticCurvePublicKey,
    *,
    identity: str | None = None,
    annotations: Mapping[str, str] | None = None,
    registry: RegistryOptions = DEFAULT_OPTIONS,
) -> VerifyResult:
    """Every signature layer is checked; at least one must pass, else SignatureError."""
    with open_target(reference, registry) as target:
        expected = expected_identity(target, identity)
        return check_artifact_layers(
            reference,
            target,
            SIG_SUFFIX,
            "signature",
            lambda layer: _check(target, layer, key, expected, annotations or {}),
        )


def _check(
    target: Target,
    layer: LayerEntry,
    key: ec.EllipticCurvePublicKey,
    expected: ExpectedIdentity | None,
    annotations: Mapping[str, str],
) -> tuple[object, bytes] | str:
    if layer.media_type != SIMPLESIGNING_MEDIA_TYPE:
        return f"layer media type {layer.media_type!r} is not a simple-signing payload"
    signature = decode_signature(layer.annotation(SIGNATURE_ANNOTATION))
    if isinstance(signature, str):
        return signature
    payload = fetch_layer(target.store, layer, MAX_PAYLOAD)
    if isinstance(payload, str):
        return payload
    if not ecdsa_verifies(key, signature, payload):
        return "signature does not verify with this key"
    try:
        claim = parse_payload(payload)
    except ValueError as exc:
        return str(exc)
    if claim.manifest_digest != target.digest:
        return f"signed digest {claim.manifest_digest} is not the image's {target.digest}"
    if expected is not None:
        problem = identity_problem(claim.docker_reference, expected, target.digest)
        if problem:
            return problem
    for name, value in annotations.items():
        have = (claim.optional or {}).get(name)
        if have != value:
            return f"annotation {name}={have!r}, wanted {value!r}"
    return claim.document, payload
