"""The contract of `signing/`: cosign-compatible signatures and attestations stored next to an
image (registry repository or OCI layout) under the tags `sha256-<hex>.sig` / `.att`.

    sign_image("127.0.0.1:5000/team-a/app:1.0", private_key)            -> SignResult
    verify_image("127.0.0.1:5000/team-a/app:1.0", public_key)           -> VerifyResult (or raises)
    attest_image(ref, private_key, predicate_type, predicate)           -> SignResult
    verify_attestations(ref, public_key, predicate_type)                 -> VerifyResult (or raises)

Verification failures raise `SignatureError` (exit 1) with a one-line reason; bad keys, files and
references raise `InputError`/`UsageError` (exit 2); registry trouble `RegistryError` (exit 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ATT_SUFFIX",
    "DSSE_MEDIA_TYPE",
    "INTOTO_PAYLOAD_TYPE",
    "PREDICATE_TYPES",
    "PREDICATE_TYPE_ANNOTATION",
    "SIGNATURE_ANNOTATION",
    "SIG_SUFFIX",
    "SIMPLESIGNING_MEDIA_TYPE",
    "SignResult",
    "Verified",
    "VerifyResult",
]

SIMPLESIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json"
DSSE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json"
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
PREDICATE_TYPE_ANNOTATION = "predicateType"
INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
SIG_SUFFIX = ".sig"
ATT_SUFFIX = ".att"

PREDICATE_TYPES = {
    "sbom": "https://cyclonedx.org/bom",
    "cyclonedx": "https://cyclonedx.org/bom",
    "scan": "https://github.com/caulk-dev/caulk/attestation/scan/v1",
}
"""`--type` names and the predicateType URIs they stand for (a URI is accepted as is)."""


@dataclass(frozen=True, slots=True)
class SignResult:
    reference: str
    digest: str  # the image digest that was signed
    artifact_tag: str  # sha256-<hex>.sig / .att
    artifact_digest: str  # digest of the .sig/.att manifest written
    layer_count: int  # signatures/attestations now stored under the tag
    added: bool  # False when an identical signature was already there


@dataclass(frozen=True, slots=True)
class Verified:
    layer: int  # index of the layer in the .sig/.att manifest
    payload: Any  # the parsed simple-signing payload, or the in-toto statement
    raw: bytes  # the layer bytes (payload, or DSSE envelope)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    reference: str
    digest: str
    verified: tuple[Verified, ...]
    rejected: tuple[str, ...]  # one reason per layer that did not verify
