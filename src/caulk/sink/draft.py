"""What the sink writes: an `ImageDraft` (config bytes + layer blobs), and what it reports back."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, BinaryIO

from caulk.mediatypes import OCI_CONFIG, OCI_MANIFEST, oci_equivalent
from caulk.source.interface import Descriptor, Image

__all__ = [
    "ImageDraft",
    "LayerBlob",
    "WrittenImage",
    "draft_from_image",
    "dump_json",
    "manifest_for",
    "oci_manifest",
]


@dataclass(frozen=True, slots=True)
class LayerBlob:
    """One layer as stored: `descriptor` describes the (possibly compressed) blob that `open()`
    returns; `diff_id` is the digest of the uncompressed tar."""

    descriptor: Descriptor
    diff_id: str
    open: Callable[[], BinaryIO]


@dataclass(frozen=True, slots=True)
class ImageDraft:
    config: bytes
    layers: tuple[LayerBlob, ...]
    annotations: tuple[tuple[str, str], ...] = ()
    # (media type, bytes) of the manifest this draft copies unchanged, if any: the registry sink
    # pushes it as it is so a copy keeps its digest (as `skopeo copy` does).
    source_manifest: tuple[str, bytes] | None = None


@dataclass(frozen=True, slots=True)
class WrittenImage:
    destination: str
    manifest_digest: str
    config_digest: str
    manifest: bytes


def dump_json(value: Any) -> bytes:
    """The one serialisation the sink uses: key order as built, compact, UTF-8."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def oci_manifest(draft: ImageDraft, config_digest: str) -> bytes:
    """The OCI manifest of a draft (Docker layer media types mapped to their OCI equivalents)."""
    layers = []
    for blob in draft.layers:
        desc = blob.descriptor
        entry: dict[str, Any] = {
            "mediaType": oci_equivalent(desc.media_type),
            "digest": desc.digest,
            "size": desc.size,
        }
        if desc.annotations:
            entry["annotations"] = dict(desc.annotations)
        layers.append(entry)
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(draft.config)},
        "layers": layers,
    }
    if draft.annotations:
        manifest["annotations"] = dict(draft.annotations)
    return dump_json(manifest)


def manifest_for(draft: ImageDraft, config_digest: str) -> tuple[str, bytes]:
    """(media type, bytes) of the manifest to write: the source manifest when the draft still
    matches it exactly (same config and layers, so a copy keeps its digest), else a new OCI one."""
    if draft.source_manifest is not None:
        media_type, raw = draft.source_manifest
        try:
            doc = json.loads(raw)
            same = doc["config"]["digest"] == config_digest and [
                layer["digest"] for layer in doc["layers"]
            ] == [blob.descriptor.digest for blob in draft.layers]
        except (ValueError, KeyError, TypeError):
            same = False
        if same and not draft.annotations:
            return media_type, raw
    return OCI_MANIFEST, oci_manifest(draft, config_digest)


def draft_from_image(image: Image) -> ImageDraft:
    """A draft that copies `image` as it is: same config bytes, same layer blobs (read through
    the image's verifying streams)."""
    return ImageDraft(
        config=image.config.raw,
        layers=tuple(
            LayerBlob(
                descriptor=layer.descriptor,
                diff_id=layer.diff_id,
                open=partial(image.open_blob, layer.descriptor),
            )
            for layer in image.layers
        ),
        source_manifest=(image.manifest_media_type, image.manifest)
        if image.manifest_digest is not None
        else None,
    )
