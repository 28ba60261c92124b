"""The contract of `source/`: resolve a reference into an `Image` whose blobs open as verified
streams.

    with open_image("oci:./layout:latest", platform=Platform.parse("linux/amd64")) as image:
        for layer in image.layers:
            with image.open_layer(layer) as tar_stream:   # decompressed tar bytes
                ...                                       # read it (once, sequentially)

Guarantees every implementation gives:
- `open_blob(desc)` returns the raw blob; the stream raises `VerificationError` naming the blob
  when more bytes than `desc.size` arrive, or, on reaching EOF, when size or digest differ.
- `open_layer(layer)` returns the *uncompressed* tar stream. It verifies the compressed blob against
  the manifest descriptor and the uncompressed bytes against `layer.diff_id`. Leaving the `with`
  block normally drains the rest of the stream, so verification always happens even if the reader
  stopped at the tar end-of-archive marker. Decompression is capped (ratio and total) and raises
  `UnsafeContentError` for bombs.
- Errors are `caulk.errors.ImageFormatError` subclasses with `where` = the file or blob at fault.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol, cast

from caulk.mediatypes import Compression

__all__ = [
    "DEFAULT_PLATFORM",
    "BlobStore",
    "Compression",
    "Descriptor",
    "HistoryEntry",
    "Image",
    "ImageConfig",
    "Layer",
    "Platform",
]


@dataclass(frozen=True, slots=True)
class Platform:
    os: str
    architecture: str
    variant: str | None = None

    @classmethod
    def parse(cls, text: str) -> Platform:
        """`linux/amd64`, `linux/arm64/v8`. Raises UsageError when malformed."""
        parts = text.strip().split("/")
        if len(parts) not in (2, 3) or not all(parts):
            from caulk.errors import UsageError

            raise UsageError(f"invalid platform {text!r} (expected os/arch[/variant])")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)

    def __str__(self) -> str:
        base = f"{self.os}/{self.architecture}"
        return f"{base}/{self.variant}" if self.variant else base


DEFAULT_PLATFORM = Platform("linux", "amd64")


@dataclass(frozen=True, slots=True)
class Descriptor:
    """An OCI content descriptor."""

    media_type: str
    digest: str  # "sha256:<64 hex>"
    size: int
    annotations: tuple[tuple[str, str], ...] = ()
    platform: Platform | None = None


@dataclass(frozen=True, slots=True)
class Layer:
    index: int  # 0 = base layer
    descriptor: Descriptor  # the blob as listed in the manifest (compressed)
    diff_id: str  # config rootfs.diff_ids[index]: digest of the uncompressed tar
    compression: Compression


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    created: str | None = None
    created_by: str = ""
    author: str | None = None
    comment: str | None = None
    empty_layer: bool = False


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """The parts of the OCI image config caulk reasons about. `raw` keeps the exact bytes."""

    raw: bytes
    architecture: str = ""
    os: str = ""
    variant: str | None = None
    created: str | None = None
    user: str = ""
    env: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    working_dir: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    exposed_ports: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    stop_signal: str | None = None
    healthcheck: tuple[str, ...] | None = None
    history: tuple[HistoryEntry, ...] = ()
    diff_ids: tuple[str, ...] = ()


class BlobStore(Protocol):
    """Where an image's blobs come from. Implementations verify nothing themselves; `Image` wraps
    what they return in verifying readers."""

    def open_raw(self, descriptor: Descriptor) -> BinaryIO:
        """Open the blob's raw bytes. Raises ImageFormatError (with `where`) if it is missing."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Image:
    """A resolved image: one manifest for one platform, its config and ordered layers.

    `reference` is what the user typed; `transport` is oci | oci-archive | docker-archive | dir |
    registry | sbom. `manifest_digest` is None only for sources that have no manifest (`dir:`), in
    which case caulk synthesises a manifest and `manifest` holds it.
    """

    reference: str
    transport: str
    manifest: bytes
    manifest_media_type: str
    manifest_digest: str | None
    config_descriptor: Descriptor
    config: ImageConfig
    layers: tuple[Layer, ...]
    platform: Platform
    tag: str | None = None
    index_digest: str | None = None
    store: BlobStore | None = field(default=None, compare=False, repr=False)

    @property
    def digest(self) -> str:
        """The key for results: manifest digest, else config digest."""
        return self.manifest_digest or self.config_descriptor.digest

    def open_blob(self, descriptor: Descriptor) -> BinaryIO:
        from caulk.source.verify import VerifyingReader

        assert self.store is not None, "image has no blob store"
        locate = getattr(self.store, "locate", None)  # optional: names the blob's file
        where = locate(descriptor.digest) if locate is not None else descriptor.digest
        reader = VerifyingReader(self.store.open_raw(descriptor), descriptor, where=where)
        return cast(BinaryIO, reader)

    def open_layer(self, layer: Layer) -> AbstractContextManager[BinaryIO]:
        from caulk.source.layers import open_layer

        return open_layer(self, layer)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> Image:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
