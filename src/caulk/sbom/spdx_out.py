"""`ScanResult` → SPDX 2.3 JSON with spdx-tools (its model, validator and JSON writer).

The document DESCRIBES the image package (purpose CONTAINER, `pkg:oci/…` purl, SHA256 checksum),
which CONTAINS the operating system (purpose OPERATING-SYSTEM) and every package (externalRefs
PACKAGE-MANAGER purl). What SPDX has no field for (locations, layers, source package) goes into
one annotation per package whose comment holds `name: value` lines with the CycloneDX property
names, which `read_sbom` reads back.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, datetime

from spdx_tools.common.spdx_licensing import spdx_licensing  # type: ignore[import-untyped]
from spdx_tools.spdx.model.actor import Actor, ActorType
from spdx_tools.spdx.model.annotation import Annotation, AnnotationType
from spdx_tools.spdx.model.checksum import Checksum, ChecksumAlgorithm
from spdx_tools.spdx.model.document import CreationInfo, Document
from spdx_tools.spdx.model.package import (
    ExternalPackageRef,
    ExternalPackageRefCategory,
    Package,
    PackagePurpose,
)
from spdx_tools.spdx.model.relationship import Relationship, RelationshipType
from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

from caulk.catalog import interface as catalog
from caulk.errors import OperationalError
from caulk.model import Location, ScanResult
from caulk.sbom import properties as prop
from caulk.sbom.purls import image_purl
from caulk.sbom.refs import component_id, spdx_id

__all__ = ["build_document", "write_spdx"]

DOCUMENT_ID = "SPDXRef-DOCUMENT"


def write_spdx(result: ScanResult, *, serial: uuid.UUID | None = None) -> bytes:
    """The SPDX 2.3 JSON SBOM of `result` (which must have catalogued packages)."""
    if result.packages is None:
        raise OperationalError(
            "no package inventory: this scan did not catalogue packages",
            where=result.target.reference,
        )
    document = build_document(result, serial)
    problems = validate_full_spdx_document(document)
    if problems:  # a bug in caulk, not in the input
        raise OperationalError(f"invalid SPDX document: {problems[0].validation_message}")
    stream = io.StringIO()
    write_document_to_stream(document, stream, validate=False)
    return stream.getvalue().encode() + b"\n"


def build_document(result: ScanResult, serial: uuid.UUID | None = None) -> Document:
    target = result.target
    created = _created(result.scanned_at)
    tool = Actor(ActorType.TOOL, f"caulk-{result.caulk_version or 'unknown'}")
    name = target.reference
    if serial is None:
        purls = "\0".join(p.purl for p in result.packages or ())
        seed = hashlib.sha256(f"{target.digest}\0{result.scanned_at}\0{purls}".encode())
        serial = uuid.UUID(bytes=seed.digest()[:16], version=4)
    image_id = spdx_id("Image", image_purl(target).split("@", 1)[0].removeprefix("pkg:oci/"), "0")
    image_package, image_note = _image_package(result, image_id)
    packages = [image_package]
    relationships = [Relationship(DOCUMENT_ID, RelationshipType.DESCRIBES, image_id)]
    annotations = [_annotation(image_id, image_note, tool, created)]
    if result.distro is not None:
        os_package, os_note = _os_package(result.distro)
        packages.append(os_package)
        relationships.append(Relationship(image_id, RelationshipType.CONTAINS, os_package.spdx_id))
        annotations.append(_annotation(os_package.spdx_id, os_note, tool, created))
    seen: set[str] = set()
    for package in result.packages or ():
        spdx_package, note = _package(package)
        if spdx_package.spdx_id in seen:
            continue
        seen.add(spdx_package.spdx_id)
        packages.append(spdx_package)
        relationships.append(
            Relationship(image_id, RelationshipType.CONTAINS, spdx_package.spdx_id)
        )
        if note:
            annotations.append(_annotation(spdx_package.spdx_id, note, tool, created))
    short = image_purl(target).split("@", 1)[0].removeprefix("pkg:oci/")
    info = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id=DOCUMENT_ID,
        name=name,
        document_namespace=f"https://spdx.org/spdxdocs/caulk-{short}-{serial}",
        creators=[tool],
        created=created,
    )
    return Document(info, packages=packages, relationships=relationships, annotations=annotations)


def _image_package(result: ScanResult, image_id: str) -> tuple[Package, str]:
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
    algorithm, _, value = target.digest.partition(":")
    checksums = [Checksum(ChecksumAlgorithm.SHA256, value)] if algorithm == "sha256" else []
    package = Package(
        spdx_id=image_id,
        name=target.reference,
        download_location=SpdxNoAssertion(),
        version=target.digest,
        files_analyzed=False,
        checksums=checksums,
        license_concluded=SpdxNoAssertion(),
        license_declared=SpdxNoAssertion(),
        copyright_text=SpdxNoAssertion(),
        supplier=SpdxNoAssertion(),
        external_references=[_purl_ref(image_purl(target))],
        primary_package_purpose=PackagePurpose.CONTAINER,
    )
    return package, "\n".join(f"{k}: {v}" for k, v in pairs if v)


def _os_package(distro: catalog.Distro) -> tuple[Package, str]:
    pairs = [
        (prop.DISTRO_ID, distro.id),
        (prop.DISTRO_VERSION_ID, distro.version_id),
        (prop.DISTRO_PRETTY_NAME, distro.pretty_name),
        (prop.DISTRO_CODENAME, distro.codename),
        (prop.DISTRO_EOL, distro.eol or ""),
        (prop.DISTRO_IS_EOL, "true" if distro.is_eol else "false"),
    ]
    pairs += [(f"{prop.DISTRO_ID_LIKE}:{i}", like) for i, like in enumerate(distro.id_like)]
    package = Package(
        spdx_id=spdx_id("OperatingSystem", distro.id, distro.version_id or "0"),
        name=distro.id,
        download_location=SpdxNoAssertion(),
        version=distro.version_id or None,
        files_analyzed=False,
        description=distro.pretty_name or None,
        supplier=SpdxNoAssertion(),
        license_concluded=SpdxNoAssertion(),
        license_declared=SpdxNoAssertion(),
        copyright_text=SpdxNoAssertion(),
        primary_package_purpose=PackagePurpose.OPERATING_SYSTEM,
    )
    return package, "\n".join(f"{k}: {v}" for k, v in pairs if v)


def _package(package: catalog.Package) -> tuple[Package, str]:
    first = package.locations[0] if package.locations else None
    unique = component_id(package.purl, first) if first else component_id(package.purl, Location())
    pairs: list[tuple[str, str]] = []
    if package.found_by:
        pairs.append((prop.FOUND_BY, package.found_by))
    for index, location in enumerate(package.locations):
        pairs += prop.location_properties(index, location)
    if package.source_name is not None:
        pairs.append((prop.SOURCE_PACKAGE, package.source_name))
    if package.source_version is not None:
        pairs.append((prop.SOURCE_VERSION, package.source_version))
    declared, comment = _license(package.licenses)
    paths = ", ".join(loc.path for loc in package.locations if loc.path)
    spdx_package = Package(
        spdx_id=spdx_id(f"Package-{package.type}", package.name, unique),
        name=package.name,
        download_location=SpdxNoAssertion(),
        version=package.version,
        files_analyzed=False,
        supplier=SpdxNoAssertion(),
        source_info=f"acquired package info from {package.found_by or 'caulk'}: {paths}"
        if paths
        else None,
        license_concluded=SpdxNoAssertion(),
        license_declared=declared,
        license_comment=comment,
        copyright_text=SpdxNoAssertion(),
        external_references=[_purl_ref(package.purl)],
        primary_package_purpose=PackagePurpose.LIBRARY,
    )
    return spdx_package, "\n".join(f"{k}: {v}" for k, v in pairs)


def _purl_ref(purl: str) -> ExternalPackageRef:
    return ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", purl)


def _annotation(element: str, comment: str, tool: Actor, created: datetime) -> Annotation:
    return Annotation(element, AnnotationType.OTHER, tool, created, comment)


def _license(texts: tuple[str, ...]) -> tuple[object, str | None]:
    """(licenseDeclared, licenseComments): an SPDX expression when every text is one, else
    NOASSERTION with the texts kept as a comment."""
    texts = tuple(t.strip() for t in texts if t.strip())
    if not texts:
        return SpdxNoAssertion(), None
    joined = " AND ".join(f"({t})" if " " in t else t for t in texts)
    if not spdx_licensing.validate(joined).errors:
        return spdx_licensing.parse(joined), None
    return SpdxNoAssertion(), "declared: " + "; ".join(texts)


def _created(scanned_at: str) -> datetime:
    if not scanned_at:
        return datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    when = datetime.fromisoformat(scanned_at.replace("Z", "+00:00"))
    return when.astimezone(UTC).replace(tzinfo=None)
