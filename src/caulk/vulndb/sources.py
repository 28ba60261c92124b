"""Reading one import source (a directory tree, a zip, or one JSON/YAML file) into advisories.

Each document is classified by its content: an OSV record (or a list of them), an Alpine secdb
document, a Debian tracker dump or DSA/DLA list, or an Amazon Linux `updateinfo.xml` (gzip or
not). Broken documents and records are skipped and counted in the
source's `Tally`; only an unreadable or hostile source (missing path, bad zip, zip slip) raises.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

from caulk.errors import AdvisoryFormatError, UnsafeContentError
from caulk.safeload import DEFAULT_LIMITS, DocumentError, load_json, load_yaml, read_regular
from caulk.vulndb import alpine_secdb, amazon, debian_lists, debian_tracker
from caulk.vulndb.interface import Advisory
from caulk.vulndb.osv import MalformedRecordError, is_osv_record, parse_osv
from caulk.vulndb.tally import Tally

__all__ = ["MAX_DOCUMENT_BYTES", "SourceReader", "osv_label"]

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 512 * 1024 * 1024  # one JSON/YAML document (the Debian tracker dump is ~70 MB)
# Parsed size is bounded by objects+arrays, not bytes: 510 KB of zipped `[{},{},…]` used to
# become 12 GB of dicts. 16 million is several times the tracker dump's.
DOCUMENT_LIMITS = DEFAULT_LIMITS.but(max_bytes=MAX_DOCUMENT_BYTES, max_containers=16_000_000)
MAX_ZIP_MEMBERS = 2_000_000
_SUFFIXES = (".json", ".yaml", ".yml")
_XML_SUFFIXES = (".xml", ".xml.gz")  # yum/dnf updateinfo.xml (Amazon Linux)
_LIST_NAMES = ("list", "DSA.list", "DLA.list")  # the tracker's data/DSA/list, data/DLA/list
_GENERIC_STEMS = {"all", "osv", "vulns", "data", "advisories", "json"}


def osv_label(location: str) -> str:
    """The source label of an OSV location, from its last meaningful path component:
    `…/PyPI/all.zip` → `osv:PyPI`, `…/go-vulndb` → `osv:go-vulndb`, `…/pypa/vulns` → `osv:pypa`."""
    parts = [p for p in re.split(r"[/\\]", unquote(location.split("?", 1)[0])) if p]
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
        for where, raw in self._documents():
            data = self._gunzipped(where, raw)
            if data is None:
                continue
            if amazon.is_updateinfo(data):
                self.kinds.add("amazon-updateinfo")
                for adv in amazon.parse_updateinfo(data, where, self.tally):
                    self.tally.imported += 1
                    yield adv
                continue
            if data.lstrip()[:1] == b"<":
                self.tally.skip(where, "not valid JSON/YAML (markup, and not a yum updateinfo.xml)")
                continue
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
    def _gunzipped(self, where: str, data: bytes) -> bytes | None:
        """The document itself; a gzip-compressed one (updateinfo.xml.gz) decompressed, at most
        MAX_DOCUMENT_BYTES; a truncated or corrupt one is skipped and counted."""
        if data[:2] != b"\x1f\x8b":
            return data
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
                out = stream.read(MAX_DOCUMENT_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            self.tally.skip(where, f"unreadable gzip: {exc or 'truncated'}")
            return None
        if len(out) > MAX_DOCUMENT_BYTES:
            self.tally.skip(where, f"more than {MAX_DOCUMENT_BYTES} bytes once decompressed")
            return None
        return out

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
                if not name.lower().endswith(_SUFFIXES + _XML_SUFFIXES) and name not in _LIST_NAMES:
                    continue
                file = Path(root, name)
                rel = file.relative_to(self.path).as_posix()
                try:  # lstat-checked: a symlink to /dev/zero or a FIFO is skipped, not read
                    data = read_regular(file, max_bytes=MAX_DOCUMENT_BYTES, follow_symlinks=False)
                except DocumentError as exc:
                    self.tally.skip(rel, exc.message)
                    continue
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
                if len(members) > MAX_ZIP_MEMBERS:
                    raise UnsafeContentError(
                        f"{len(members)} zip members; at most {MAX_ZIP_MEMBERS} are read",
                        where=where,
                    )
                for info in members:
                    _check_member(info.filename, where)
                for info in members:
                    base = info.filename.rsplit("/", 1)[-1]
                    if info.is_dir() or not (
                        base.lower().endswith(_SUFFIXES + _XML_SUFFIXES) or base in _LIST_NAMES
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
        """JSON, or YAML without implicit numbers or timestamps (`versions: [1.10]` stays
        "1.10") and without aliases; both bounded (safeload). A bad document is skipped."""
        try:
            name = where.lower()
            if name.endswith(".json") or (
                not name.endswith((".yaml", ".yml")) and data.lstrip()[:1] in (b"{", b"[")
            ):
                return load_json(data, where=where, limits=DOCUMENT_LIMITS)
            return load_yaml(data, where=where, limits=DOCUMENT_LIMITS, scalars="strings")
        except DocumentError as exc:
            self.tally.skip(where, exc.message)
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
