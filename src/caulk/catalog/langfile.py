"""The shared shape of the catalogers that read one kind of metadata file per package set (Ruby
gemspecs, Composer `installed.json`, .NET `*.deps.json`, Rust audit data): a parser gives
`Found` records; the cataloger turns them into packages at the file's location, skipping files
an OS package owns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from caulk.catalog.analyzer import ContentAnalyzer, location_of
from caulk.catalog.interface import CatalogContext, Package
from caulk.fs.interface import FileAnalyzer
from caulk.model import Unknown

__all__ = ["Found", "LanguageFileCataloger"]


@dataclass(frozen=True, slots=True)
class Found:
    name: str
    version: str
    field: str = ""  # where inside the file, when it lists several packages
    licenses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LanguageFileCataloger:
    name: str
    version: str
    analyzer: ContentAnalyzer | FileAnalyzer
    type: str  # purl type
    ecosystem: str  # OSV ecosystem
    purl: Callable[[Found], str]

    @property
    def analyzers(self) -> tuple[FileAnalyzer, ...]:
        return (self.analyzer,)

    def catalog(self, ctx: CatalogContext) -> Iterable[Package | Unknown]:
        view = ctx.view
        found = [(e, r) for e, r in view.results(self.analyzer.name) if isinstance(r, tuple)]
        if not found:
            return
        owned = ctx.os_owned
        for entry, records in found:
            if entry.path in owned:
                continue
            for record in records:
                if not isinstance(record, Found):
                    continue
                yield Package(
                    name=record.name,
                    version=record.version,
                    type=self.type,
                    ecosystem=self.ecosystem,
                    purl=self.purl(record),
                    locations=(location_of(view, entry, field=record.field or None),),
                    licenses=record.licenses,
                    found_by=self.name,
                )
