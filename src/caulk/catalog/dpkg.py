"""Debian packages: /var/lib/dpkg/status and distroless /var/lib/dpkg/status.d/*, with the source
package name and version (`Source: util-linux (2.31.1-0.4)`), and the file lists
/var/lib/dpkg/info/*.list used to tell which files belong to an OS package."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from packageurl import PackageURL

from caulk.catalog.analyzer import ContentAnalyzer, location_of
from caulk.catalog.interface import CatalogContext, Distro, Package
from caulk.fs.interface import FileAnalyzer, LayerView
from caulk.model import Unknown

__all__ = ["DpkgCataloger", "DpkgProblem", "DpkgRecord", "owned_files", "parse_status"]

STATUS = "/var/lib/dpkg/status"
STATUS_D = "/var/lib/dpkg/status.d/"
INFO = "/var/lib/dpkg/info/"


@dataclass(frozen=True, slots=True)
class DpkgRecord:
    package: str
    version: str
    architecture: str
    source: str | None
    source_version: str | None
    installed: bool


@dataclass(frozen=True, slots=True)
class DpkgProblem:
    """A record of a status file that could not be read, among records that could."""

    reason: str


def _paragraphs(text: str) -> Iterator[dict[str, str]]:
    fields: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        if not line.strip():
            if fields:
                yield fields
            fields, key = {}, ""
        elif line[0] in " \t":
            if key:
                fields[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip()
            fields[key] = value.strip()
        else:
            raise ValueError(f"malformed line {line[:60]!r}")
    if fields:
        yield fields


def parse_status(data: bytes) -> tuple[DpkgRecord | DpkgProblem, ...]:
    """Parse a dpkg status file (or a status.d entry). Raises ValueError on garbage; a broken
    record among good ones becomes a `DpkgProblem` (the other packages are kept)."""
    if b"\x00" in data[:8192]:
        raise ValueError("binary data where a dpkg status file was expected")
    records: list[DpkgRecord | DpkgProblem] = []
    for fields in _paragraphs(data.decode("utf-8", "replace")):
        name, version = fields.get("Package"), fields.get("Version")
        if not name or not version:
            records.append(
                DpkgProblem(f"record without Package/Version near {name or version or '?'!r}")
            )
            continue
        source, source_version = None, None
        if "Source" in fields:
            src = fields["Source"].split()
            source = src[0]
            if len(src) > 1:
                source_version = src[1].strip("()")
        status = fields.get("Status", "install ok installed").split()
        installed = len(status) == 3 and status[2] in {"installed", "half-configured"}
        records.append(
            DpkgRecord(
                package=name,
                version=version,
                architecture=fields.get("Architecture", ""),
                source=source,
                source_version=source_version,
                installed=installed,
            )
        )
    problems = [r for r in records if isinstance(r, DpkgProblem)]
    if problems and len(problems) == len(records):
        raise ValueError(problems[0].reason)  # nothing readable: the whole file is an unknown
    return tuple(records)


def _parse_list(_path: str, data: bytes) -> tuple[str, ...]:
    return tuple(line for line in data.decode("utf-8", "surrogateescape").splitlines() if line)


def _wants_status(path: str) -> bool:
    return path == STATUS or (path.startswith(STATUS_D) and "/" not in path[len(STATUS_D) :])


def _wants_list(path: str) -> bool:
    return path.startswith(INFO) and path.endswith(".list") and "/" not in path[len(INFO) :]


STATUS_ANALYZER = ContentAnalyzer("dpkg-status", "2", _wants_status, lambda _p, d: parse_status(d))
LIST_ANALYZER = ContentAnalyzer("dpkg-list", "1", _wants_list, _parse_list)


def purl(record: DpkgRecord, distro: Distro | None) -> str:
    qualifiers = {}
    if record.architecture:
        qualifiers["arch"] = record.architecture
    if distro is not None and distro.version_id:
        qualifiers["distro"] = f"{distro.id}-{distro.version_id}"
    if record.source and record.source != record.package:
        qualifiers["upstream"] = record.source
    namespace = distro.id if distro is not None and distro.id else "debian"
    return PackageURL(
        type="deb",
        namespace=namespace,
        name=record.package,
        version=record.version,
        qualifiers=qualifiers or None,
    ).to_string()


class DpkgCataloger:
    name = "dpkg"
    version = "1"
    analyzers: tuple[FileAnalyzer, ...] = (STATUS_ANALYZER, LIST_ANALYZER)

    def catalog(self, ctx: CatalogContext) -> Iterable[Package | Unknown]:
        view, distro = ctx.view, ctx.distro
        ecosystem = (distro.ecosystem if distro else None) or "Debian"
        for entry, result in view.results(STATUS_ANALYZER.name):
            if not isinstance(result, tuple):
                continue
            location = location_of(view, entry)
            for record in result:
                if isinstance(record, DpkgProblem):
                    yield Unknown(location, f"{STATUS_ANALYZER.name}: {record.reason}")
                if not isinstance(record, DpkgRecord) or not record.installed:
                    continue
                yield Package(
                    name=record.package,
                    version=record.version,
                    type="deb",
                    ecosystem=ecosystem,
                    purl=purl(record, distro),
                    locations=(location,),
                    source_name=record.source or record.package,
                    source_version=record.source_version or record.version,
                    arch=record.architecture or None,
                    found_by=self.name,
                )


def owned_files(view: LayerView) -> frozenset[str]:
    """Every path listed in a dpkg `*.list` file of the final filesystem."""
    owned: set[str] = set()
    for _entry, result in view.results(LIST_ANALYZER.name):
        if isinstance(result, tuple):
            owned.update(result)
    return frozenset(owned)
