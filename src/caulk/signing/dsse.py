"""DSSE envelopes and in-toto statements as `cosign attest` writes them.

PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP body; the signature (ECDSA
P-256/SHA-256, DER) covers the PAE bytes. Envelope:
`{"payloadType":…,"payload":B64,"signatures":[{"keyid":"","sig":B64}]}`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from caulk.safeload import load_json
from caulk.signing.gojson import go_marshal
from caulk.signing.interface import INTOTO_PAYLOAD_TYPE

__all__ = [
    "STATEMENT_TYPES",
    "Envelope",
    "make_envelope",
    "make_statement",
    "pae",
    "parse_envelope",
]

STATEMENT_TYPES = {
    "v0.1": "https://in-toto.io/Statement/v0.1",
    "v1": "https://in-toto.io/Statement/v1",
}


def pae(payload_type: str, body: bytes) -> bytes:
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)


def make_statement(
    subject_name: str, digest: str, predicate_type: str, predicate: Any, *, version: str = "v0.1"
) -> bytes:
    algo, _, hexd = digest.partition(":")
    doc = {
        "_type": STATEMENT_TYPES[version],
        "predicateType": predicate_type,
        "subject": [{"name": subject_name, "digest": {algo: hexd}}],
        "predicate": predicate,
    }
    return go_marshal(doc)


def make_envelope(payload: bytes, signature: bytes) -> bytes:
    doc = {
        "payloadType": INTOTO_PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode(),
        "signatures": [{"keyid": "", "sig": base64.b64encode(signature).decode()}],
    }
    return go_marshal(doc)


@dataclass(frozen=True, slots=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[bytes, ...]


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"envelope {what} is not a string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        try:  # DSSE allows URL-safe base64 too
            return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError):
            raise ValueError(f"envelope {what} is not base64") from None


def parse_envelope(data: bytes) -> Envelope:
    """Raises ValueError with a short reason."""
    try:
        doc = load_json(data, where="envelope")
    except ValueError:  # also too deep, huge integers
        raise ValueError("envelope is not JSON") from None
    if not isinstance(doc, dict):
        raise ValueError("envelope is not a JSON object")
    payload_type = doc.get("payloadType")
    if not isinstance(payload_type, str):
        raise ValueError("envelope has no payloadType")
    sigs = doc.get("signatures")
    if not isinstance(sigs, list) or not sigs:
        raise ValueError("envelope has no signatures")
    signatures = tuple(
        _b64(s.get("sig") if isinstance(s, dict) else None, "signature") for s in sigs
    )
    return Envelope(payload_type, _b64(doc.get("payload"), "payload"), signatures)
