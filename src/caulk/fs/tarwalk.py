"""Index one layer tar in a single sequential pass: entries, whiteouts, opaque markers and
analyzer results (see `caulk.fs.interface`). Never extracts anything, never follows a link."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import BinaryIO

from caulk.errors import ImageFormatError, UnsafeContentError
from caulk.fs.capabilities import CapabilityError, decode_capabilities
from caulk.fs.interface import EntryType, FileAnalyzer, FileEntry, LayerIndex
from caulk.fs.paths import ROOT, ancestors, escapes_root, normalize, split
from caulk.fs.tarheader import Member, TarStream
from caulk.model import Location, Unknown

__all__ = ["WHITEOUT_OPAQUE", "WHITEOUT_PREFIX", "index_layer"]

log = logging.getLogger(__name__)

WHITEOUT_PREFIX = ".wh."
WHITEOUT_META_PREFIX = ".wh..wh."
WHITEOUT_OPAQUE = ".wh..wh..opq"

_TYPES: dict[bytes, EntryType] = {
    b"0": EntryType.FILE,
    b"\0": EntryType.FILE,
    b"": EntryType.FILE,
    b"7": EntryType.FILE,  # contiguous file
    b"S": EntryType.FILE,  # GNU sparse: size is the stored (sparse) data
    b"1": EntryType.HARDLINK,
    b"2": EntryType.SYMLINK,
    b"3": EntryType.CHAR,
    b"4": EntryType.BLOCK,
    b"5": EntryType.DIR,
    b"D": EntryType.DIR,  # GNU dumpdir
    b"6": EntryType.FIFO,
}


@functools.lru_cache(maxsize=256)
def _owner(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


class _Walker:
    def __init__(
        self, index: int, diff_id: str, analyzers: Sequence[FileAnalyzer], where: str
    ) -> None:
        self.index = index
        self.diff_id = diff_id
        self.analyzers = tuple(analyzers)
        self.where = where
        self.entries: list[FileEntry] = []
        self.whiteouts: dict[str, None] = {}
        self.opaque: dict[str, None] = {}
        self.unknowns: list[Unknown] = []
        self.results: dict[str, dict[str, object]] = {}
        self.types: dict[str, EntryType] = {}  # last type written per path in this layer
        self.escaping: set[str] = set()  # symlinks in this layer whose target leaves the root

    def unknown(self, path: str | None, reason: str) -> None:
        loc = Location(path=path, layer=self.index, layer_digest=self.diff_id)
        self.unknowns.append(Unknown(loc, reason))

    def unsafe(self, member: str, what: str) -> UnsafeContentError:
        return UnsafeContentError(f"member {member!r} {what}", where=self.where)

    def member_path(self, raw: str) -> str:
        if raw.startswith("/"):
            raise self.unsafe(raw, "has an absolute path")
        path = normalize(raw)
        if path is None:
            raise self.unsafe(raw, "escapes the image root via '..'")
        return path

    def add(self, ts: TarStream, m: Member) -> None:
        raw = _text(m.name)
        path = self.member_path(raw)
        head, base = split(path)
        if base.startswith(WHITEOUT_PREFIX):
            if base == WHITEOUT_OPAQUE:
                self.opaque[head] = None
            elif base.startswith(WHITEOUT_META_PREFIX):
                log.debug("%s: skipping AUFS metadata %r", self.where, raw)
            elif base[len(WHITEOUT_PREFIX) :] in ("", ".", ".."):
                self.unknown(path, f"meaningless whiteout {raw!r}; ignored")
            else:
                target = f"{head.rstrip('/')}/{base[len(WHITEOUT_PREFIX) :]}"
                self.whiteouts[target] = None
            return
        if WHITEOUT_META_PREFIX in path and any(
            c.startswith(WHITEOUT_META_PREFIX) for c in path.split("/")
        ):
            log.debug("%s: skipping member inside AUFS metadata %r", self.where, raw)
            return
        etype = _TYPES.get(m.typeflag)
        if etype is None:
            if m.typeflag == b"V":  # volume label: not a file
                return
            self.unknown(path, f"tar member type {m.typeflag!r} is not supported; skipped")
            return
        if etype is EntryType.FILE and raw.endswith("/") and m.typeflag in (b"\0", b""):
            etype = EntryType.DIR  # v7 archives mark directories by a trailing slash
        if path == ROOT and etype is not EntryType.DIR:
            raise ImageFormatError(f"member {raw!r} replaces the image root", where=self.where)
        if self.escaping:
            for anc in ancestors(path):
                if anc in self.escaping:
                    raise self.unsafe(
                        raw, f"is written through symlink {anc!r} pointing outside the root"
                    )
        link: str | None = None
        if etype is EntryType.SYMLINK:
            link = _text(m.linkname)
            if escapes_root(head, link):
                self.escaping.add(path)
            else:
                self.escaping.discard(path)
        else:
            self.escaping.discard(path)
        if etype is EntryType.HARDLINK:
            target_raw = _text(m.linkname)
            link = normalize(target_raw)
            if link is None or link == ROOT:
                raise self.unsafe(raw, f"is a hardlink to {target_raw!r} outside the image root")
            if self.types.get(link) is EntryType.DIR:
                raise ImageFormatError(
                    f"member {raw!r} is a hardlink to directory {target_raw!r}", where=self.where
                )
        if path in self.types:
            for per_path in self.results.values():
                per_path.pop(path, None)
        self.types[path] = etype
        entry = FileEntry(
            path=path,
            type=etype,
            mode=m.mode & 0o7777,
            uid=m.uid,
            gid=m.gid,
            size=m.size if etype is EntryType.FILE else 0,
            layer=self.index,
            link=link,
            mtime=m.mtime,
            uname=_owner(m.uname),
            gname=_owner(m.gname),
            capabilities=self.capabilities(path, m),
        )
        self.entries.append(entry)
        if etype is EntryType.FILE and self.analyzers:
            self.analyze(ts, m, entry)

    def capabilities(self, path: str, m: Member) -> str:
        if not m.capability:
            return ""
        try:
            return decode_capabilities(m.capability)
        except CapabilityError as exc:
            self.unknown(path, f"{exc}; ignored")
            return ""

    def analyze(self, ts: TarStream, m: Member, entry: FileEntry) -> None:
        wanted = [a for a in self.analyzers if a.wants(entry)]
        if not wanted:
            return
        fits = []
        for analyzer in wanted:
            if entry.size <= analyzer.max_size:
                fits.append(analyzer)
            else:
                self.unknown(
                    entry.path,
                    f"{analyzer.name}: file of {entry.size} bytes is larger than "
                    f"{analyzer.max_size}; not read",
                )
        if not fits:
            return
        data = ts.read_data(m)
        for analyzer in fits:
            try:
                result = analyzer.analyze(entry, data)
            except ValueError as exc:
                self.unknown(entry.path, f"{analyzer.name}: {exc}")
                continue
            except RecursionError:  # a parser that recursed on a hostile file: that file only
                self.unknown(entry.path, f"{analyzer.name}: nested too deeply to parse")
                continue
            if result is not None:
                self.results.setdefault(analyzer.name, {})[entry.path] = result


def index_layer(
    stream: BinaryIO,
    *,
    index: int,
    diff_id: str,
    analyzers: Sequence[FileAnalyzer] = (),
    where: str,
) -> LayerIndex:
    """Read the uncompressed layer tar `stream` once and index it.

    Raises `UnsafeContentError` for hostile members (absolute or escaping paths, hardlinks out of
    the root, members written through a symlink that leaves the root, absurd sizes) and
    `ImageFormatError` for corrupt or truncated archives, both naming `where` and the member.
    A tar without the end-of-archive marker is accepted with an `Unknown` (Docker accepts it).
    """
    walker = _Walker(index, diff_id, analyzers, where)
    ts = TarStream(stream, where=where)
    for member in ts:
        walker.add(ts, member)
    if not ts.trailer:
        log.warning("%s: layer tar has no end-of-archive marker; read it anyway", where)
        walker.unknown(None, "layer tar has no end-of-archive marker (tolerated, as Docker does)")
    return LayerIndex(
        index=index,
        diff_id=diff_id,
        entries=tuple(walker.entries),
        whiteouts=tuple(walker.whiteouts),
        opaque_dirs=tuple(walker.opaque),
        tar_size=ts.size,
        results={name: found for name, found in walker.results.items() if found},
        unknowns=tuple(walker.unknowns),
    )
