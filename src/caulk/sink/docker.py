"""Write `docker-archive:FILE[:name:tag]` in the legacy `docker save` layout (manifest.json,
repositories, `<config hex>.json`, `<id>/layer.tar` UNCOMPRESSED, `<id>/VERSION`, `<id>/json`),
which `docker load`, `skopeo` and `dive` read. Compressed layers are decompressed on the way (and
verified against their diff_id)."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from caulk.errors import OperationalError, UsageError
from caulk.sink.draft import ImageDraft, WrittenImage, dump_json, oci_manifest
from caulk.sink.files import DeterministicTar, atomic_file
from caulk.sink.oci import open_verified
from caulk.source.layers import decompressed
from caulk.source.verify import VerifyingReader

__all__ = ["write_docker_archive"]

log = logging.getLogger(__name__)


def _layer_ids(diff_ids: list[str]) -> list[str]:
    """Stable v1 layer ids: chained over the diff_ids (distinct even for repeated layers)."""
    ids, parent = [], ""
    for diff_id in diff_ids:
        parent = hashlib.sha256(f"{parent}\n{diff_id}".encode()).hexdigest()
        ids.append(parent)
    return ids


def write_docker_archive(
    draft: ImageDraft, path: Path, repo_tag: str | None, destination: str
) -> WrittenImage:
    if path.is_dir():
        raise UsageError("destination is a directory", where=str(path))
    config_hex = hashlib.sha256(draft.config).hexdigest()
    config_name = f"{config_hex}.json"
    ids = _layer_ids([blob.diff_id for blob in draft.layers])
    manifest_json = dump_json(
        [
            {
                "Config": config_name,
                "RepoTags": [repo_tag] if repo_tag else [],
                "Layers": [f"{layer_id}/layer.tar" for layer_id in ids],
            }
        ]
    )
    members: list[tuple[str, Any]] = [(config_name, draft.config), ("manifest.json", manifest_json)]
    if repo_tag:
        name, _, tag = repo_tag.rpartition(":")
        members.append(("repositories", dump_json({name: {tag: ids[-1]}}) if ids else b"{}"))
    parent = None
    for i, (layer_id, blob) in enumerate(zip(ids, draft.layers, strict=True)):
        v1: dict[str, Any] = {"id": layer_id}
        if parent:
            v1["parent"] = parent
        members += [
            (f"{layer_id}/", None),
            (f"{layer_id}/VERSION", b"1.0"),
            (f"{layer_id}/json", dump_json(v1)),
            (f"{layer_id}/layer.tar", (i, blob)),
        ]
        parent = layer_id
    members.sort(key=lambda m: m[0])
    try:
        with atomic_file(path) as out:
            tar = DeterministicTar(out)
            for name, content in members:
                if content is None:
                    tar.add_dir(name)
                elif isinstance(content, bytes):
                    tar.add_bytes(name, content)
                else:
                    i, blob = content
                    where = f"{destination}: layer {i}"
                    raw = open_verified(blob.open, blob.descriptor, where)
                    assert isinstance(raw, VerifyingReader)
                    with decompressed(raw, blob.diff_id, where=where) as stream:
                        tar.add_stream(name, stream)
            tar.finish()
    except OSError as exc:
        raise OperationalError(f"cannot write: {exc.strerror}", where=str(path)) from None
    manifest = oci_manifest(draft, f"sha256:{config_hex}")
    log.info("wrote %s", destination)
    return WrittenImage(
        destination,
        f"sha256:{hashlib.sha256(manifest).hexdigest()}",
        f"sha256:{config_hex}",
        manifest,
    )
