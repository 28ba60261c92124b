"""`SbomDocument` → `Inventory` and `Target`: packages from purls, the distro from the OS element
or `distro=` qualifiers, source packages from caulk's and trivy's properties or `upstream`.

Nothing is dropped silently: an element caulk cannot turn into a package becomes an `Unknown`
naming its place in the file (`components[3]`), as does an OS package whose distro release is
not known (it is matched against the bare ecosystem, as the catalogers do).
"""

from __future__ import annotations

import re
from collections import Counter

from caulk.catalog.interface import Distro, Inventory, Package
from caulk.model import Location, Target, Unknown
from caulk.sbom import properties as prop
from caulk.sbom.document import Element, SbomDocument
from caulk.sbom.purls import (
    LANGUAGE_ECOSYSTEMS,
    OS_TYPES,
    ParsedPurl,
    distro_from_qualifier,
    distro_id,
    full_name,
    os_fallback_ecosystem,
    parse_purl,
    split_upstream,
)

__all__ = ["build_inventory", "build_target"]

_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")


def build_inventory(doc: SbomDocument, where: str) -> Inventory:
    unknowns = [Unknown(Location(path=where, field=p), reason) for p, reason in doc.unknowns]
    distro = _os_distro(doc, where, unknowns)
    layer_index = _layer_index(doc.image)
    packages: list[Package] = []
    unreleased: Counter[str] = Counter()
    for element in doc.packages:
        try:
            parsed = parse_purl(element.purl)
        except ValueError as exc:
            unknowns.append(_unknown(where, element, f"invalid purl {element.purl!r}: {exc}"))
            continue
        version = parsed.version or element.version
        if not version:
            unknowns.append(_unknown(where, element, f"no version in {element.purl}"))
            continue
        if parsed.type in OS_TYPES:
            pkg_distro = _package_distro(parsed, distro)
            ecosystem = pkg_distro.ecosystem if pkg_distro is not None else None
            if ecosystem is None:
                ecosystem = os_fallback_ecosystem(parsed.purl.namespace, parsed.type)
                unreleased[ecosystem] += 1
        elif parsed.type in LANGUAGE_ECOSYSTEMS:
            ecosystem = LANGUAGE_ECOSYSTEMS[parsed.type]
        else:
            reason = f"unsupported package type {parsed.type!r} ({element.purl}): not matched"
            unknowns.append(_unknown(where, element, reason))
            continue
        source_name, source_version = _source(element, parsed, version)
        packages.append(
            Package(
                name=_name(element, parsed),
                version=version,
                type=parsed.type,
                ecosystem=ecosystem,
                purl=str(parsed.purl.to_string()),
                locations=_locations(element, layer_index),
                source_name=source_name,
                source_version=source_version,
                arch=parsed.qualifiers.get("arch") or None,
                licenses=element.licenses,
                found_by=element.first(prop.FOUND_BY) or f"sbom:{doc.format}",
            )
        )
    for ecosystem, count in sorted(unreleased.items()):
        reason = (
            f"{count} OS package(s) without a distro release (no OS component, no distro= "
            f"qualifier): matched against {ecosystem!r} without a release"
        )
        unknowns.append(Unknown(Location(path=where), reason))
    if distro is None:
        distro = _common_distro(doc)
    packages.sort(key=lambda p: (p.type, p.name, p.version, p.locations[0].path or ""))
    return Inventory(
        distro=distro,
        packages=tuple(packages),
        unknowns=tuple(unknowns),
        catalogers=(f"sbom:{doc.format}@{doc.spec_version or '?'}",),
    )


def build_target(doc: SbomDocument, where: str, file_digest: str) -> Target:
    image = doc.image or Element(pointer="")
    purl_digest = purl_tag = arch = ""
    if image.purl:
        try:
            parsed = parse_purl(image.purl)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.type in {"oci", "docker"}:
            purl_digest = _digest(parsed.purl.version or "")
            purl_tag = parsed.qualifiers.get("tag", "")
            arch = parsed.qualifiers.get("arch", "")
    repo_digest = _digest(image.first(prop.TRIVY + "RepoDigest").rpartition("@")[2])
    manifest = (
        _digest(image.first(prop.IMAGE_MANIFEST_DIGEST))
        or repo_digest
        or purl_digest
        or _digest(image.version)
    )
    config = _digest(image.first(prop.IMAGE_CONFIG_DIGEST, prop.TRIVY + "ImageID"))
    repo_tag = image.first(prop.TRIVY + "RepoTag")
    tag = (
        image.first(prop.IMAGE_TAG) or purl_tag or (repo_tag.rpartition(":")[2] if repo_tag else "")
    )
    diff_ids = image.values(prop.TRIVY + "DiffID")
    return Target(
        reference=f"sbom:{where}",
        transport="sbom",
        digest=manifest or config or file_digest,
        config_digest=config or manifest or file_digest,
        manifest_digest=manifest or None,
        tag=tag or None,
        os=image.first(prop.IMAGE_OS) or ("linux" if doc.operating_systems else ""),
        architecture=image.first(prop.IMAGE_ARCHITECTURE) or arch,
        layer_count=_int(image.first(prop.IMAGE_LAYER_COUNT)) or len(diff_ids),
        size=_int(image.first(prop.IMAGE_SIZE)),
    )


