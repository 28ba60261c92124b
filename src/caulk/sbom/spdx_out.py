"""`ScanResult` → SPDX 2.3 JSON, written directly (see docs/adr/0005-sbom-libraries.md: the
spdx-tools converter and validator are quadratic in the package count; the tests validate every
document with spdx-tools' own parser and validator instead).

The document DESCRIBES the image package (purpose CONTAINER, `pkg:oci/…` purl, SHA256 checksum),
which CONTAINS the operating system (purpose OPERATING-SYSTEM) and every package (externalRefs
PACKAGE-MANAGER purl). What SPDX has no field for (locations, layers, source package) goes into
one annotation per package whose comment holds `name: value` lines with the CycloneDX property
names, which `read_sbom` reads back.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from spdx_tools.common.spdx_licensing import spdx_licensing  # type: ignore[import-untyped]

from caulk.catalog import interface as catalog
from caulk.errors import OperationalError
from caulk.model import Location, ScanResult
from caulk.sbom import properties as prop
from caulk.sbom.purls import image_purl
from caulk.sbom.refs import component_id, spdx_id

__all__ = ["build_document", "write_spdx"]

DOCUMENT_ID = "SPDXRef-DOCUMENT"
NOASSERTION = "NOASSERTION"


def write_spdx(result: ScanResult, *, serial: uuid.UUID | None = None) -> bytes:
    """The SPDX 2.3 JSON SBOM of `result` (which must have catalogued packages)."""
    if result.packages is None:
        raise OperationalError(
            "no package inventory: this scan did not catalogue packages",
            where=result.target.reference,
        )
    return json.dumps(build_document(result, serial), indent=2).encode() + b"\n"


def build_document(result: ScanResult, serial: uuid.UUID | None = None) -> dict[str, Any]:
    target = result.target
    created = _created(result.scanned_at)
    tool = f"Tool: caulk-{result.caulk_version or 'unknown'}"
    if serial is None:
        purls = "\0".join(p.purl for p in result.packages or ())
        seed = hashlib.sha256(f"{target.digest}\0{result.scanned_at}\0{purls}".encode())
        serial = uuid.UUID(bytes=seed.digest()[:16], version=4)
    short = image_purl(target).split("@", 1)[0].removeprefix("pkg:oci/").split("?", 1)[0]
    image_id = spdx_id("Image", short, "0")
    packages = [_image_package(result, image_id, _note(tool, created))]
    relationships = [_relationship(DOCUMENT_ID, "DESCRIBES", image_id)]
    if result.distro is not None:
        os_package = _os_package(result.distro, _note(tool, created))
        packages.append(os_package)
        relationships.append(_relationship(image_id, "CONTAINS", os_package["SPDXID"]))
    seen: set[str] = set()
    for package in result.packages or ():
        spdx_package = _package(package, _note(tool, created))
        if spdx_package["SPDXID"] in seen:
            continue
        seen.add(spdx_package["SPDXID"])
        packages.append(spdx_package)
        relationships.append(_relationship(image_id, "CONTAINS", spdx_package["SPDXID"]))
    return {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": DOCUMENT_ID,
        "name": target.reference,
        "documentNamespace": f"https://spdx.org/spdxdocs/caulk-{short}-{serial}",
        "creationInfo": {"created": created, "creators": [tool]},
        "packages": packages,
        "relationships": relationships,
    }


def _note(tool: str, created: str) -> dict[str, str]:
    return {"annotationDate": created, "annotationType": "OTHER", "annotator": tool}


def _annotations(note: dict[str, str], pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    lines = [f"{k}: {v}" for k, v in pairs if v]
    return [{**note, "comment": "\n".join(lines)}] if lines else []


def _relationship(element: str, kind: str, related: str) -> dict[str, str]:
    return {"spdxElementId": element, "relatedSpdxElement": related, "relationshipType": kind}


def _base(spdx_ref: str, name: str, version: str | None, purpose: str) -> dict[str, Any]:
    package: dict[str, Any] = {"SPDXID": spdx_ref, "name": name}
    if version:
        package["versionInfo"] = version
    package.update(
        {
            "supplier": NOASSERTION,
            "downloadLocation": NOASSERTION,
            "filesAnalyzed": False,
            "licenseConcluded": NOASSERTION,
            "licenseDeclared": NOASSERTION,
            "copyrightText": NOASSERTION,
            "primaryPackagePurpose": purpose,
        }
    )
    return package


def _purl_ref(purl: str) -> dict[str, str]:
    return {
        "referenceCategory": "PACKAGE-MANAGER",
        "referenceType": "purl",
        "referenceLocator": purl,
    }


def _image_package(result: ScanResult, image_id: str, note: dict[str, str]) -> dict[str, Any]:
    target = result.target
    pairs = [
        (prop.IMAGE_REFERENCE, target.reference),
        (prop.IMAGE_TRANSPORT, target.transport),
        (prop.IMAGE_CONFIG_DIGEST, target.config_digest),
        (prop.IMAGE_MANIFEST_DIGEST, target.manifest_digest or ""),
        (prop.IMAGE_TAG, target.tag or ""),
        (prop.IMAGE_OS, target.os),
        (prop.IMAGE_ARCHITECTURE, target.architecture),
        (prop.IMAGE_LAYER_COUNT, str(target.layer_count)),
        (prop.IMAGE_SIZE, str(target.size)),
    ]
    package = _base(image_id, target.reference, target.digest, "CONTAINER")
    algorithm, _, value = target.digest.partition(":")
    if algorithm == "sha256":
        package["checksums"] = [{"algorithm": "SHA256", "checksumValue": value}]
    package["externalRefs"] = [_purl_ref(image_purl(target))]
    package["annotations"] = _annotations(note, pairs)
    return package


def _os_package(distro: catalog.Distro, note: dict[str, str]) -> dict[str, Any]:
    pairs = [
        (prop.DISTRO_ID, distro.id),
        (prop.DISTRO_VERSION_ID, distro.version_id),
        (prop.DISTRO_PRETTY_NAME, distro.pretty_name),
        (prop.DISTRO_CODENAME, distro.codename),
        (prop.DISTRO_EOL, distro.eol or ""),
        (prop.DISTRO_IS_EOL, "true" if distro.is_eol else "false"),
    ]
    pairs += [(f"{prop.DISTRO_ID_LIKE}:{i}", like) for i, like in enumerate(distro.id_like)]
    ref = spdx_id("OperatingSystem", distro.id, distro.version_id or "0")
    package = _base(ref, distro.id, distro.version_id, "OPERATING-SYSTEM")
    if distro.pretty_name:
        package["description"] = distro.pretty_name
    package["annotations"] = _annotations(note, pairs)
    return package


def _package(package: catalog.Package, note: dict[str, str]) -> dict[str, Any]:
    first = package.locations[0] if package.locations else Location()
    pairs = prop.package_properties(package)
    ref = spdx_id(f"Package-{package.type}", package.name, component_id(package.purl, first))
    out = _base(ref, package.name, package.version, "LIBRARY")
    paths = ", ".join(loc.path for loc in package.locations if loc.path)
    if paths:
        out["sourceInfo"] = f"acquired package info from {package.found_by or 'caulk'}: {paths}"
    declared, comment = _license(package.licenses)
    out["licenseDeclared"] = declared
    if comment:
        out["licenseComments"] = comment
    out["externalRefs"] = [_purl_ref(package.purl)]
    annotations = _annotations(note, pairs)
    if annotations:
        out["annotations"] = annotations
    return out


def _license(texts: tuple[str, ...]) -> tuple[str, str | None]:
    """(licenseDeclared, licenseComments): an SPDX expression when every text is one, else
    NOASSERTION with the texts kept as a comment."""
    texts = tuple(t.strip() for t in texts if t.strip())
    if not texts:
        return NOASSERTION, None
    joined = " AND ".join(f"({t})" if " " in t else t for t in texts)
    if not spdx_licensing.validate(joined).errors:
        return str(spdx_licensing.parse(joined)), None
    return NOASSERTION, "declared: " + "; ".join(texts)


def _created(scanned_at: str) -> str:
    when = (
        datetime.fromisoformat(scanned_at.replace("Z", "+00:00"))
        if scanned_at
        else datetime.now(UTC)
    )
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
