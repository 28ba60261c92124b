"""`dir:ROOTFS`: a root filesystem directory seen as a one-layer image.

The layer tar is generated on the fly by walking the directory with `lstat` in sorted order:
symlinks are data (their target is stored, never followed), hardlinks within the tree become tar
hardlinks, device nodes and fifos are recorded, sockets are skipped. One pass at open time computes
the diff_id and size; each later read regenerates the stream and is verified against them (so a
tree that changes in between is reported, not silently mixed). The config is synthesised.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import stat
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from caulk.chunkstream import ChunkStream
from caulk.errors import ImageFormatError, OperationalError
from caulk.mediatypes import OCI_CONFIG, OCI_LAYER, OCI_MANIFEST
from caulk.source.config import parse_config
from caulk.source.interface import (
    DEFAULT_PLATFORM,
    Compression,
    Descriptor,
    Image,
    Layer,
    Platform,
)

__all__ = ["open_rootfs", "tree_tar"]

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


def _ordered(root: Path) -> Iterator[tuple[str, str]]:
    # depth-first with each directory's entry before its children, names sorted
    def walk(rel: str, path: str) -> Iterator[tuple[str, str]]:
        try:
            with os.scandir(path) as it:
                children = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            raise OperationalError(f"cannot list directory: {exc.strerror}", where=path) from None
        for child in children:
            name = f"{rel}{child.name}"
            yield name, child.path
            if child.is_dir(follow_symlinks=False):
                yield from walk(name + "/", child.path)

    return walk("", str(root))


def _capability(path: str) -> dict[str, str]:
    """The file's `security.capability` xattr as the PAX record GNU tar and Docker write."""
    try:
        raw = os.getxattr(path, "security.capability", follow_symlinks=False)
    except OSError:  # none, or xattrs unsupported here
        return {}
    return {"SCHILY.xattr.security.capability": raw.decode("utf-8", "surrogateescape")}


def _chunks(root: Path) -> Iterator[bytes]:
    seen: dict[tuple[int, int], str] = {}
    for name, path in _ordered(root):
        try:
            st = os.lstat(path)
        except OSError as exc:
            raise OperationalError(f"cannot stat: {exc.strerror}", where=path) from None
        info = tarfile.TarInfo(name)
        info.mode = stat.S_IMODE(st.st_mode)
        info.uid, info.gid, info.mtime = st.st_uid, st.st_gid, int(st.st_mtime)
        mode = st.st_mode
        size = 0
        if stat.S_ISDIR(mode):
            info.type, info.name = tarfile.DIRTYPE, name + "/"
        elif stat.S_ISLNK(mode):
            info.type, info.linkname = tarfile.SYMTYPE, os.readlink(path)  # noqa: PTH115
        elif stat.S_ISREG(mode):
            key = (st.st_dev, st.st_ino)
            if st.st_nlink > 1 and key in seen:
                info.type, info.linkname = tarfile.LNKTYPE, seen[key]
            else:
                seen[key] = name
                info.type, size = tarfile.REGTYPE, st.st_size
                info.pax_headers = _capability(path)
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            info.type = tarfile.CHRTYPE if stat.S_ISCHR(mode) else tarfile.BLKTYPE
            info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
        elif stat.S_ISFIFO(mode):
            info.type = tarfile.FIFOTYPE
        else:
            log.warning("%s: skipping socket or unknown file type", path)
            continue
        info.size = size
        yield info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
        if size:
            yield from _file_data(path, size)
    yield b"\0" * (2 * tarfile.BLOCKSIZE)


def _file_data(path: str, size: int) -> Iterator[bytes]:
    """Exactly `size` bytes (a file that shrank is padded, one that grew is cut: the diff_id check
    reports the change), then padding to the tar block size."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise OperationalError(f"cannot read: {exc.strerror}", where=path) from None
    with os.fdopen(fd, "rb") as handle:
        left = size
        while left:
            chunk = handle.read(min(left, _CHUNK))
            if not chunk:
                yield b"\0" * left
                break
            left -= len(chunk)
            yield chunk
    if size % tarfile.BLOCKSIZE:
        yield b"\0" * (tarfile.BLOCKSIZE - size % tarfile.BLOCKSIZE)


def tree_tar(root: Path) -> ChunkStream:
    """A readable stream of the tar of a directory tree, generated while read."""
    return ChunkStream(_chunks(root))


class _TreeStore:
    def __init__(self, root: Path, layer: Descriptor, config: Descriptor, raw: bytes) -> None:
        self.root, self._layer, self._config, self._raw = root, layer, config, raw

    def locate(self, digest: str) -> str:
        return str(self.root)

    def open_raw(self, descriptor: Descriptor) -> BinaryIO:
        if descriptor.digest == self._config.digest:
            return io.BytesIO(self._raw)
        if descriptor.digest == self._layer.digest:
            return cast(BinaryIO, tree_tar(self.root))
        raise ImageFormatError(f"no blob {descriptor.digest}", where=str(self.root))

    def close(self) -> None:
        pass


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def open_rootfs(reference: str, rest: str, platform: Platform | None) -> Image:
    root = Path(rest)
    if not root.is_dir():
        raise ImageFormatError("no such directory", where=rest)
    hasher, size = hashlib.sha256(), 0
    with tree_tar(root) as stream:
        while chunk := stream.read(_CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    diff_id = f"sha256:{hasher.hexdigest()}"
    plat = platform or DEFAULT_PLATFORM
    config_doc: dict[str, object] = {"architecture": plat.architecture, "os": plat.os}
    if plat.variant:
        config_doc["variant"] = plat.variant
    config_doc["config"] = {}
    config_doc["rootfs"] = {"type": "layers", "diff_ids": [diff_id]}
    config_doc["history"] = [{"created_by": f"caulk: directory {root.name or root}"}]
    raw = _json(config_doc)
    config_desc = Descriptor(OCI_CONFIG, f"sha256:{hashlib.sha256(raw).hexdigest()}", len(raw))
    layer_desc = Descriptor(OCI_LAYER, diff_id, size)
    manifest = _json(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config_desc.digest, "size": len(raw)},
            "layers": [{"mediaType": OCI_LAYER, "digest": diff_id, "size": size}],
        }
    )
    log.debug("%s: %d bytes of tar, diff_id %s", root, size, diff_id)
    return Image(
        reference=reference,
        transport="dir",
        manifest=manifest,
        manifest_media_type=OCI_MANIFEST,
        manifest_digest=None,
        config_descriptor=config_desc,
        config=parse_config(raw, where=str(root)),
        layers=(Layer(0, layer_desc, diff_id, Compression.NONE),),
        platform=plat,
        store=_TreeStore(root, layer_desc, config_desc, raw),
    )
