"""Catalogers: read the layer view into an `Inventory` of packages."""

from __future__ import annotations

from datetime import date

from caulk.catalog import dotnet, os_release, php, ruby, rust
from caulk.catalog.apk import ApkCataloger
from caulk.catalog.context import catalog_context
from caulk.catalog.dpkg import DpkgCataloger
from caulk.catalog.golang import GoCataloger
from caulk.catalog.interface import CatalogContext, Cataloger, Distro, Inventory, Package
from caulk.catalog.java import JavaCataloger
from caulk.catalog.npm import NpmCataloger
from caulk.catalog.python import PythonCataloger
from caulk.catalog.rpm import RpmCataloger
from caulk.fs.interface import FileAnalyzer, LayerView
from caulk.model import Unknown

__all__ = [
    "ALL_CATALOGERS",
    "CatalogContext",
    "Cataloger",
    "Distro",
    "Inventory",
    "Package",
    "analyzers_for",
    "build_inventory",
    "catalog_context",
]

ALL_CATALOGERS: tuple[Cataloger, ...] = (
    DpkgCataloger(),
    ApkCataloger(),
    PythonCataloger(),
    NpmCataloger(),
    RpmCataloger(),
    GoCataloger(),
    JavaCataloger(),
    ruby.CATALOGER,
    rust.CATALOGER,
    php.CATALOGER,
    dotnet.CATALOGER,
)


def analyzers_for(catalogers: tuple[Cataloger, ...] = ALL_CATALOGERS) -> tuple[FileAnalyzer, ...]:
    seen: dict[str, FileAnalyzer] = {os_release.ANALYZER.name: os_release.ANALYZER}
    for cataloger in catalogers:
        for analyzer in cataloger.analyzers:
            seen.setdefault(analyzer.name, analyzer)
    return tuple(seen.values())


def build_inventory(
    view: LayerView, today: date, catalogers: tuple[Cataloger, ...] = ALL_CATALOGERS
) -> Inventory:
    distro = os_release.detect_distro(view, today)
    ctx = catalog_context(view, distro)
    packages: list[Package] = []
    unknowns: list[Unknown] = []
    for cataloger in catalogers:
        for item in cataloger.catalog(ctx):
            if isinstance(item, Package):
                packages.append(item)
            else:
                unknowns.append(item)
    packages.sort(key=lambda p: (p.type, p.name, p.version, p.locations[0].path or ""))
    return Inventory(
        distro=distro,
        packages=tuple(packages),
        unknowns=tuple(unknowns),
        catalogers=tuple(f"{c.name}@{c.version}" for c in catalogers),
    )
