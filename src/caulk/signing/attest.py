"""`caulk attest` / `caulk verify-attestation`: in-toto statements in DSSE envelopes, stored as
cosign does under `sha256-<hex>.att` (layer `application/vnd.dsse.envelope.v1+json`, annotations
`dev.cosignproject.cosign/signature: ""` and `predicateType`)."""

from __future__ import annotations

import logging
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from caulk.errors import UsageError
from caulk.registry.options import DEFAULT_OPTIONS, RegistryOptions
from caulk.safeload import load_json
from caulk.signing.attach import LayerEntry, append_layer
from caulk.signing.checks import check_artifact_layers, ecdsa_verifies, fetch_layer
from caulk.signing.dsse import STATEMENT_TYPES, make_envelope, make_statement, pae, parse_envelope
from caulk.signing.interface import (
    ATT_SUFFIX,
    DSSE_MEDIA_TYPE,
    INTOTO_PAYLOAD_TYPE,
    PREDICATE_TYPE_ANNOTATION,
    PREDICATE_TYPES,
    SIGNATURE_ANNOTATION,
    SignResult,
    VerifyResult,
)
from caulk.signing.target import Target, artifact_tag, docker_identity, open_target

__all__ = ["attest_image", "predicate_type_uri", "verify_attestations"]

log = logging.getLogger(__name__)

MAX_ENVELOPE = 128 * 1024 * 1024


def predicate_type_uri(kind: str) -> str:
    """`sbom`/`cyclonedx`/`scan`, or a predicateType URI as is."""
    if kind in PREDICATE_TYPES:
        return PREDICATE_TYPES[kind]
    if "://" in kind:
        return kind
    names = ", ".join(sorted(PREDICATE_TYPES))
    raise UsageError(f"unknown attestation type {kind!r} (use {names} or a predicateType URI)")


def _subject_name(target: Target, identity: str | None) -> str:
    if identity is not None:
        return identity
    if target.identity is not None:
        return docker_identity(target.identity)
    return target.reference  # an OCI layout: the reference as typed


def attest_image(
    reference: str,
    key: ec.EllipticCurvePrivateKey,
    predicate_type: str,
    predicate: Any,
    *,
    identity: str | None = None,
    statement_version: str = "v0.1",
    replace: bool = False,
    registry: RegistryOptions = DEFAULT_OPTIONS,
) -> SignResult:
    if statement_version not in STATEMENT_TYPES:
        raise UsageError(f"unknown in-toto statement version {statement_version!r}")
    with open_target(reference, registry) as target:
        statement = make_statement(
            _subject_name(target, identity),
            target.digest,
            predicate_type,
            predicate,
            version=statement_version,
        )
        signature = key.sign(pae(INTOTO_PAYLOAD_TYPE, statement), ec.ECDSA(hashes.SHA256()))
        envelope = make_envelope(statement, signature)

        def keep(layer: LayerEntry) -> bool:  # cosign --replace: drop same predicate type
            return not (replace and layer.annotation(PREDICATE_TYPE_ANNOTATION) == predicate_type)

        tag = artifact_tag(target.digest, ATT_SUFFIX)
        digest, count, added = append_layer(
            target.store,
            tag,
            envelope,
            DSSE_MEDIA_TYPE,
            {SIGNATURE_ANNOTATION: "", PREDICATE_TYPE_ANNOTATION: predicate_type},
            keep=keep,
        )
    log.info("attested %s (%s) with %s", reference, target.digest, predicate_type)
    return SignResult(reference, target.digest, tag, digest, count, added)


def verify_attestations(
    reference: str,
    key: ec.EllipticCurvePublicKey,
    predicate_type: str | None,
    registry: RegistryOptions = DEFAULT_OPTIONS,
) -> VerifyResult:
    """Every attestation layer is checked; at least one of `predicate_type` must pass."""
    with open_target(reference, registry) as target:
        return check_artifact_layers(
            reference,
            target,
            ATT_SUFFIX,
            "attestation",
            lambda layer: _check(target, layer, key, predicate_type),
        )


def _check(
    target: Target, layer: LayerEntry, key: ec.EllipticCurvePublicKey, predicate_type: str | None
) -> tuple[Any, bytes] | str:
    if layer.media_type != DSSE_MEDIA_TYPE:
        return f"layer media type {layer.media_type!r} is not a DSSE envelope"
    data = fetch_layer(target.store, layer, MAX_ENVELOPE)
    if isinstance(data, str):
        return data
    try:
        envelope = parse_envelope(data)
    except ValueError as exc:
        return str(exc)
    if envelope.payload_type != INTOTO_PAYLOAD_TYPE:
        return f"payloadType {envelope.payload_type!r} is not in-toto"
    signed = pae(envelope.payload_type, envelope.payload)
    if not any(ecdsa_verifies(key, sig, signed) for sig in envelope.signatures):
        return "envelope signature does not verify with this key"
    try:
        statement = load_json(envelope.payload, where="statement")
    except (ValueError, UnicodeDecodeError):
        return "statement is not JSON"
    if not isinstance(statement, dict) or statement.get("_type") not in STATEMENT_TYPES.values():
        return "payload is not an in-toto statement"
    algo, _, hexd = target.digest.partition(":")
    subjects = statement.get("subject")
    digests = [
        s.get("digest", {}).get(algo)
        for s in (subjects if isinstance(subjects, list) else [])
        if isinstance(s, dict) and isinstance(s.get("digest"), dict)
    ]
    if hexd not in digests:
        named = ", ".join(f"{algo}:{d}" for d in digests if isinstance(d, str)) or "nothing"
        return f"statement subject is {named}, not the image's {target.digest}"
    found = statement.get("predicateType")
    if predicate_type is not None and found != predicate_type:
        return f"predicateType {found!r}, not {predicate_type!r}"
    return statement, data
