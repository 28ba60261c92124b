"""Alpine packages: /lib/apk/db/installed (`P:` name, `V:` version, `o:` origin, `A:` arch).
Matching uses the origin (source) package: `musl-utils` is fixed through `musl`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from packageurl import PackageURL

from caulk.catalog.analyzer import ContentAnalyzer, exact_paths, location_of
from caulk.catalog.interface import CatalogContext, Package
from caulk.fs.interface import FileAnalyzer, LayerView
from caulk.model import Unknown

__all__ = ["ApkCataloger", "ApkRecord", "parse_installed"]

INSTALLED = "/lib/apk/db/installed"


@dataclass(frozen=True, slots=True)
class ApkRecord:
    name: str
    version: str
    origin: str | None
    arch: str
    files: tuple[str, ...]


def parse_installed(_path: str, data: bytes) -> tuple[ApkRecord, ...]:
    if b"\x00" in data[:8192]:
        raise ValueError("binary data where the apk database was expected")
    records: list[ApkRecord] = []
    fields: dict[str, str] = {}
    files: list[str] = []
    directory = ""

    def flush() -> None:
        if not fields:
            return
        if "P" not in fields or "V" not in fields:
            raise ValueError(f"record without P:/V: near {fields.get('P', '?')!r}")
        records.append(
            ApkRecord(fields["P"], fields["V"], fields.get("o"), fields.get("A", ""), tuple(files))
        )

    for line in data.decode("utf-8", "replace").splitlines():
        if not line.strip():
            flush()
            fields, files, directory = {}, [], ""
            continue
        key, sep, value = line.partition(":")
        if not sep or len(key) != 1:
            raise ValueError(f"malformed line {line[:60]!r}")
        if key == "F":
            directory = value
        elif key == "R":
            files.append(f"/{directory}/{value}" if directory else f"/{value}")
        else:
            fields.setdefault(key, value)
    flush()
    return tuple(records)


ANALYZER = ContentAnalyzer("apk-installed", "1", exact_paths(INSTALLED), parse_installed, 64 << 20)


class ApkCataloger:
    name = "apk"
    version = "1"
    analyzers: tuple[FileAnalyzer, ...] = (ANALYZER,)

    def catalog(self, ctx: CatalogContext) -> Iterable[Package | Unknown]:
        view, distro = ctx.view, ctx.distro
        ecosystem = (distro.ecosystem if distro else None) or "Alpine"
        for entry, result in view.results(ANALYZER.name):
            if not isinstance(result, tuple):
                continue
            location = location_of(view, entry)
            for record in result:
                qualifiers = {"arch": record.arch} if record.arch else {}
                if distro is not None and distro.version_id:
                    qualifiers["distro"] = f"alpine-{distro.version_id}"
                if record.origin and record.origin != record.name:
                    qualifiers["upstream"] = record.origin
                yield Package(
                    name=record.name,
                    version=record.version,
                    type="apk",
                    ecosystem=ecosystem,
                    purl=PackageURL(
                        type="apk",
                        namespace="alpine",
                        name=record.name,
                        version=record.version,
                        qualifiers=qualifiers or None,
                    ).to_string(),
                    locations=(location,),
                    source_name=record.origin or record.name,
                    source_version=record.version,
                    arch=record.arch or None,
                    found_by=self.name,
                )


def owned_files(view: LayerView) -> frozenset[str]:
    owned: set[str] = set()
    for _entry, result in view.results(ANALYZER.name):
        if isinstance(result, tuple):
            for record in result:
                owned.update(record.files)
    return frozenset(owned)
