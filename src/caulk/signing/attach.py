"""The `.sig`/`.att` artifact as cosign writes it: an OCI manifest whose layers are the signed
payloads (one per signature or attestation) and whose config is the one go-containerregistry
builds by appending those layers to `empty.Image` (zero timestamps, payload digests as diff_ids):

    {"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":…},…],"os":"",
     "rootfs":{"type":"layers","diff_ids":[…]},"config":{}}

Appending reads the existing artifact, keeps its layers, adds the new one and writes blobs, then
the manifest under the tag (the tag moves only once everything it names is stored).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from caulk.errors import ImageFormatError
from caulk.mediatypes import OCI_CONFIG, OCI_MANIFEST
from caulk.safeload import load_json
from caulk.signing.gojson import go_marshal, sorted_map
from caulk.signing.store import ArtifactStore, sha256_digest

__all__ = ["LayerEntry", "append_layer", "artifact_config", "artifact_manifest", "read_layers"]

_ZERO_TIME = "0001-01-01T00:00:00Z"


@dataclass(frozen=True, slots=True)
class LayerEntry:
    media_type: str
    size: int
    digest: str
    annotations: tuple[tuple[str, str], ...]

    def annotation(self, key: str) -> str | None:
        return dict(self.annotations).get(key)

    def descriptor(self) -> dict[str, Any]:
        """go-containerregistry's Descriptor field order: mediaType, size, digest, annotations."""
        desc: dict[str, Any] = {"mediaType": self.media_type, "size": self.size}
        desc["digest"] = self.digest
        if self.annotations:
            desc["annotations"] = sorted_map(dict(self.annotations))
        return desc


def artifact_config(diff_ids: list[str]) -> bytes:
    return go_marshal(
        {
            "architecture": "",
            "created": _ZERO_TIME,
            "history": [{"created": _ZERO_TIME} for _ in diff_ids],
            "os": "",
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "config": {},
        }
    )


def artifact_manifest(config: bytes, layers: list[LayerEntry]) -> bytes:
    return go_marshal(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": OCI_CONFIG,
                "size": len(config),
                "digest": sha256_digest(config),
            },
            "layers": [layer.descriptor() for layer in layers],
        }
    )


def read_layers(manifest: bytes, *, where: str) -> list[LayerEntry]:
    """The layers of an existing `.sig`/`.att` manifest (OCI or Docker v2, as cosign 1.x wrote)."""
    try:
        doc = load_json(manifest, where=where)
        layers = doc["layers"]
        if not isinstance(layers, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise ImageFormatError("signature manifest has no layers list", where=where) from None
    out = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise ImageFormatError(f"layer {i} is not an object", where=where)
        annotations = layer.get("annotations") or {}
        size, digest = layer.get("size"), layer.get("digest")
        if not isinstance(size, int) or not isinstance(digest, str) or size < 0:
            raise ImageFormatError(f"layer {i} lacks a size or digest", where=where)
        if not isinstance(annotations, dict):
            raise ImageFormatError(f"layer {i} annotations are not an object", where=where)
        out.append(
            LayerEntry(
                str(layer.get("mediaType", "")),
                size,
                digest,
                tuple((str(k), str(v)) for k, v in annotations.items()),
            )
        )
    return out


def append_layer(
    store: ArtifactStore,
    tag: str,
    payload: bytes,
    media_type: str,
    annotations: Mapping[str, str],
    *,
    keep: Callable[[LayerEntry], bool] = lambda _: True,
    duplicate: Callable[[LayerEntry], bool] = lambda _: False,
) -> tuple[str, int, bool]:
    """Add one layer to the artifact under `tag`. Existing layers for which `keep` is False are
    dropped (cosign's `--replace`); if one is a `duplicate` of the new layer nothing is written.
    Returns (manifest digest, layer count, added)."""
    existing = store.get_manifest(tag)
    layers = [] if existing is None else read_layers(existing, where=f"{store.where}:{tag}")
    if existing is not None and any(duplicate(layer) for layer in layers):
        return sha256_digest(existing), len(layers), False
    layers = [layer for layer in layers if keep(layer)]
    digest = store.put_blob(payload)
    layers.append(LayerEntry(media_type, len(payload), digest, tuple(annotations.items())))
    config = artifact_config([layer.digest for layer in layers])
    store.put_blob(config)
    manifest = artifact_manifest(config, layers)
    return store.put_manifest(tag, manifest), len(layers), True
