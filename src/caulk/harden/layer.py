"""Write planned members as one deterministic layer: PAX tar, members in plan order, times and
owners from the plan, gzip header without name or time, fixed levels.

`write_layer` streams a small layer through isal at level 2. `write_smallest` (for `--squash`,
whose one layer replaces the input's) writes the tar once, then compresses it with the codecs in
`SQUASH_CODECS` in turn and keeps the first whose size is at most the input's compressed bytes,
else the smallest one: the output then matches or beats the input's compression."""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import tarfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import zstandard
from isal import igzip

from caulk.harden.content import Staging
from caulk.harden.plan import LayerMember, MemberKind

__all__ = ["SQUASH_CODECS", "Codec", "LayerDigests", "write_layer", "write_smallest"]

_TYPES = {
    MemberKind.FILE: tarfile.REGTYPE,
    MemberKind.WHITEOUT: tarfile.REGTYPE,
    MemberKind.DIR: tarfile.DIRTYPE,
    MemberKind.SYMLINK: tarfile.SYMTYPE,
    MemberKind.HARDLINK: tarfile.LNKTYPE,
    MemberKind.FIFO: tarfile.FIFOTYPE,
}
GZIP_LEVEL = 2  # isal's default: close to zlib -6 in size, several times faster
GZIP_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
ZSTD_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+zstd"
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Codec:
    """One way to compress a layer: `name` as reported ("gzip isal-3", "zstd-19")."""

    name: str
    media_type: str
    open: Callable[[BinaryIO], BinaryIO]  # a writer that compresses into the given stream


def _isal(level: int) -> Callable[[BinaryIO], BinaryIO]:
    def open_(out: BinaryIO) -> BinaryIO:
        return igzip.GzipFile(  # type: ignore[return-value,no-untyped-call]
            filename="", mode="wb", fileobj=out, compresslevel=level, mtime=0
        )

    return open_


def _zlib(level: int) -> Callable[[BinaryIO], BinaryIO]:
    def open_(out: BinaryIO) -> BinaryIO:
        return gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=level, mtime=0)  # type: ignore[return-value]

    return open_


def _zstd(level: int) -> Callable[[BinaryIO], BinaryIO]:
    def open_(out: BinaryIO) -> BinaryIO:
        compressor = zstandard.ZstdCompressor(level=level, write_checksum=True)
        return compressor.stream_writer(out, closefd=False)

    return open_


# Tried in this order by `write_smallest`: gzip first (every runtime reads it), cheapest first.
# Measured on the bookworm test image (78 MB tar, input 30.6 MB): isal-3 31.6 MB in 1.8 s, zlib-6
# 28.8 MB in 15 s (zlib-9: 28.7 MB in 42 s, not worth it), zstd-3 24.0 MB in 1.5 s, zstd-12
# 21.4 MB in 13 s (zstd-19: 19.0 MB in 126 s). See docs/defang.md.
SQUASH_CODECS: tuple[Codec, ...] = (
    Codec("gzip isal-3", GZIP_MEDIA_TYPE, _isal(3)),
    Codec("gzip zlib-6", GZIP_MEDIA_TYPE, _zlib(6)),
    Codec("zstd-3", ZSTD_MEDIA_TYPE, _zstd(3)),
    Codec("zstd-12", ZSTD_MEDIA_TYPE, _zstd(12)),
)


@dataclass(frozen=True, slots=True)
class LayerDigests:
    digest: str  # sha256 of the compressed blob
    size: int  # bytes of the compressed blob
    diff_id: str  # sha256 of the tar
    media_type: str = GZIP_MEDIA_TYPE
    codec: str = f"gzip isal-{GZIP_LEVEL}"
    tried: tuple[tuple[str, int], ...] = ()  # (codec, compressed bytes) of each attempt


class _Hashing:
    """A write-only stream that hashes and counts what passes through it."""

    def __init__(self, sink: BinaryIO | igzip.GzipFile) -> None:
        self._sink = sink
        self._hash = hashlib.sha256()
        self._count = 0

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        self._count += len(data)
        self._sink.write(data)
        return len(data)

    def tell(self) -> int:
        return self._count

    def flush(self) -> None:
        self._sink.flush()

    @property
    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()

    @property
    def count(self) -> int:
        return self._count


def _info(member: LayerMember) -> tarfile.TarInfo:
    info = tarfile.TarInfo(member.tar_name)
    info.type = _TYPES[member.kind]
    info.mode = member.mode & 0o7777
    info.uid, info.gid = member.uid, member.gid
    info.uname, info.gname = member.uname, member.gname
    info.mtime = member.mtime
    if member.kind is MemberKind.SYMLINK:
        info.linkname = member.link or ""
    elif member.kind is MemberKind.HARDLINK:
        info.linkname = (member.link or "").lstrip("/")
    return info


def _write_tar(members: tuple[LayerMember, ...], staging: Staging, raw: _Hashing) -> None:
    tar = tarfile.TarFile(
        fileobj=raw,  # type: ignore[arg-type]
        mode="w",
        format=tarfile.PAX_FORMAT,
        encoding="utf-8",
        errors="surrogateescape",
    )
    for member in members:
        info = _info(member)
        if member.kind is MemberKind.FILE and member.origin is not None:
            info.size = staging.size(member.origin)
            tar.addfile(info, staging.open(member.origin))
        elif member.kind is MemberKind.FILE and member.data is not None:
            info.size = len(member.data)
            tar.addfile(info, io.BytesIO(member.data))
        else:
            tar.addfile(info)
    tar.close()


def write_layer(members: tuple[LayerMember, ...], staging: Staging, out: BinaryIO) -> LayerDigests:
    blob = _Hashing(out)
    with _isal(GZIP_LEVEL)(blob) as gz:  # type: ignore[arg-type]
        raw = _Hashing(gz)
        _write_tar(members, staging, raw)
    return LayerDigests(digest=blob.digest, size=blob.count, diff_id=raw.digest)


def _compress(tar_path: Path, codec: Codec, out_path: Path) -> tuple[str, int]:
    with open(out_path, "wb") as out, open(tar_path, "rb") as source:
        blob = _Hashing(out)
        with codec.open(blob) as writer:  # type: ignore[arg-type]
            shutil.copyfileobj(source, writer, _CHUNK)
    return blob.digest, blob.count


def write_smallest(
    members: tuple[LayerMember, ...],
    staging: Staging,
    scratch: Path,
    target: int,
    codecs: Sequence[Codec] = SQUASH_CODECS,
) -> tuple[LayerDigests, Path]:
    """Write the layer with the first of `codecs` whose blob is at most `target` bytes (else
    the smallest); returns its digests and the path of the blob inside `scratch`."""
    tar_path = scratch / "layer.tar"
    with open(tar_path, "wb") as out:
        raw = _Hashing(out)
        _write_tar(members, staging, raw)
    tried: list[tuple[str, int]] = []
    best: tuple[int, int, str] | None = None  # (size, index, digest)
    for index, codec in enumerate(codecs):
        digest, size = _compress(tar_path, codec, scratch / f"layer.{index}")
        tried.append((codec.name, size))
        if best is None or size < best[0]:
            if best is not None:
                (scratch / f"layer.{best[1]}").unlink()
            best = (size, index, digest)
        else:
            (scratch / f"layer.{index}").unlink()
        if size <= target:
            break
    assert best is not None
    tar_path.unlink()
    size, index, digest = best
    chosen = codecs[index]
    digests = LayerDigests(digest, size, raw.digest, chosen.media_type, chosen.name, tuple(tried))
    return digests, scratch / f"layer.{index}"
