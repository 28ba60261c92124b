"""File bytes for the new layer, re-read from the layers that hold them.

Why re-stream instead of a FileAnalyzer that keeps SETUID/SETGID bytes during the view build:
analyzer results live in the per-layer index (meant to be small and cacheable) and would hold
every special file of every layer, including overwritten ones, in memory; a hardlink member has no
bytes of its own either. Re-streaming reads only the layers that hold the needed files (usually
the base layer alone) once more, and `Staging` copies just those members into one temporary file,
so memory stays bounded by metadata whatever the file sizes (`--squash` stages the whole final
filesystem the same way)."""

from __future__ import annotations

import shutil
import tarfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import BinaryIO

from caulk.errors import ImageFormatError
from caulk.harden.paths import normalise
from caulk.source.interface import Image

__all__ = ["Staging", "read_member"]


def _members(
    image: Image,
    layer: int,
    wanted: set[str],
    alias: Callable[[str], str | None] | None = None,
) -> Iterable[tuple[str, tarfile.TarFile, tarfile.TarInfo]]:
    """Regular members of one layer whose path is in `wanted`; `alias(name)` maps a member name
    written through a symlinked directory (`bin/x` with `/bin -> usr/bin`) to the visible path."""
    where = image.layers[layer].descriptor.digest
    with image.open_layer(image.layers[layer]) as stream:
        try:
            with tarfile.open(
                fileobj=stream, mode="r|", encoding="utf-8", errors="surrogateescape"
            ) as tar:
                for info in tar:
                    if info.isreg():
                        path = normalise(info.name)
                        if path not in wanted and alias is not None:
                            path = alias(path) or path
                        if path in wanted:
                            yield path, tar, info
        except (tarfile.TarError, EOFError) as exc:
            raise ImageFormatError(f"cannot re-read layer {layer}: {exc}", where=where) from exc


def read_member(image: Image, layer: int, path: str, *, max_size: int) -> bytes:
    """The bytes of the last `path` member of one layer (a small file such as /etc/passwd)."""
    data: bytes | None = None
    for _, tar, info in _members(image, layer, {path}):
        if info.size > max_size:
            raise ImageFormatError(
                f"{path} is {info.size} bytes; larger than {max_size}",
                where=image.layers[layer].descriptor.digest,
            )
        handle = tar.extractfile(info)
        assert handle is not None
        data = handle.read()
    if data is None:
        raise ImageFormatError(
            f"{path} not found in layer {layer}", where=image.layers[layer].descriptor.digest
        )
    return data


class Staging:
    """Bytes of selected (layer, path) members, copied into one scratch file."""

    def __init__(self, scratch: BinaryIO) -> None:
        self._file = scratch
        self._where: dict[tuple[int, str], tuple[int, int]] = {}

    def fill(
        self,
        image: Image,
        wanted: Iterable[tuple[int, str]],
        alias: Callable[[str], str | None] | None = None,
    ) -> None:
        by_layer: dict[int, set[str]] = defaultdict(set)
        for layer, path in wanted:
            by_layer[layer].add(path)
        for layer in sorted(by_layer):
            for path, tar, info in _members(image, layer, by_layer[layer], alias):
                handle = tar.extractfile(info)
                assert handle is not None
                offset = self._file.seek(0, 2)
                shutil.copyfileobj(handle, self._file, 1024 * 1024)
                self._where[(layer, path)] = (offset, info.size)  # later duplicates win
            missing = sorted(by_layer[layer] - {p for (lay, p) in self._where if lay == layer})
            if missing:
                raise ImageFormatError(
                    f"layer {layer} no longer holds {missing[0]} (changed since it was indexed?)",
                    where=image.layers[layer].descriptor.digest,
                )

    def size(self, origin: tuple[int, str]) -> int:
        return self._where[origin][1]

    def open(self, origin: tuple[int, str]) -> BinaryIO:
        """The scratch file positioned at the member's bytes (read exactly `size(origin)`)."""
        self._file.seek(self._where[origin][0])
        return self._file
