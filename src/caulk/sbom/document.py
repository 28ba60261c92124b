"""What the CycloneDX and SPDX readers agree on before packages are built: elements with a name,
version, purl and `name: value` properties, whatever tool wrote them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from caulk.errors import InputError

__all__ = ["Element", "SbomDocument", "as_list", "as_str"]


@dataclass(frozen=True, slots=True)
class Element:
    """One component (CycloneDX) or package (SPDX). `pointer` says where it is in the file, e.g.
    `components[3]` or `packages[12]`; `paths` are evidence paths outside the properties."""

    pointer: str
    name: str = ""
    version: str = ""
    purl: str = ""
    properties: tuple[tuple[str, str], ...] = ()
    licenses: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    description: str = ""
    source_hint: str = ""  # trivy SPDX `sourceInfo: built package from: NAME VERSION`

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.properties if key == name]

    def first(self, *names: str) -> str:
        for name in names:
            for value in self.values(name):
                if value:
                    return value
        return ""

    def indexed(self, prefix: str) -> Iterator[tuple[int, str, str]]:
        """`prefix:N:key` properties as (N, key, value)."""
        for key, value in self.properties:
            if not key.startswith(prefix + ":"):
                continue
            index, _, rest = key[len(prefix) + 1 :].partition(":")
            if index.isdigit():
                yield int(index), rest, value


@dataclass(frozen=True, slots=True)
class SbomDocument:
    format: str  # "cyclonedx" | "spdx"
    spec_version: str
    image: Element | None
    operating_systems: tuple[Element, ...]
    packages: tuple[Element, ...]
    unknowns: tuple[tuple[str, str], ...] = field(default=())  # (pointer, reason)


def as_list(value: Any, what: str, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"malformed SBOM: {what} is not a list", where=where)
    return value


def as_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""
