"""rpm packages from the rpm database in any of its three formats: `rpmdb.sqlite` (rpm ≥ 4.16:
RHEL 9, Fedora ≥ 33), Berkeley DB `Packages` (RHEL ≤ 8, CentOS, Amazon Linux 2) and NDB
`Packages.db` (SUSE), under /var/lib/rpm or /usr/lib/sysimage/rpm. Versions are rpm EVRs
(`[epoch:]version-release`); the source rpm goes into the PURL's `upstream` qualifier. Matching
uses binary package names, as the rpm distros' advisories (Red Hat, AlmaLinux, Rocky) name them.
File lists tell which files an rpm owns (`owned_files`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from packageurl import PackageURL

from caulk.catalog.analyzer import ContentAnalyzer, location_of
from caulk.catalog.interface import CatalogContext, Distro, Package
from caulk.catalog.rpmdb import RpmHeader, parse_header, read_bdb, read_ndb, read_sqlite
from caulk.fs.interface import FileAnalyzer, LayerView
from caulk.model import Unknown

__all__ = ["RpmCataloger", "RpmDatabase", "owned_files", "parse_rpmdb", "purl"]

DIRS = ("/var/lib/rpm/", "/usr/lib/sysimage/rpm/", "/usr/share/rpm/")
READERS: dict[str, Callable[[bytes], Iterator[bytes]]] = {
    "rpmdb.sqlite": read_sqlite,
    "Packages.db": read_ndb,
    "Packages": read_bdb,
}
_PREFERENCE = tuple(READERS)  # when one directory holds several formats, as rpm would pick


@dataclass(frozen=True, slots=True)
class RpmDatabase:
    headers: tuple[RpmHeader, ...]
    skipped: tuple[str, ...] = ()  # reasons for header blobs that could not be parsed


def parse_rpmdb(path: str, data: bytes) -> RpmDatabase:
    """Read every header of an rpm database file; raises ValueError if the database itself is
    unreadable (a single damaged header is skipped and reported)."""
    reader = READERS[path.rsplit("/", 1)[-1]]
    headers, skipped = [], []
    for blob in reader(data):
        try:
            header = parse_header(blob)
        except ValueError as exc:
            skipped.append(str(exc))
            continue
        if header.name != "gpg-pubkey":  # imported signing keys, not software
            headers.append(header)
    if not headers and skipped:
        raise ValueError(f"no readable rpm header ({skipped[0]})")
    return RpmDatabase(tuple(headers), tuple(skipped))


def _wants(path: str) -> bool:
    head, _, base = path.rpartition("/")
    return base in READERS and f"{head}/" in DIRS


ANALYZER = ContentAnalyzer("rpmdb", "1", _wants, parse_rpmdb, 512 << 20)


def purl(header: RpmHeader, distro: Distro | None) -> str:
    qualifiers = {}
    if header.arch:
        qualifiers["arch"] = header.arch
    if header.epoch is not None:
        qualifiers["epoch"] = str(header.epoch)
    if header.source_rpm:
        qualifiers["upstream"] = header.source_rpm
    if distro is not None and distro.version_id:
        qualifiers["distro"] = f"{distro.id}-{distro.version_id}"
    return PackageURL(
        type="rpm",
        namespace=distro.id if distro is not None and distro.id else None,
        name=header.name,
        version=f"{header.version}-{header.release}" if header.release else header.version,
        qualifiers=qualifiers or None,
    ).to_string()


def _ecosystem(distro: Distro | None) -> str:
    if distro is None:
        return "RPM"
    return distro.ecosystem or (f"{distro.id}:{distro.version_id}" if distro.id else "RPM")


def _databases(view: LayerView) -> Iterator[tuple[str, object]]:
    """The database of each directory, in the format rpm would use when several exist."""
    by_dir: dict[str, list[tuple[int, str, object]]] = {}
    for entry, result in view.results(ANALYZER.name):
        head, _, base = entry.path.rpartition("/")
        by_dir.setdefault(head, []).append((_PREFERENCE.index(base), entry.path, result))
    for _head, found in sorted(by_dir.items()):
        _rank, path, result = min(found, key=lambda f: f[0])
        yield path, result


class RpmCataloger:
    name = "rpm"
    version = "1"
    analyzers: tuple[FileAnalyzer, ...] = (ANALYZER,)

    def catalog(self, ctx: CatalogContext) -> Iterable[Package | Unknown]:
        view, distro = ctx.view, ctx.distro
        ecosystem = _ecosystem(distro)
        for path, result in _databases(view):
            entry = view.get(path)
            if entry is None or not isinstance(result, RpmDatabase):
                continue
            location = location_of(view, entry, path=path)
            for reason in result.skipped:
                yield Unknown(location, f"rpm header skipped: {reason}")
            wal = view.get(path + "-wal") if path.endswith(".sqlite") else None
            if wal is not None and wal.size:
                yield Unknown(
                    location, "rpm SQLite write-ahead log not read: packages may be missing"
                )
            for header in result.headers:
                yield Package(
                    name=header.name,
                    version=header.evr,
                    type="rpm",
                    ecosystem=ecosystem,
                    purl=purl(header, distro),
                    locations=(location,),
                    arch=header.arch or None,
                    licenses=(header.license,) if header.license else (),
                    found_by=self.name,
                    module=header.modularity_label or None,
                )


def owned_files(view: LayerView) -> frozenset[str]:
    """Every file an installed rpm lists."""
    owned: set[str] = set()
    for _path, result in _databases(view):
        if isinstance(result, RpmDatabase):
            for header in result.headers:
                owned.update(header.files)
    return frozenset(owned)
