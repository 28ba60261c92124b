"""Reading one import source (a directory tree, a zip, or one JSON/YAML file) into advisories.

Each document is classified by its content: an OSV record (or a list of them), an Alpine secdb
document, or a Debian tracker dump. Broken documents and records are skipped and counted in the
source's `Tally`; only an unreadable or hostile source (missing path, bad zip, zip slip) raises.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from caulk.errors import AdvisoryFormatError, UnsafeContentError
from caulk.vulndb import alpine_secdb, debian_lists, debian_tracker
from caulk.vulndb.interface import Advisory
from caulk.vulndb.osv import MalformedRecordError, is_osv_record, parse_osv
from caulk.vulndb.tally import Tally

__all__ = ["MAX_DOCUMENT_BYTES", "SourceReader", "osv_label"]

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 512 * 1024 * 1024  # one JSON/YAML document (the Debian tracker dump is ~70 MB)
_SUFFIXES = (".json", ".yaml", ".yml")
_LIST_NAMES = ("list", "DSA.list", "DLA.list")  # the tracker's data/DSA/list, data/DLA/list
_GENERIC_STEMS = {"all", "osv", "vulns", "data", "advisories", "json"}


class _StringLoader(yaml.CSafeLoader):
    """YAML without implicit ints/floats/timestamps: `versions: [1.10]` must stay "1.10"."""


_StringLoader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


def osv_label(location: str) -> str:
    """The source label of an OSV location, from its last meaningful path component:
    `…/PyPI/all.zip` → `osv:PyPI`, `…/go-vulndb` → `osv:go-vulndb`, `…/pypa/vulns` → `osv:pypa`."""
    parts = [p for p in re.split(r"[/\\]", location.split("?", 1)[0]) if p]
    while len(parts) > 1 and _stem(parts[-1]).lower() in _GENERIC_STEMS:
        parts.pop()
    return f"osv:{_stem(parts[-1]) if parts else 'osv'}"


def _stem(name: str) -> str:
    for suffix in (".zip", *_SUFFIXES):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _claims_zip(path: Path) -> bool:
    """Named `.zip` or starting with a zip signature (is_zipfile wants the central directory)."""
    if path.name.lower().endswith(".zip"):
        return True
    with path.open("rb") as fh:
        return fh.read(4) in (b"PK\x03\x04", b"PK\x05\x06")


def _check_member(name: str, where: str) -> None:
    posix = PurePosixPath(name.replace("\\", "/"))
    if posix.is_absolute() or re.match(r"^[A-Za-z]:", name) or ".." in posix.parts:
        raise UnsafeContentError(f"unsafe member name {name!r} (absolute or escaping)", where=where)


class SourceReader:
    """Iterate once over the advisories of `path`; then `report()` and `sha256` describe the run."""

    def __init__(self, location: str, path: Path) -> None:
        self.location = location
        self.path = path
        self.tally = Tally(location)
        self.sha256 = ""
        self.kinds: set[str] = set()
        self._osv_label = osv_label(location)

    def __iter__(self) -> Iterator[Advisory]:
        secdb = alpine_secdb.SecdbCollector(self.tally)
        for where, data in self._documents():
            if debian_lists.is_advisory_list(data):
                self.kinds.add("debian-lists")
                text = data.decode("utf-8", "replace")
                for adv in debian_lists.parse_advisory_list(text, where, self.tally):
                    self.tally.imported += 1
                    yield adv
                continue
            doc = self._decode(where, data)
            if doc is not None:
                yield from self._advisories(where, doc, secdb)
        for adv in secdb.advisories():
            self.tally.imported += 1
            yield adv

    @staticmethod
    def is_zip(path: Path) -> bool:
        return path.is_file() and (zipfile.is_zipfile(path) or _claims_zip(path))

    # -- documents ---------------------------------------------------------------------------
    def documents(self) -> Iterator[tuple[str, bytes]]:
        """Every (name, bytes) JSON/YAML document of the source, hashing it into `sha256`."""
        return self._documents()

    def _documents(self) -> Iterator[tuple[str, bytes]]:
        if self.path.is_dir():
            yield from self._directory()
        elif self.path.is_file() and (zipfile.is_zipfile(self.path) or _claims_zip(self.path)):
            yield from self._zip()  # a broken zip raises instead of being read as one document
        elif self.path.is_file():
            data = self.path.read_bytes()
            self.sha256 = hashlib.sha256(data).hexdigest()
            yield self.path.name, data
        else:
            raise AdvisoryFormatError("no such file or directory", where=str(self.path))

    def _directory(self) -> Iterator[tuple[str, bytes]]:
        digest = hashlib.sha256()
        for root, dirs, files in os.walk(self.path):
            dirs.sort()
            for name in sorted(files):
                if not name.lower().endswith(_SUFFIXES) and name not in _LIST_NAMES:
                    continue
                file = Path(root, name)
                rel = file.relative_to(self.path).as_posix()
                data = file.read_bytes()
                digest.update(f"{rel}\0{len(data)}\0".encode())
                digest.update(data)
                yield rel, data
        self.sha256 = digest.hexdigest()

    def _zip(self) -> Iterator[tuple[str, bytes]]:
        where = str(self.path)
        digest = hashlib.sha256()
        with self.path.open("rb") as raw:
            for chunk in iter(lambda: raw.read(1 << 20), b""):
                digest.update(chunk)
        self.sha256 = digest.hexdigest()
        try:
            with zipfile.ZipFile(self.path) as archive:
                members = archive.infolist()
                for info in members:
                    _check_member(info.filename, where)
                for info in members:
                    base = info.filename.rsplit("/", 1)[-1]
                    if info.is_dir() or not (
                        base.lower().endswith(_SUFFIXES) or base in _LIST_NAMES
                    ):
                        continue
                    label = f"{self.path.name}!{info.filename}"
                    if info.file_size > MAX_DOCUMENT_BYTES:
                        self.tally.skip(label, f"{info.file_size} bytes: too large")
                        continue
                    try:
                        with archive.open(info) as member:
                            data = member.read(MAX_DOCUMENT_BYTES + 1)
                    except (zipfile.BadZipFile, OSError, ValueError) as exc:  # CRC, bad compression
                        self.tally.skip(label, f"unreadable zip member: {exc}")
                        continue
                    yield label, data
        except zipfile.BadZipFile as exc:
            raise AdvisoryFormatError(f"not a readable zip: {exc}", where=where) from exc

    def _decode(self, where: str, data: bytes) -> Any:
        try:
            name = where.lower()
            if name.endswith(".json") or (
                not name.endswith((".yaml", ".yml")) and data.lstrip()[:1] in (b"{", b"[")
            ):
                return json.loads(data)
            return yaml.load(data, Loader=_StringLoader)  # noqa: S506 - a safe loader subclass
        except (ValueError, yaml.YAMLError) as exc:
            self.tally.skip(
                where, f"not valid JSON/YAML: {str(exc).splitlines()[0] if str(exc) else exc}"
            )
            return None

    # -- classification ----------------------------------------------------------------------
    def _advisories(
        self, where: str, doc: Any, secdb: alpine_secdb.SecdbCollector
    ) -> Iterator[Advisory]:
        if isinstance(doc, list) or is_osv_record(doc):
            records = doc if isinstance(doc, list) else [doc]
            for n, record in enumerate(records):
                label = where if len(records) == 1 else f"{where}[{n}]"
                adv = self._osv(label, record)
                if adv is not None:
                    yield adv
        elif alpine_secdb.is_secdb(doc):
            self.kinds.add("alpine-secdb")
            secdb.add(doc, where)
        elif debian_tracker.is_tracker_dump(doc):
            self.kinds.add("debian-tracker")
            for adv in debian_tracker.parse_tracker(doc, where, self.tally):
                self.tally.imported += 1
                yield adv
        else:
            self.tally.skip(where, "not an OSV record, Alpine secdb or Debian tracker document")

    def _osv(self, where: str, record: object) -> Advisory | None:
        self.kinds.add("osv")
        try:
            adv = parse_osv(record, self._osv_label)
        except MalformedRecordError as exc:
            self.tally.skip(where, f"malformed OSV record: {exc}")
            return None
        for aff in adv.affected:
            self.tally.ecosystem(aff.ecosystem)
        self.tally.imported += 1
        return adv
