"""Go executables: the build info every Go ≥ 1.13 ELF binary carries (see `gobuildinfo`), as the
`stdlib` package (Go version, normalised like OSV: `go1.21rc2` → `1.21.0-rc.2`), the main module
and every dependency (`=>` replacements applied). Binaries an OS package installed are skipped
(their distro tracks them); GOPATH builds (Debian's own) yield only `stdlib`."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from packageurl import PackageURL

from caulk.catalog.analyzer import location_of
from caulk.catalog.elf import is_elf
from caulk.catalog.gobuildinfo import GoBuildInfo, GoModule, parse_modinfo, read_buildinfo
from caulk.catalog.interface import CatalogContext, Package
from caulk.fs.interface import EntryType, FileAnalyzer, FileEntry
from caulk.model import Location, Unknown

__all__ = ["GoBinaryAnalyzer", "GoCataloger", "normalize_go_version", "parse_go_binary"]

log = logging.getLogger(__name__)

MIN_SIZE = 4096
MAX_SIZE = 256 << 20
_TAG = re.compile(r"go(\d+)\.(\d+)(?:\.(\d+))?(?:(beta|rc)(\d+))?\Z")


def normalize_go_version(tag: str) -> str:
    """`go1.21.3` → `1.21.3`, `go1.20` → `1.20.0`, `go1.21rc2` → `1.21.0-rc.2` (as OSV and
    golang.org/x/vuln write the stdlib); anything else (devel builds) is returned unchanged."""
    fields = tag.split()
    m = _TAG.match(fields[0]) if fields else None
    if m is None:
        return tag
    version = f"{m[1]}.{m[2]}.{m[3] or 0}"
    return f"{version}-{m[4]}.{m[5]}" if m[4] else version


def parse_go_binary(_path: str, data: bytes) -> GoBuildInfo | None:
    """Build info of an ELF Go executable; None for anything that is not one (cheap: the ELF
    magic is checked first). Raises ValueError for garbled build info."""
    if not is_elf(data):
        return None
    found = read_buildinfo(data)
    if found is None:
        return None
    return parse_modinfo(*found)


class GoBinaryAnalyzer:
    """Reads executable regular files (mode +x) of plausible size; non-ELF ones cost one check."""

    name = "go-buildinfo"
    version = "1"
    max_size = MAX_SIZE

    def wants(self, entry: FileEntry) -> bool:
        return entry.type is EntryType.FILE and bool(entry.mode & 0o111) and entry.size >= MIN_SIZE

    def analyze(self, entry: FileEntry, data: bytes) -> object | None:
        return parse_go_binary(entry.path, data)


ANALYZER = GoBinaryAnalyzer()


def _purl(path: str, version: str) -> str:
    namespace, _, name = path.rpartition("/")
    return PackageURL(
        type="golang", namespace=namespace or None, name=name, version=version or None
    ).to_string()


def _effective(module: GoModule) -> tuple[str, str]:
    rep = module.replace
    if rep is not None and rep.version:
        return rep.path, rep.version
    return module.path, module.version  # a local-directory replacement keeps the required one


class GoCataloger:
    name = "go"
    version = "1"
    analyzers: tuple[FileAnalyzer, ...] = (ANALYZER,)

    def catalog(self, ctx: CatalogContext) -> Iterable[Package | Unknown]:
        view = ctx.view
        found = [(e, r) for e, r in view.results(ANALYZER.name) if isinstance(r, GoBuildInfo)]
        if not found:
            return
        owned = ctx.os_owned
        for entry, info in found:
            if entry.path in owned:
                log.debug("%s: Go binary of an OS package, skipped", entry.path)
                continue
            location = location_of(view, entry)
            yield from self._packages(info, location)

    def _packages(self, info: GoBuildInfo, location: Location) -> Iterable[Package]:
        stdlib = normalize_go_version(info.go_version)
        yield self._package("stdlib", stdlib, location, purl_version=stdlib)
        if info.main is not None:
            path, version = _effective(info.main)
            if version and version != "(devel)":  # (devel): built from a checkout, no version
                yield self._package(path, version, location)
        for dep in info.deps:
            path, version = _effective(dep)
            yield self._package(path, version, location)

    def _package(
        self, name: str, version: str, location: Location, purl_version: str | None = None
    ) -> Package:
        return Package(
            name=name,
            version=version,
            type="golang",
            ecosystem="Go",
            purl=_purl(name, purl_version or version),
            locations=(location,),
            found_by=self.name,
        )