def _os_distro(doc: SbomDocument, where: str, unknowns: list[Unknown]) -> Distro | None:
    if not doc.operating_systems:
        return None
    if len(doc.operating_systems) > 1:
        names = ", ".join(f"{e.name} {e.version}".strip() for e in doc.operating_systems)
        reason = f"several operating systems ({names}); using the first for OS packages"
        unknowns.append(Unknown(Location(path=where), reason))
    os_ = doc.operating_systems[0]
    like = tuple(v for _i, _k, v in sorted(os_.indexed(prop.DISTRO_ID_LIKE)))
    return Distro(
        id=distro_id(os_.first(prop.DISTRO_ID) or os_.name),
        version_id=os_.first(prop.DISTRO_VERSION_ID) or os_.version,
        codename=os_.first(prop.DISTRO_CODENAME),
        pretty_name=os_.first(prop.DISTRO_PRETTY_NAME) or os_.description,
        id_like=like,
        eol=os_.first(prop.DISTRO_EOL) or None,
        is_eol=os_.first(prop.DISTRO_IS_EOL) == "true",
    )


def _package_distro(parsed: ParsedPurl, os_distro: Distro | None) -> Distro | None:
    qualifier = parsed.qualifiers.get("distro")
    if qualifier:
        from_qualifier = distro_from_qualifier(qualifier, parsed.purl.namespace)
        if from_qualifier is not None:
            return from_qualifier
    if os_distro is None:
        return None
    namespace = distro_id(parsed.purl.namespace or "")
    if not namespace or namespace == os_distro.id or namespace in os_distro.id_like:
        return os_distro
    return None


def _common_distro(doc: SbomDocument) -> Distro | None:
    """With no OS element: the distro most OS packages' qualifiers name."""
    seen: Counter[Distro] = Counter()
    for element in doc.packages:
        try:
            parsed = parse_purl(element.purl)
        except ValueError:
            continue
        if parsed.type in OS_TYPES and parsed.qualifiers.get("distro"):
            found = distro_from_qualifier(parsed.qualifiers["distro"], parsed.purl.namespace)
            if found is not None:
                seen[found] += 1
    return seen.most_common(1)[0][0] if seen else None


def _name(element: Element, parsed: ParsedPurl) -> str:
    """The purl's full name, spelled as the element spells it when both are the same name
    (`PyYAML` for `pkg:pypi/pyyaml`)."""
    name = full_name(parsed)
    if element.name and _canonical(element.name) == _canonical(name):
        return element.name
    return name


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _source(element: Element, parsed: ParsedPurl, version: str) -> tuple[str | None, str | None]:
    name = element.first(prop.SOURCE_PACKAGE)
    source_version = element.first(prop.SOURCE_VERSION)
    if not name and element.first(prop.TRIVY + "SrcName"):
        name = element.first(prop.TRIVY + "SrcName")
        source_version = _trivy_source_version(element)
    if not name and parsed.qualifiers.get("upstream"):
        name, upstream_version = split_upstream(parsed.qualifiers["upstream"], parsed.type)
        source_version = upstream_version or ""
    if not name and element.source_hint:
        name, _, source_version = element.source_hint.partition(" ")
    if parsed.type not in OS_TYPES:
        if not name:
            return None, None
        return name, source_version or None
    return (name or full_name(parsed)), (source_version or version)


def _trivy_source_version(element: Element) -> str:
    version = element.first(prop.TRIVY + "SrcVersion")
    release = element.first(prop.TRIVY + "SrcRelease")
    epoch = element.first(prop.TRIVY + "SrcEpoch")
    if version and release:
        version = f"{version}-{release}"
    if version and epoch and epoch != "0":
        version = f"{epoch}:{version}"
    return version


def _locations(element: Element, layer_index: dict[str, int]) -> tuple[Location, ...]:
    fields: dict[int, dict[str, str]] = {}
    for prefix in ("syft:location", "caulk:location"):
        for index, key, value in element.indexed(prefix):
            fields.setdefault(index, {})[key] = value
    locations = []
    for _index, found in sorted(fields.items()):
        layer_digest = found.get("layerID") or None
        layer_text = found.get("layer", "")
        locations.append(
            Location(
                path=found.get("path") or None,
                layer=int(layer_text)
                if layer_text.isdigit()
                else layer_index.get(layer_digest or ""),
                layer_digest=layer_digest,
            )
        )
    if not locations:
        digest = element.first(prop.TRIVY + "LayerDiffID") or None
        layer = layer_index.get(digest or "")
        paths = [element.first(prop.TRIVY + "FilePath"), *element.paths]
        for path in dict.fromkeys(p for p in paths if p):
            absolute = path if path.startswith("/") else "/" + path  # trivy's are relative
            locations.append(Location(path=absolute, layer=layer, layer_digest=digest))
        if not locations and digest:
            locations.append(Location(layer=layer, layer_digest=digest))
    return tuple(locations) or (Location(field=element.pointer),)


def _layer_index(image: Element | None) -> dict[str, int]:
    if image is None:
        return {}
    return {digest: i for i, digest in enumerate(image.values(prop.TRIVY + "DiffID"))}


def _unknown(where: str, element: Element, reason: str) -> Unknown:
    return Unknown(Location(path=where, field=element.pointer), reason)


def _digest(text: str) -> str:
    match = _SHA256.search(text or "")
    return match.group(0) if match else ""


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0
