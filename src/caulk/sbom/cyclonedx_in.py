"""CycloneDX JSON (1.2 to 1.7, as syft, trivy and caulk write it) → `SbomDocument`."""

from __future__ import annotations

from typing import Any

from caulk.errors import InputError
from caulk.sbom.document import Element, SbomDocument, as_list, as_str

__all__ = ["parse_cyclonedx"]

# Component types that group packages (trivy's per-lockfile "application"s) rather than being one.
_GROUPING = frozenset(
    {"application", "file", "container", "platform", "device", "firmware", "data"}
)


def parse_cyclonedx(data: dict[str, Any], where: str) -> SbomDocument:
    metadata = data.get("metadata")
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict):
        raise InputError("malformed SBOM: metadata is not an object", where=where)
    root = metadata.get("component")
    image = _element(root, "metadata.component", where) if isinstance(root, dict) else None
    systems: list[Element] = []
    packages: list[Element] = []
    unknowns: list[tuple[str, str]] = []
    pending = [
        (f"components[{i}]", c)
        for i, c in enumerate(as_list(data.get("components"), "components", where))
    ]
    while pending:
        pointer, raw = pending.pop(0)
        if not isinstance(raw, dict):
            raise InputError(f"malformed SBOM: {pointer} is not an object", where=where)
        nested = as_list(raw.get("components"), f"{pointer}.components", where)
        pending += [(f"{pointer}.components[{i}]", c) for i, c in enumerate(nested)]
        element = _element(raw, pointer, where)
        kind = as_str(raw.get("type"))
        if kind == "operating-system":
            systems.append(element)
        elif element.purl:
            packages.append(element)
        elif kind not in _GROUPING:
            unknowns.append((pointer, f"component {element.name or '?'!r} has no purl"))
    return SbomDocument(
        format="cyclonedx",
        spec_version=as_str(data.get("specVersion")),
        image=image,
        operating_systems=tuple(systems),
        packages=tuple(packages),
        unknowns=tuple(unknowns),
    )


def _element(raw: dict[str, Any], pointer: str, where: str) -> Element:
    properties = []
    for item in as_list(raw.get("properties"), f"{pointer}.properties", where):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            properties.append((item["name"], as_str(item.get("value"))))
    evidence = raw.get("evidence")
    paths: list[str] = []
    if isinstance(evidence, dict):
        for occurrence in as_list(evidence.get("occurrences"), f"{pointer}.evidence", where):
            if isinstance(occurrence, dict) and as_str(occurrence.get("location")):
                paths.append(as_str(occurrence.get("location")))
    return Element(
        pointer=pointer,
        name=as_str(raw.get("name")),
        version=as_str(raw.get("version")),
        purl=as_str(raw.get("purl")),
        properties=tuple(properties),
        licenses=_licenses(raw.get("licenses")),
        paths=tuple(paths),
        description=as_str(raw.get("description")),
    )


def _licenses(raw: Any) -> tuple[str, ...]:
    out: list[str] = []
    for item in raw if isinstance(raw, list) else ():
        if not isinstance(item, dict):
            continue
        if as_str(item.get("expression")):
            out.append(as_str(item.get("expression")))
        license_ = item.get("license")
        if isinstance(license_, dict):
            text = as_str(license_.get("id")) or as_str(license_.get("name"))
            if text:
                out.append(text)
    return tuple(out)
