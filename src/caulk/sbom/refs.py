"""Stable identifiers for SBOM elements: one per (purl, location), the same in every format and
in the VEX report, so a vulnerability's `affects` names the component it was found in."""

from __future__ import annotations

import hashlib
import re

from packageurl import PackageURL

from caulk.model import Location

__all__ = ["component_id", "component_ref", "spdx_id"]


def component_id(purl: str, location: Location) -> str:
    """16 hex digits that tell two copies of one package apart (syft's `package-id`)."""
    key = "\0".join((purl, location.path or "", location.layer_digest or ""))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def component_ref(purl: str, location: Location) -> str:
    """The CycloneDX bom-ref: the purl with a `package-id` qualifier, as syft writes it."""
    package_id = component_id(purl, location)
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return f"{purl}?package-id={package_id}"
    qualifiers = dict(parsed.qualifiers) if isinstance(parsed.qualifiers, dict) else {}
    qualifiers["package-id"] = package_id
    return str(
        PackageURL(
            type=parsed.type,
            namespace=parsed.namespace,
            name=parsed.name,
            version=parsed.version,
            qualifiers=qualifiers,
            subpath=parsed.subpath,
        ).to_string()
    )


def spdx_id(kind: str, name: str, unique: str) -> str:
    """`SPDXRef-<kind>-<name>-<unique>` with only the characters SPDX allows."""
    clean = re.sub(r"[^A-Za-z0-9.-]+", "-", f"{kind}-{name}").strip("-")
    return f"SPDXRef-{clean}-{unique}"
