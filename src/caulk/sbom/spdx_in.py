"""SPDX 2.2/2.3 JSON (as syft, trivy and caulk write it) → `SbomDocument`.

SPDX packages have no properties: `name: value` pairs come from package annotations (trivy's and
caulk's) and `attributionTexts` (older trivy); syft names the file it read in `sourceInfo`.
"""

from __future__ import annotations

from typing import Any

from caulk.errors import InputError
from caulk.sbom.document import Element, SbomDocument, as_list, as_str
from caulk.sbom.properties import TRIVY

__all__ = ["parse_spdx"]

_NO_LICENSE = frozenset({"", "NOASSERTION", "NONE"})
_GROUPING_IDS = ("SPDXRef-Application", "SPDXRef-ContainerImage", "SPDXRef-DocumentRoot")


def parse_spdx(data: dict[str, Any], where: str) -> SbomDocument:
    raw_packages = as_list(data.get("packages"), "packages", where)
    for i, raw in enumerate(raw_packages):
        if not isinstance(raw, dict):
            raise InputError(f"malformed SBOM: packages[{i}] is not an object", where=where)
    described = _described(data, where)
    by_id = {as_str(raw.get("SPDXID")): raw for raw in raw_packages}
    image_id = next(
        (i for i in described if _purpose(by_id.get(i)) == "CONTAINER"),
        described[0] if len(described) == 1 else "",
    )
    annotations = _document_annotations(data, where)
    image: Element | None = None
    systems: list[Element] = []
    packages: list[Element] = []
    unknowns: list[tuple[str, str]] = []
    for i, raw in enumerate(raw_packages):
        spdx_id = as_str(raw.get("SPDXID"))
        element = _element(raw, f"packages[{i}]", annotations.get(spdx_id, []), where)
        if spdx_id and spdx_id == image_id:
            image = element
        elif _purpose(raw) == "OPERATING-SYSTEM" or spdx_id.startswith("SPDXRef-OperatingSystem"):
            systems.append(element)
        elif element.purl:
            packages.append(element)
        elif _purpose(raw) in {"", "LIBRARY", "FRAMEWORK"} and not spdx_id.startswith(
            _GROUPING_IDS
        ):
            unknowns.append((element.pointer, f"package {element.name or '?'!r} has no purl"))
    return SbomDocument(
        format="spdx",
        spec_version=as_str(data.get("spdxVersion")),
        image=image,
        operating_systems=tuple(systems),
        packages=tuple(packages),
        unknowns=tuple(unknowns),
    )


def _purpose(raw: dict[str, Any] | None) -> str:
    return as_str((raw or {}).get("primaryPackagePurpose")).upper().replace("_", "-")


def _described(data: dict[str, Any], where: str) -> list[str]:
    out = [as_str(x) for x in as_list(data.get("documentDescribes"), "documentDescribes", where)]
    document = as_str(data.get("SPDXID")) or "SPDXRef-DOCUMENT"
    for rel in as_list(data.get("relationships"), "relationships", where):
        if not isinstance(rel, dict):
            continue
        kind = as_str(rel.get("relationshipType")).upper()
        if kind in {"DESCRIBES", "DESCRIBE"} and as_str(rel.get("spdxElementId")) == document:
            out.append(as_str(rel.get("relatedSpdxElement")))
        elif kind == "DESCRIBED_BY" and as_str(rel.get("relatedSpdxElement")) == document:
            out.append(as_str(rel.get("spdxElementId")))
    return list(dict.fromkeys(x for x in out if x))


def _document_annotations(data: dict[str, Any], where: str) -> dict[str, list[str]]:
    """Top-level `annotations` that name their element (some writers put them there)."""
    out: dict[str, list[str]] = {}
    for item in as_list(data.get("annotations"), "annotations", where):
        if isinstance(item, dict) and as_str(item.get("spdxElementId")):
            out.setdefault(as_str(item.get("spdxElementId")), []).append(
                as_str(item.get("comment"))
            )
    return out


def _pair(text: str) -> tuple[str, str] | None:
    key, sep, value = text.partition(": ")
    if not sep or not key or " " in key.strip():
        return None
    key = key.strip()
    return (key if ":" in key else TRIVY + key), value.strip()


def _element(raw: dict[str, Any], pointer: str, extra: list[str], where: str) -> Element:
    texts = [
        as_str(x)
        for x in as_list(raw.get("attributionTexts"), f"{pointer}.attributionTexts", where)
    ]
    for item in as_list(raw.get("annotations"), f"{pointer}.annotations", where):
        if isinstance(item, dict):
            texts.append(as_str(item.get("comment")))
    lines = [line for text in texts + extra for line in text.splitlines()]
    properties = [pair for pair in map(_pair, lines) if pair is not None]
    purl = ""
    for ref in as_list(raw.get("externalRefs"), f"{pointer}.externalRefs", where):
        if isinstance(ref, dict) and as_str(ref.get("referenceType")).lower() == "purl":
            purl = as_str(ref.get("referenceLocator"))
            break
    source_info = as_str(raw.get("sourceInfo"))
    paths: tuple[str, ...] = ()
    hint = ""
    if source_info.startswith("built package from:"):
        hint = source_info.partition(":")[2].strip()
    elif source_info.startswith("acquired package info from") and ": " in source_info:
        listed = (p.strip() for p in source_info.rsplit(": ", 1)[1].split(","))
        paths = tuple(p for p in listed if p.startswith("/"))
    license_ = as_str(raw.get("licenseDeclared"))
    if license_ in _NO_LICENSE:
        license_ = as_str(raw.get("licenseConcluded"))
    return Element(
        pointer=pointer,
        name=as_str(raw.get("name")),
        version=as_str(raw.get("versionInfo")),
        purl=purl,
        properties=tuple(properties),
        licenses=() if license_ in _NO_LICENSE else (license_,),
        paths=paths,
        description=as_str(raw.get("description")) or as_str(raw.get("summary")),
        source_hint=hint,
    )
