"""Media types caulk reads and writes, and what each says about a blob: a neutral module that
`source/`, `registry/`, `sink/` and `signing/` import (none of them owns it)."""

from __future__ import annotations

import enum

from caulk.errors import ImageFormatError

__all__ = [
    "CONFIG_TYPES",
    "DOCKER_CONFIG",
    "DOCKER_LAYER",
    "DOCKER_LAYER_GZIP",
    "DOCKER_MANIFEST",
    "DOCKER_MANIFEST_LIST",
    "INDEX_TYPES",
    "MANIFEST_TYPES",
    "OCI_CONFIG",
    "OCI_INDEX",
    "OCI_LAYER",
    "OCI_LAYER_GZIP",
    "OCI_LAYER_ZSTD",
    "OCI_MANIFEST",
    "REF_NAME",
    "Compression",
    "layer_compression",
    "oci_equivalent",
]


class Compression(enum.Enum):
    """How a layer blob is compressed (what its media type or magic bytes say)."""

    NONE = "none"
    GZIP = "gzip"
    ZSTD = "zstd"


OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"

REF_NAME = "org.opencontainers.image.ref.name"

INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})
MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
CONFIG_TYPES = frozenset({OCI_CONFIG, DOCKER_CONFIG})

_LAYERS: dict[str, tuple[Compression, str]] = {
    OCI_LAYER: (Compression.NONE, OCI_LAYER),
    OCI_LAYER_GZIP: (Compression.GZIP, OCI_LAYER_GZIP),
    OCI_LAYER_ZSTD: (Compression.ZSTD, OCI_LAYER_ZSTD),
    "application/vnd.oci.image.layer.nondistributable.v1.tar": (Compression.NONE, OCI_LAYER),
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip": (
        Compression.GZIP,
        OCI_LAYER_GZIP,
    ),
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd": (
        Compression.ZSTD,
        OCI_LAYER_ZSTD,
    ),
    DOCKER_LAYER: (Compression.NONE, OCI_LAYER),
    DOCKER_LAYER_GZIP: (Compression.GZIP, OCI_LAYER_GZIP),
    "application/vnd.docker.image.rootfs.diff.tar.zstd": (Compression.ZSTD, OCI_LAYER_ZSTD),
    "application/vnd.docker.image.rootfs.foreign.diff.tar": (Compression.NONE, OCI_LAYER),
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": (
        Compression.GZIP,
        OCI_LAYER_GZIP,
    ),
}


def layer_compression(media_type: str, *, where: str) -> Compression:
    """The compression a layer media type declares. Unknown media types raise ImageFormatError."""
    try:
        return _LAYERS[media_type][0]
    except KeyError:
        raise ImageFormatError(
            f"unsupported layer media type {media_type[:120]!r}", where=where
        ) from None


def oci_equivalent(media_type: str) -> str:
    """The OCI layer media type for the same bytes (Docker and nondistributable types map to the
    plain OCI ones); non-layer types are returned unchanged."""
    entry = _LAYERS.get(media_type)
    return entry[1] if entry else media_type
