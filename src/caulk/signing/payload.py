"""cosign's simple-signing payload (sigstore `payload.Cosign`): the exact bytes cosign signs.

{"critical":{"identity":{"docker-reference":REPO},"image":{"docker-manifest-digest":DIGEST},
 "type":"cosign container image signature"},"optional":ANNOTATIONS-or-null}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from caulk.safeload import load_json
from caulk.signing.gojson import go_marshal, sorted_map

__all__ = ["COSIGN_SIGNATURE_TYPE", "Claim", "make_payload", "parse_payload"]

COSIGN_SIGNATURE_TYPE = "cosign container image signature"


@dataclass(frozen=True, slots=True)
class Claim:
    docker_reference: str
    manifest_digest: str
    optional: Mapping[str, Any] | None
    document: Any  # the whole parsed payload


def make_payload(docker_reference: str, digest: str, annotations: Mapping[str, str]) -> bytes:
    """Byte-identical to `cosign sign` (Go struct order, map keys sorted, null when empty)."""
    doc = {
        "critical": {
            "identity": {"docker-reference": docker_reference},
            "image": {"docker-manifest-digest": digest},
            "type": COSIGN_SIGNATURE_TYPE,
        },
        "optional": sorted_map(annotations) if annotations else None,
    }
    return go_marshal(doc)


def parse_payload(data: bytes) -> Claim:
    """Raises ValueError with a short reason for anything that is not a cosign claim."""
    try:
        doc = load_json(data, where="payload")
    except ValueError:  # also too deep, huge integers
        raise ValueError("payload is not JSON") from None
    critical = doc.get("critical") if isinstance(doc, dict) else None
    if not isinstance(critical, dict):
        raise ValueError("payload has no critical section")
    kind = critical.get("type")
    if kind != COSIGN_SIGNATURE_TYPE:
        raise ValueError(f"payload type is {kind!r}, not {COSIGN_SIGNATURE_TYPE!r}")
    identity = critical.get("identity")
    image = critical.get("image")
    reference = identity.get("docker-reference") if isinstance(identity, dict) else None
    digest = image.get("docker-manifest-digest") if isinstance(image, dict) else None
    if not isinstance(reference, str) or not isinstance(digest, str):
        raise ValueError("payload lacks docker-reference or docker-manifest-digest")
    optional = doc.get("optional")
    return Claim(reference, digest, optional if isinstance(optional, dict) else None, doc)
