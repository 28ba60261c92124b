"""Java archives (jar, war, ear, par, jpi, hpi) and the archives nested in them (WEB-INF/lib,
BOOT-INF/lib, …): each `META-INF/maven/<group>/<artifact>/pom.properties` is a Maven package;
an archive without one of its own is identified by its file name (`name-1.2.3.jar`), else by
its `META-INF/MANIFEST.MF` (Implementation-* or Bundle-* fields). Zip bombs and broken archives
raise ValueError (an Unknown); archives an OS package installed are skipped."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from packageurl import PackageURL

from caulk.catalog.analyzer import ContentAnalyzer, location_of
from caulk.catalog.interface import CatalogContext, Package
from caulk.fs.interface import FileAnalyzer
from caulk.model import Unknown

__all__ = ["JavaArtifact", "JavaCataloger", "parse_archive"]

EXTENSIONS = (".jar", ".war", ".ear", ".par", ".jpi", ".hpi", ".sar", ".kar")
MAX_DEPTH = 3  # an archive in an archive in an archive
MAX_MEMBER = 64 << 20  # largest nested archive or metadata file read
MAX_TOTAL = 512 << 20  # decompressed bytes read from one top-level archive
MAX_RATIO = 200  # compression ratio beyond which a large member is treated as a bomb
_PROPERTY = re.compile(r"([^=:\s]+)\s*[=:\s]\s*(.*)")
_FILENAME = re.compile(r"^(?P<name>[A-Za-z][\w.\-]*?)-(?P<version>\d[\w.\-+]*)$")


@dataclass(frozen=True, slots=True)
class JavaArtifact:
    group: str  # "" when unknown (manifest or file name only)
    artifact: str
    version: str
    nested: str = ""  # path inside the top-level archive ("WEB-INF/lib/x.jar"), "" for itself
    source: str = "pom.properties"  # or "MANIFEST.MF", "filename"


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_TOTAL

    def read(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
        if info.file_size > MAX_MEMBER:
            raise ValueError(f"{where}{info.filename}: member of {info.file_size} bytes is too big")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > (1 << 20) and ratio > MAX_RATIO:
            raise ValueError(f"{where}{info.filename}: compression ratio {ratio:.0f} (zip bomb?)")
        if info.file_size > self.left:
            raise ValueError(f"{where}: more than {MAX_TOTAL} decompressed bytes (zip bomb?)")
        data = archive.read(info)
        self.left -= len(data)
        return data


def _properties(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        line = line.strip()
        m = _PROPERTY.match(line)
        if m is not None and line[0] not in "#!":
            out[m[1]] = m[2].strip()
    return out


def _manifest(text: str) -> dict[str, str]:
    """The main section of a MANIFEST.MF (continuation lines start with one space)."""
    fields: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        if not line.strip():
            break
        if line.startswith(" ") and key:
            fields[key] += line[1:]
        elif ":" in line:
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
    return fields


def _from_manifest(fields: dict[str, str], nested: str) -> JavaArtifact | None:
    version = fields.get("Implementation-Version") or fields.get("Bundle-Version")
    name = fields.get("Implementation-Title") or fields.get("Bundle-SymbolicName", "")
    name = name.split(";")[0].strip()
    if not version or not name:
        return None
    # no group: Implementation-Vendor-Id is an organisation ("org.apache"), not a Maven groupId
    return JavaArtifact("", name, version, nested, "MANIFEST.MF")


def _from_filename(path: str, nested: str) -> JavaArtifact | None:
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    m = _FILENAME.match(stem)
    if m is None:
        return None
    return JavaArtifact("", m["name"], m["version"], nested, "filename")


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _walk(
    data: bytes, path: str, nested: str, depth: int, budget: _Budget
) -> Iterator[JavaArtifact]:
    where = f"{nested}!" if nested else ""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ValueError(f"{where}not a readable zip archive ({exc})") from None
    with archive:
        own = False  # a pom.properties of the archive itself (others are shaded libraries)
        stem = (nested or path).rsplit("/", 1)[-1].lower()
        manifest: JavaArtifact | None = None
        inner: list[zipfile.ZipInfo] = []
        for info in infos:
            name = info.filename
            if name.startswith("META-INF/maven/") and name.endswith("/pom.properties"):
                props = _properties(_text(budget.read(archive, info, where)))
                group, artifact = props.get("groupId", ""), props.get("artifactId", "")
                version = props.get("version", "")
                if artifact and version:
                    own = own or stem.startswith(artifact.lower())
                    yield JavaArtifact(group, artifact, version, nested)
            elif name.upper() == "META-INF/MANIFEST.MF":
                fields = _manifest(_text(budget.read(archive, info, where)))
                manifest = _from_manifest(fields, nested)
            elif name.lower().endswith(EXTENSIONS) and not info.is_dir():
                inner.append(info)
        if not own:
            # file names (artifact-version.jar, as repositories lay them out) are more often
            # right than manifests, whose titles are bundle names and versions carry suffixes
            fallback = _from_filename(nested or path, nested) or manifest
            if fallback is not None:
                yield fallback
        if depth >= MAX_DEPTH:
            return
        for info in inner:
            child = f"{nested}!/{info.filename}" if nested else info.filename
            try:
                payload = budget.read(archive, info, where)
                yield from _walk(payload, path, child, depth + 1, budget)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
                raise ValueError(f"{child}: {exc}") from None


def parse_archive(path: str, data: bytes) -> tuple[JavaArtifact, ...]:
    """Every Maven artifact of a Java archive and of the archives nested in it."""
    try:
        return tuple(_walk(data, path, "", 1, _Budget()))
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
        raise ValueError(f"unreadable Java archive ({exc})") from None


ANALYZER = ContentAnalyzer(
    "java-archive", "1", lambda p: p.lower().endswith(EXTENSIONS), parse_archive, 256 << 20
)


def _purl(artifact: JavaArtifact) -> str:
    return PackageURL(
        type="maven",
        namespace=artifact.group or None,
        name=artifact.artifact,
        version=artifact.version,
    ).to_string()


class JavaCataloger:
    name = "java"
    version = "1"
    analyzers: tuple[FileAnalyzer, ...] = (ANALYZER,)

    def catalog(self, ctx: CatalogContext) -> Iterable[Package | Unknown]:
        view = ctx.view
        found = [(e, r) for e, r in view.results(ANALYZER.name) if isinstance(r, tuple)]
        if not found:
            return
        owned = ctx.os_owned
        for entry, artifacts in found:
            if entry.path in owned:
                continue
            for artifact in artifacts:
                if not isinstance(artifact, JavaArtifact):
                    continue
                location = location_of(view, entry, field=artifact.nested or None)
                group = artifact.group
                yield Package(
                    name=f"{group}:{artifact.artifact}" if group else artifact.artifact,
                    version=artifact.version,
                    type="maven",
                    ecosystem="Maven",
                    purl=_purl(artifact),
                    locations=(location,),
                    found_by=self.name,
                )
