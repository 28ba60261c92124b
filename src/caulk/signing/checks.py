"""Checks shared by signature and attestation verification. Each returns None when the check
passes, else a short reason (the caller collects one reason per rejected layer)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from caulk.errors import InputError, SignatureError, UsageError, join_reasons
from caulk.registry.reference import Reference, parse_reference
from caulk.signing.attach import LayerEntry, read_layers
from caulk.signing.interface import Verified, VerifyResult
from caulk.signing.store import ArtifactStore, sha256_digest
from caulk.signing.target import Target, artifact_tag

__all__ = [
    "ExpectedIdentity",
    "check_artifact_layers",
    "decode_signature",
    "ecdsa_verifies",
    "explicit_tag",
    "fetch_layer",
    "identity_problem",
]


def fetch_layer(store: ArtifactStore, layer: LayerEntry, limit: int) -> bytes | str:
    """The layer's bytes if they match its descriptor, else a reason."""
    if layer.size > limit:
        return f"layer declares {layer.size} bytes (limit {limit})"
    if not layer.digest.startswith("sha256:"):
        return f"unsupported layer digest {layer.digest[:20]!r}"
    try:
        data = store.get_blob(layer.digest, limit)
    except InputError as exc:
        return exc.message
    if len(data) != layer.size or sha256_digest(data) != layer.digest:
        return "layer content does not match its digest (tampered layer)"
    return data


def decode_signature(text: str | None) -> bytes | str:
    if not text:
        return "no signature annotation"
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return "signature annotation is not base64"


def ecdsa_verifies(key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def explicit_tag(text: str) -> str | None:
    """The tag written in a reference (parse_reference adds `latest` when there is none)."""
    name = text.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


class ExpectedIdentity:
    """What a claim's docker-reference must name: this repository; and, when the claim carries a
    tag and the image was named by tag, that tag (containers-policy `matchRepoDigestOrExact`)."""

    def __init__(self, ref: Reference, tag: str | None) -> None:
        self.ref = ref
        self.tag = tag

    @classmethod
    def parse(cls, text: str) -> ExpectedIdentity:
        ref = parse_reference(text)
        if ref.digest:
            raise UsageError(f"identity {text!r} must name a repository, not a digest")
        return cls(ref, explicit_tag(text))

    @property
    def repository(self) -> str:
        return f"{self.ref.registry}/{self.ref.repository}"


def identity_problem(claimed: str, expected: ExpectedIdentity, digest: str) -> str | None:
    try:
        ref = parse_reference(claimed)
    except UsageError:
        return f"docker-reference {claimed[:100]!r} is not an image reference"
    if (ref.registry, ref.repository) != (expected.ref.registry, expected.ref.repository):
        return f"signed for {claimed}, not {expected.repository}"
    tag = explicit_tag(claimed)
    if tag is not None and expected.tag is not None and tag != expected.tag:
        return f"signed for tag {tag!r}, not {expected.tag!r}"
    if ref.digest is not None and ref.digest != digest:
        return f"docker-reference names digest {ref.digest}, not {digest}"
    return None


def check_artifact_layers(
    reference: str,
    target: Target,
    suffix: str,
    what: str,
    check: Callable[[LayerEntry], tuple[Any, bytes] | str],
) -> VerifyResult:
    """Check every layer of the `sha256-<hex>.<suffix>` artifact of `target` with `check` (which
    returns (payload, raw) or a reason); at least one must pass, else SignatureError with every
    reason. `what` is "signature" or "attestation"."""
    tag = artifact_tag(target.digest, suffix)
    manifest = target.store.get_manifest(tag)
    if manifest is None:
        raise SignatureError(
            f"no {what}s found for {target.digest} (no tag {tag})", where=reference
        )
    verified: list[Verified] = []
    rejected: list[str] = []
    for i, layer in enumerate(read_layers(manifest, where=f"{target.store.where}:{tag}")):
        outcome = check(layer)
        if isinstance(outcome, str):
            rejected.append(f"{what} {i + 1}: {outcome}")
        else:
            verified.append(Verified(i, outcome[0], outcome[1]))
    if not verified:
        reasons = join_reasons(rejected) or f"the {what} manifest has no layers"
        raise SignatureError(f"no valid {what}: {reasons}", where=reference)
    return VerifyResult(reference, target.digest, tuple(verified), tuple(rejected))
