"""The contract of `catalog/`: catalogers read only the `LayerView` (never tar files) and produce an
`Inventory` of packages with PURLs and locations.

A cataloger declares the `FileAnalyzer`s it needs (they run during the single pass over each layer,
see fs/interface.py) and then assembles packages from their results in the merged view. Because
analyzer results are per layer and keyed by (diff_id, analyzer name+version), catalog work for a
layer is cached and re-used by every image that shares it.

Parse failures never raise: they become `Unknown(location, reason)`. An image where nothing could be
catalogued is reported loudly by the orchestrator, never as "0 vulnerabilities".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from caulk.fs.interface import FileAnalyzer, LayerView
from caulk.model import Location, Unknown

__all__ = ["CatalogContext", "Cataloger", "Distro", "Inventory", "Package"]


@dataclass(frozen=True, slots=True)
class Distro:
    id: str  # os-release ID: debian, ubuntu, alpine, rhel, …
    version_id: str = ""  # "12", "3.18.4"
    codename: str = ""  # "bookworm"
    pretty_name: str = ""
    id_like: tuple[str, ...] = ()
    eol: str | None = None  # ISO date the distro release reached/reaches end of life
    is_eol: bool = False

    @property
    def ecosystem(self) -> str | None:
        """The OSV ecosystem for OS packages, e.g. "Debian:12", "Alpine:v3.18", "Red Hat:9",
        "Amazon Linux:2023", or None (`vulndb.ecosystems.os_release_ecosystem`)."""
        from caulk.vulndb.ecosystems import os_release_ecosystem

        return os_release_ecosystem(self.id, self.version_id)


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    version: str
    type: str  # purl type: deb, apk, rpm, pypi, npm, golang, maven, gem, cargo, composer, nuget
    ecosystem: str  # OSV ecosystem used for matching: "Debian:12", "PyPI", "Go", "npm", …
    purl: str
    locations: tuple[Location, ...]
    source_name: str | None = None  # distro source package (dpkg Source:, apk origin, rpm SRPM)
    source_version: str | None = None
    arch: str | None = None
    licenses: tuple[str, ...] = ()
    found_by: str = ""  # cataloger name
    module: str | None = None  # rpm modularity label "name:stream:version:context" (RHEL 8+)

    @property
    def match_name(self) -> str:
        return self.source_name or self.name

    @property
    def match_version(self) -> str:
        return self.source_version or self.version


@dataclass(frozen=True, slots=True)
class Inventory:
    distro: Distro | None
    packages: tuple[Package, ...]
    unknowns: tuple[Unknown, ...] = ()
    catalogers: tuple[str, ...] = ()  # "name@version" of every cataloger that ran


@dataclass(frozen=True, slots=True)
class CatalogContext:
    """What every cataloger of one inventory shares, computed once (syft's `Environment`): the
    merged view, the distro from os-release, and the files an OS package manager installed
    (language catalogers skip those, so a package is reported once, as the OS package)."""

    view: LayerView
    distro: Distro | None
    os_owned: frozenset[str]


class Cataloger(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def analyzers(self) -> tuple[FileAnalyzer, ...]: ...

    def catalog(self, ctx: CatalogContext) -> Iterable[Package | Unknown]: ...
