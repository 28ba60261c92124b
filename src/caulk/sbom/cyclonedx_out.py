"""`ScanResult` → CycloneDX JSON with cyclonedx-python-lib.

metadata.component is the image (type container, purl `pkg:oci/…@sha256:…`); one
`operating-system` component for the distro; one `library` component per package, bom-ref unique
per (purl, location). Output is deterministic: the timestamp is the scan's injected clock and the
serial number is derived from the image digest, that timestamp and the content unless given.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.license import DisjunctiveLicense, License, LicenseExpression
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output import make_outputter
from cyclonedx.output.json import Json as JsonOutputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from cyclonedx.spdx import fixup_id, is_expression
from packageurl import PackageURL

from caulk.catalog.interface import Distro, Package
from caulk.errors import OperationalError
from caulk.model import Location, ScanResult, Target
from caulk.sbom import properties as prop
from caulk.sbom.purls import image_purl
from caulk.sbom.refs import component_ref

__all__ = ["BomParts", "build_bom", "serialize", "write_cyclonedx"]

SPEC = SchemaVersion.V1_6


@dataclass(frozen=True, slots=True)
class BomParts:
    """A BOM under construction and its components by bom-ref (the VEX renderer adds to both)."""

    bom: Bom
    image: Component
    by_ref: dict[str, Component]


def write_cyclonedx(result: ScanResult, *, serial: uuid.UUID | None = None) -> bytes:
    """The CycloneDX 1.6 JSON SBOM of `result` (which must have catalogued packages)."""
    if result.packages is None:
        raise OperationalError(
            "no package inventory: this scan did not catalogue packages",
            where=result.target.reference,
        )
    parts = build_bom(result)
    return serialize(parts.bom, result, serial)


def build_bom(result: ScanResult) -> BomParts:
    image = _image_component(result.target)
    by_ref: dict[str, Component] = {}
    os_component = _os_component(result.distro) if result.distro is not None else None
    os_children: list[Component] = []
    for package in result.packages or ():
        component = package_component(package)
        ref = str(component.bom_ref)
        if ref in by_ref:  # the same purl at the same location twice: keep one
            continue
        by_ref[ref] = component
        if package.type in {"deb", "apk", "rpm"}:
            os_children.append(component)
    components = list(by_ref.values())
    if os_component is not None:
        components.append(os_component)
    bom = Bom(
        components=components,
        metadata=BomMetaData(
            component=image,
            timestamp=_timestamp(result.scanned_at),
            tools=ToolRepository(
                components=[
                    Component(
                        type=ComponentType.APPLICATION,
                        name="caulk",
                        version=result.caulk_version or None,
                    )
                ]
            ),
        ),
    )
    # Built directly: Bom.register_dependency scans the whole list on every call (quadratic).
    os_refs = {str(c.bom_ref) for c in os_children}
    top = [c for ref, c in by_ref.items() if os_component is None or ref not in os_refs]
    graph = []
    if os_component is not None:
        graph.append(_depends(os_component, os_children))
        top.insert(0, os_component)
    graph.append(_depends(image, top))
    bom.dependencies = graph
    return BomParts(bom=bom, image=image, by_ref=by_ref)


def _depends(component: Component, children: list[Component]) -> Dependency:
    return Dependency(
        ref=component.bom_ref, dependencies=[Dependency(ref=c.bom_ref) for c in children]
    )


def serialize(bom: Bom, result: ScanResult, serial: uuid.UUID | None) -> bytes:
    """JSON bytes; the serial number is derived from the content when not given."""
    bom.serial_number = serial or uuid.UUID(int=0)
    outputter = make_outputter(bom, OutputFormat.JSON, SPEC)
    assert isinstance(outputter, JsonOutputter)
    text = outputter.output_as_string(indent=2)
    if serial is None:
        seed = hashlib.sha256(f"{result.target.digest}\0{result.scanned_at}\0{text}".encode())
        derived = uuid.UUID(bytes=seed.digest()[:16], version=4)
        text = text.replace(str(uuid.UUID(int=0)), str(derived), 1)
    return text.encode() + b"\n"


def package_component(package: Package) -> Component:
    pairs = prop.package_properties(package)
    first = package.locations[0] if package.locations else Location()
    return Component(
        type=ComponentType.LIBRARY,
        bom_ref=component_ref(package.purl, first),
        name=package.name,
        version=package.version,
        purl=PackageURL.from_string(package.purl),
        licenses=_licenses(package.licenses),
        properties=_properties(pairs),
    )


def _image_component(target: Target) -> Component:
    purl = image_purl(target)
    pairs = [
        (prop.IMAGE_REFERENCE, target.reference),
        (prop.IMAGE_TRANSPORT, target.transport),
        (prop.IMAGE_CONFIG_DIGEST, target.config_digest),
        (prop.IMAGE_OS, target.os),
        (prop.IMAGE_ARCHITECTURE, target.architecture),
        (prop.IMAGE_LAYER_COUNT, str(target.layer_count)),
        (prop.IMAGE_SIZE, str(target.size)),
    ]
    if target.manifest_digest:
        pairs.append((prop.IMAGE_MANIFEST_DIGEST, target.manifest_digest))
    if target.tag:
        pairs.append((prop.IMAGE_TAG, target.tag))
    return Component(
        type=ComponentType.CONTAINER,
        bom_ref=purl,
        name=target.reference,
        version=target.digest,
        purl=PackageURL.from_string(purl),
        properties=_properties((k, v) for k, v in pairs if v),
    )


def _os_component(distro: Distro) -> Component:
    pairs = [
        (prop.DISTRO_ID, distro.id),
        (prop.DISTRO_VERSION_ID, distro.version_id),
        (prop.DISTRO_PRETTY_NAME, distro.pretty_name),
        (prop.DISTRO_CODENAME, distro.codename),
        (prop.DISTRO_EOL, distro.eol or ""),
        (prop.DISTRO_IS_EOL, "true" if distro.is_eol else "false"),
    ]
    pairs += [(f"{prop.DISTRO_ID_LIKE}:{i}", like) for i, like in enumerate(distro.id_like)]
    return Component(
        type=ComponentType.OPERATING_SYSTEM,
        bom_ref=f"os:{distro.id}@{distro.version_id}",
        name=distro.id,
        version=distro.version_id or None,
        description=distro.pretty_name or None,
        properties=_properties((k, v) for k, v in pairs if v),
    )


def _properties(pairs: Iterable[tuple[str, str]]) -> list[Property]:
    return [Property(name=name, value=value) for name, value in pairs]


def _licenses(texts: tuple[str, ...]) -> list[License]:
    """SPDX ids as ids, one SPDX expression as an expression, anything else as a name."""
    texts = tuple(t.strip() for t in texts if t.strip())
    made: list[License] = []
    for text in texts:
        spdx = fixup_id(text)
        if spdx is not None:
            made.append(DisjunctiveLicense(id=spdx))
        elif is_expression(text):
            made.append(LicenseExpression(text))
        else:
            made.append(DisjunctiveLicense(name=text))
    if len(made) > 1 and any(isinstance(m, LicenseExpression) for m in made):
        # The schema allows either licenses or one expression: keep every text as a name.
        return [DisjunctiveLicense(name=text) for text in texts]
    return made


def _timestamp(scanned_at: str) -> datetime:
    if not scanned_at:
        return datetime.now(UTC)
    return datetime.fromisoformat(scanned_at.replace("Z", "+00:00"))
