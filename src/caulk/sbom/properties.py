"""Property names caulk writes into SBOMs (syft's where syft has one, `caulk:` otherwise) and the
names other tools write that caulk reads back. SPDX has no properties: caulk writes the same
`name: value` pairs as package annotations there, the shape trivy uses for its own keys."""

from __future__ import annotations

from caulk.catalog.interface import Package
from caulk.model import Location

__all__ = [
    "DISTRO_CODENAME",
    "DISTRO_EOL",
    "DISTRO_ID",
    "DISTRO_ID_LIKE",
    "DISTRO_IS_EOL",
    "DISTRO_PRETTY_NAME",
    "DISTRO_VERSION_ID",
    "FOUND_BY",
    "IMAGE_ARCHITECTURE",
    "IMAGE_CONFIG_DIGEST",
    "IMAGE_LAYER_COUNT",
    "IMAGE_MANIFEST_DIGEST",
    "IMAGE_OS",
    "IMAGE_REFERENCE",
    "IMAGE_SIZE",
    "IMAGE_TAG",
    "IMAGE_TRANSPORT",
    "SOURCE_PACKAGE",
    "SOURCE_VERSION",
    "TRIVY",
    "location_properties",
]

FOUND_BY = "syft:package:foundBy"
SOURCE_PACKAGE = "caulk:source-package"
SOURCE_VERSION = "caulk:source-version"

DISTRO_ID = "syft:distro:id"
DISTRO_VERSION_ID = "syft:distro:versionID"
DISTRO_PRETTY_NAME = "syft:distro:prettyName"
DISTRO_CODENAME = "syft:distro:versionCodename"
DISTRO_ID_LIKE = "syft:distro:idLike"  # + ":N"
DISTRO_EOL = "caulk:distro:eol"
DISTRO_IS_EOL = "caulk:distro:is-eol"

IMAGE_REFERENCE = "caulk:image:reference"
IMAGE_TRANSPORT = "caulk:image:transport"
IMAGE_CONFIG_DIGEST = "caulk:image:config-digest"
IMAGE_MANIFEST_DIGEST = "caulk:image:manifest-digest"
IMAGE_TAG = "caulk:image:tag"
IMAGE_OS = "caulk:image:os"
IMAGE_ARCHITECTURE = "caulk:image:architecture"
IMAGE_LAYER_COUNT = "caulk:image:layer-count"
IMAGE_SIZE = "caulk:image:size"

TRIVY = "aquasecurity:trivy:"  # trivy's CycloneDX prefix; its SPDX annotations drop it


def location_properties(index: int, location: Location) -> list[tuple[str, str]]:
    """`syft:location:N:path`, `syft:location:N:layerID` and caulk's layer index."""
    out: list[tuple[str, str]] = []
    if location.path is not None:
        out.append((f"syft:location:{index}:path", location.path))
    if location.layer_digest is not None:
        out.append((f"syft:location:{index}:layerID", location.layer_digest))
    if location.layer is not None:
        out.append((f"caulk:location:{index}:layer", str(location.layer)))
    return out


def package_properties(package: Package) -> list[tuple[str, str]]:
    """The name/value properties both SBOM writers attach to a package."""
    pairs: list[tuple[str, str]] = []
    if package.found_by:
        pairs.append((FOUND_BY, package.found_by))
    for index, location in enumerate(package.locations):
        pairs += location_properties(index, location)
    if package.source_name is not None:
        pairs.append((SOURCE_PACKAGE, package.source_name))
    if package.source_version is not None:
        pairs.append((SOURCE_VERSION, package.source_version))
    return pairs
