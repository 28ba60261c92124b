"""`docker-archive:FILE[:name:tag|@N]`: what `docker save` writes.

Two layouts: the legacy one (manifest.json + repositories + `<id>/layer.tar`, layers usually
uncompressed, no manifest: caulk synthesises a Docker v2 manifest and the image is keyed by its
config digest), and the OCI layout in a tar that docker >= 25 writes (index.json + blobs/, resolved
like an oci-archive, with real manifest digests). Compressed (gzip) archives are refused with a
clear message: random access needs the plain tar.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from caulk import safeload
from caulk.errors import ImageFormatError
from caulk.mediatypes import (
    DOCKER_CONFIG,
    DOCKER_LAYER,
    DOCKER_LAYER_GZIP,
    DOCKER_MANIFEST,
    OCI_LAYER_ZSTD,
    REF_NAME,
)
from caulk.source.config import load_json, parse_config
from caulk.source.interface import Compression, Descriptor, Image, Layer, Platform
from caulk.source.layers import sniff
from caulk.source.reference import split_path
from caulk.source.resolve import (
    Located,
    platform_matches,
    read_blob,
    resolve,
    select_in_index,
)
from caulk.source.stores import TarArchive
from caulk.source.verify import check_digest

__all__ = ["normalize_repo_tag", "open_docker_archive"]

log = logging.getLogger(__name__)

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_CONTAINERD_NAME = "io.containerd.image.name"


def normalize_repo_tag(name: str) -> str:
    """`docker.io/library/app` -> `app:latest`; `localhost:5000/a/b:1` unchanged."""
    if "@" in name:
        return name
    last = name.rsplit("/", 1)[-1]
    if ":" not in last:
        name += ":latest"
    for prefix in ("docker.io/library/", "index.docker.io/library/", "docker.io/"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


class _LegacyStore:
    """Blobs of a legacy docker-archive, by the digests caulk assigned to its members."""

    def __init__(self, archive: TarArchive) -> None:
        self.archive = archive
        self.members: dict[str, str] = {}

    def add(self, digest: str, member: str) -> None:
        self.members.setdefault(digest, member)

    def locate(self, digest: str) -> str:
        return f"{self.archive.path}:{self.members.get(digest, digest)}"

    def open_raw(self, descriptor: Descriptor) -> BinaryIO:
        member = self.members.get(descriptor.digest)
        if member is None:
            raise ImageFormatError(
                f"blob {descriptor.digest} is not in the archive", where=str(self.archive.path)
            )
        return self.archive.open_member(member)

    def close(self) -> None:
        self.archive.close()


def open_docker_archive(reference: str, rest: str, platform: Platform | None) -> Image:
    path, remainder = split_path(rest, want_dir=False)
    archive = TarArchive(Path(path))
    try:
        if archive.has("index.json"):
            return _open_oci_in_tar(reference, archive, remainder, platform)
        return _open_legacy(reference, archive, remainder, platform)
    except BaseException:
        archive.close()
        raise


def _open_oci_in_tar(
    reference: str, archive: TarArchive, remainder: str | None, platform: Platform | None
) -> Image:
    where = f"{archive.path}:index.json"
    index = load_json(archive.read_member("index.json"), what="index.json", where=where)
    tag = None
    if remainder is not None and not remainder.startswith("@"):
        wanted = normalize_repo_tag(remainder)
        tag = wanted.rsplit(":", 1)[1]
        manifests = index.get("manifests")
        if isinstance(manifests, list):
            picked = [
                m
                for m in manifests
                if isinstance(m, dict)
                and isinstance(m.get("annotations"), dict)
                and normalize_repo_tag(str(m["annotations"].get(_CONTAINERD_NAME, ""))) == wanted
            ]
            if not picked:
                picked = [m for m in manifests if _ref_matches(m, wanted)]
            if not picked:
                names = sorted(
                    str(m["annotations"].get(_CONTAINERD_NAME) or m["annotations"].get(REF_NAME))
                    for m in manifests
                    if isinstance(m, dict) and isinstance(m.get("annotations"), dict)
                )
                raise ImageFormatError(
                    f"no image named {remainder!r} (names: {', '.join(names) or 'none'})",
                    where=where,
                )
            index = {**index, "manifests": picked[:1]}
        desc, _ = select_in_index(index, tag=None, digest=None, where=where)
    else:
        desc, tag = select_in_index(index, tag=None, digest=None, where=where)
    src = Located(reference, "docker-archive", archive, archive.locate, tag=tag)
    return resolve(src, desc, platform)


def _ref_matches(entry: Any, wanted: str) -> bool:
    """Without a containerd name, ref.name may hold `name:tag` (or just the tag: then any name)."""
    annotations = entry.get("annotations") if isinstance(entry, dict) else None
    if not isinstance(annotations, dict) or annotations.get(_CONTAINERD_NAME):
        return False
    ref = str(annotations.get(REF_NAME, ""))
    return normalize_repo_tag(ref) == wanted if ":" in ref else ref == wanted.rsplit(":", 1)[1]


def _pick_legacy(
    entries: list[Any], remainder: str | None, where: str
) -> tuple[Mapping[str, Any], str | None]:
    if remainder is not None and remainder.startswith("@"):
        try:
            entry = entries[int(remainder[1:])]
        except (ValueError, IndexError):
            raise ImageFormatError(f"no image {remainder} in manifest.json", where=where) from None
        return entry, None
    all_tags = [t for e in entries for t in (e.get("RepoTags") or [])]
    if remainder is not None:
        wanted = normalize_repo_tag(remainder)
        for entry in entries:
            if wanted in {normalize_repo_tag(t) for t in entry.get("RepoTags") or []}:
                return entry, wanted.rsplit(":", 1)[1]
        raise ImageFormatError(
            f"no image named {remainder!r} (names: {', '.join(all_tags) or 'none'})", where=where
        )
    if len(entries) != 1:
        raise ImageFormatError(
            f"the archive holds {len(entries)} images: name one as FILE:name:tag or FILE:@N "
            f"(names: {', '.join(all_tags) or 'none'})",
            where=where,
        )
    tags = entries[0].get("RepoTags") or []
    return entries[0], (normalize_repo_tag(tags[0]).rsplit(":", 1)[1] if len(tags) == 1 else None)


def _open_legacy(
    reference: str, archive: TarArchive, remainder: str | None, platform: Platform | None
) -> Image:
    where = f"{archive.path}:manifest.json"
    if not archive.has("manifest.json"):
        raise ImageFormatError(
            "not a docker archive: no manifest.json or index.json", where=str(archive.path)
        )
    try:
        entries = safeload.load_json(
            archive.read_member("manifest.json"), where=where, what="manifest.json"
        )
    except safeload.DocumentError as exc:
        raise ImageFormatError(exc.message, where=where) from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ImageFormatError("manifest.json is not a list of objects", where=where)
    entry, tag = _pick_legacy(entries, remainder, where)
    config_name, layer_names = entry.get("Config"), entry.get("Layers")
    if not isinstance(config_name, str) or not isinstance(layer_names, list):
        raise ImageFormatError("manifest.json entry lacks Config or Layers", where=where)
    store = _LegacyStore(archive)

    config_digest = _member_digest(archive, config_name)
    config_desc = Descriptor(DOCKER_CONFIG, config_digest, _size(archive, config_name))
    store.add(config_digest, config_name)
    config_where = store.locate(config_digest)
    config = parse_config(
        read_blob(store, config_desc, store.locate, what="image config"), where=config_where
    )
    if len(config.diff_ids) != len(layer_names):
        raise ImageFormatError(
            f"config lists {len(config.diff_ids)} diff_ids but manifest.json has "
            f"{len(layer_names)} layers",
            where=config_where,
        )
    layers = []
    for i, (name, diff_id) in enumerate(zip(layer_names, config.diff_ids, strict=True)):
        check_digest(diff_id, where=config_where)
        if not isinstance(name, str) or not archive.has(name.removeprefix("./")):
            raise ImageFormatError(f"layer member {name!r} is missing", where=str(archive.path))
        name = name.removeprefix("./")
        compression = sniff(archive.peek(name, 4))
        if compression is Compression.NONE:
            digest, media_type = diff_id, DOCKER_LAYER
        else:
            digest = _member_digest(archive, name, trust_name=False)
            media_type = DOCKER_LAYER_GZIP if compression is Compression.GZIP else OCI_LAYER_ZSTD
        store.add(digest, name)
        desc = Descriptor(media_type, digest, _size(archive, name))
        layers.append(Layer(index=i, descriptor=desc, diff_id=diff_id, compression=compression))

    manifest = {
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST,
        "config": {"mediaType": DOCKER_CONFIG, "size": config_desc.size, "digest": config_digest},
        "layers": [
            {
                "mediaType": layer.descriptor.media_type,
                "size": layer.descriptor.size,
                "digest": layer.descriptor.digest,
            }
            for layer in layers
        ],
    }
    image_platform = Platform(config.os or "linux", config.architecture or "amd64", config.variant)
    if platform is not None and not platform_matches(image_platform, platform):
        raise ImageFormatError(
            f"image is {image_platform}, not the requested {platform}", where=config_where
        )
    return Image(
        reference=reference,
        transport="docker-archive",
        manifest=json.dumps(manifest, separators=(",", ":")).encode(),
        manifest_media_type=DOCKER_MANIFEST,
        manifest_digest=None,
        config_descriptor=config_desc,
        config=config,
        layers=tuple(layers),
        platform=image_platform,
        tag=tag,
        store=store,
    )


def _size(archive: TarArchive, name: str) -> int:
    if not archive.has(name):
        raise ImageFormatError(f"member {name} is missing", where=str(archive.path))
    return archive.member_size(name)


def _member_digest(archive: TarArchive, name: str, *, trust_name: bool = True) -> str:
    """The digest a member is named after (`<hex>.json`, `blobs/sha256/<hex>`), verified later
    when read; else computed by hashing the member once."""
    name = name.removeprefix("./")
    base = name.rsplit("/", 1)[-1].removesuffix(".json")
    if trust_name and _HEX64.match(base):
        return f"sha256:{base}"
    if name.startswith("blobs/sha256/") and _HEX64.match(base):
        return f"sha256:{base}"
    _size(archive, name)
    hasher = hashlib.sha256()
    with archive.open_member(name) as stream:
        while chunk := stream.read(1 << 20):
            hasher.update(chunk)
    log.debug("%s:%s: hashed (not named by digest)", archive.path, name)
    return f"sha256:{hasher.hexdigest()}"
