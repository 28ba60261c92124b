"""From an index or manifest descriptor to an `Image`: shared by every transport that has OCI or
Docker v2 manifests (oci layouts, archives, and later the registry client).

Every document read here is verified against its descriptor (size and digest) before parsing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from caulk.errors import ImageFormatError
from caulk.mediatypes import INDEX_TYPES, MANIFEST_TYPES, REF_NAME, layer_compression
from caulk.source.config import MAX_JSON, load_json, parse_config
from caulk.source.interface import (
    DEFAULT_PLATFORM,
    BlobStore,
    Descriptor,
    Image,
    Layer,
    Platform,
)
from caulk.source.verify import VerifyingReader, check_digest

__all__ = [
    "Located",
    "parse_descriptor",
    "platform_matches",
    "read_blob",
    "resolve",
    "select_in_index",
]

log = logging.getLogger(__name__)

Locate = Callable[[str], str]  # digest -> "where" text naming the blob's file


def read_blob(store: BlobStore, desc: Descriptor, locate: Locate, *, what: str) -> bytes:
    """Read a small document blob (manifest, index, config), verified against `desc`."""
    where = locate(desc.digest)
    if desc.size > MAX_JSON:
        raise ImageFormatError(f"{what} declares {desc.size} bytes, too large", where=where)
    with VerifyingReader(store.open_raw(desc), desc, where=where) as reader:
        return reader.read()


def _platform(value: Any, where: str) -> Platform | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ImageFormatError("descriptor platform is not an object", where=where)
    os_, arch, variant = value.get("os"), value.get("architecture"), value.get("variant")
    if not isinstance(os_, str) or not isinstance(arch, str):
        raise ImageFormatError("descriptor platform lacks os/architecture", where=where)
    return Platform(os_, arch, variant if isinstance(variant, str) and variant else None)


def parse_descriptor(value: Any, *, where: str, media_type: str | None = None) -> Descriptor:
    if not isinstance(value, dict):
        raise ImageFormatError("descriptor is not an object", where=where)
    mt = value.get("mediaType", media_type)
    size = value.get("size")
    if not isinstance(mt, str):
        raise ImageFormatError("descriptor has no mediaType", where=where)
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ImageFormatError(f"descriptor has an invalid size {size!r}", where=where)
    digest = check_digest(value.get("digest", ""), where=where)
    annotations = value.get("annotations") or {}
    if not isinstance(annotations, dict):
        raise ImageFormatError("descriptor annotations are not an object", where=where)
    return Descriptor(
        media_type=mt,
        digest=digest,
        size=size,
        annotations=tuple(sorted((str(k), str(v)) for k, v in annotations.items())),
        platform=_platform(value.get("platform"), where),
    )


def _manifests(doc: Mapping[str, Any], where: str) -> list[Descriptor]:
    items = doc.get("manifests")
    if not isinstance(items, list):
        raise ImageFormatError("index has no manifests list", where=where)
    return [parse_descriptor(item, where=where) for item in items]


def _ref_name(desc: Descriptor) -> str | None:
    return dict(desc.annotations).get(REF_NAME)


def select_in_index(
    index: Mapping[str, Any], *, tag: str | None, digest: str | None, where: str
) -> tuple[Descriptor, str | None]:
    """Pick the entry of a top-level index (index.json) by tag, by digest, or the only one.
    Returns the descriptor and the tag it carries."""
    entries = _manifests(index, where)
    if digest is not None:
        for desc in entries:
            if desc.digest == digest:
                return desc, _ref_name(desc)
        raise ImageFormatError(f"no manifest with digest {digest} in the index", where=where)
    if tag is not None:
        for desc in entries:
            if _ref_name(desc) == tag:
                return desc, tag
        tags = sorted({t for d in entries if (t := _ref_name(d))})
        raise ImageFormatError(
            f"no image tagged {tag!r} (tags: {', '.join(tags) or 'none'})", where=where
        )
    if len(entries) == 1:
        return entries[0], _ref_name(entries[0])
    tags = sorted({t for d in entries if (t := _ref_name(d))})
    raise ImageFormatError(
        f"the index holds {len(entries)} images: name one by tag or @digest "
        f"(tags: {', '.join(tags) or 'none'})",
        where=where,
    )


_DEFAULT_VARIANTS = {"arm64": "v8"}


def platform_matches(have: Platform, want: Platform) -> bool:
    if (have.os, have.architecture) != (want.os, want.architecture):
        return False
    if want.variant is None:
        return True
    return (have.variant or _DEFAULT_VARIANTS.get(have.architecture)) == want.variant


@dataclass(frozen=True, slots=True)
class Located:
    """Where a resolution started: used for `Image` fields and error messages."""

    reference: str
    transport: str
    store: BlobStore
    locate: Locate
    tag: str | None = None


MAX_INDEX_DEPTH = 4
MAX_DESCRIPTORS = 10_000  # index entries looked at in one resolution, over all nested indexes


@dataclass
class _Walk:
    """One platform search over nested indexes: every index is read once (by digest), however
    many times it is listed, and the entries looked at are counted against MAX_DESCRIPTORS (five
    levels each listing the next one N times used to cost N**4 reads)."""

    src: Located
    want: Platform
    seen: set[str]
    visited: set[str]
    looked_at: int = 0


def _pick_platform(walk: _Walk, index_desc: Descriptor, depth: int = 0) -> Descriptor | None:
    src, want = walk.src, walk.want
    where = src.locate(index_desc.digest)
    if depth > MAX_INDEX_DEPTH:
        raise ImageFormatError("indexes nested too deeply", where=where)
    walk.visited.add(index_desc.digest)
    doc = load_json(
        read_blob(src.store, index_desc, src.locate, what="index"), what="index", where=where
    )
    entries = _manifests(doc, where)
    walk.looked_at += len(entries)
    if walk.looked_at > MAX_DESCRIPTORS:
        raise ImageFormatError(
            f"image indexes list more than {MAX_DESCRIPTORS} descriptors", where=where
        )
    candidates: list[Descriptor] = []
    for desc in entries:
        if desc.media_type in INDEX_TYPES:
            if desc.digest in walk.visited:  # searched already (and found nothing), or a cycle
                continue
            if desc.platform is None or platform_matches(desc.platform, want):
                found = _pick_platform(walk, desc, depth + 1)
                if found is not None:
                    return found
            continue
        if desc.platform is None:
            if len(entries) == 1:
                return desc  # a single manifest without platform: its config decides
            continue
        walk.seen.add(str(desc.platform))
        if platform_matches(desc.platform, want):
            candidates.append(desc)
    if not candidates:
        return None
    exact = [d for d in candidates if d.platform is not None and d.platform.variant == want.variant]
    return (exact or candidates)[0]


def resolve(src: Located, desc: Descriptor, platform: Platform | None) -> Image:
    """Resolve an index or manifest descriptor into an Image for `platform` (default linux/amd64
    for indexes; a single manifest is taken as it is unless a platform was asked for)."""
    index_digest = None
    if desc.media_type in INDEX_TYPES:
        index_digest = desc.digest
        want = platform or DEFAULT_PLATFORM
        walk = _Walk(src, want, seen=set(), visited=set())
        found = _pick_platform(walk, desc)
        if found is None:
            available = ", ".join(sorted(walk.seen)) or "none"
            raise ImageFormatError(
                f"platform {want} not in the image index (available: {available})",
                where=src.locate(desc.digest),
            )
        desc = found
    image = _load_manifest(src, desc, index_digest)
    if platform is not None and not platform_matches(image.platform, platform):
        raise ImageFormatError(
            f"image is {image.platform}, not the requested {platform}",
            where=src.locate(image.config_descriptor.digest),
        )
    return image


def _load_manifest(src: Located, desc: Descriptor, index_digest: str | None) -> Image:
    where = src.locate(desc.digest)
    raw = read_blob(src.store, desc, src.locate, what="manifest")
    doc = load_json(raw, what="manifest", where=where)
    if doc.get("schemaVersion") == 1:
        raise ImageFormatError("Docker schema 1 manifests are not supported", where=where)
    media_type = doc.get("mediaType") or desc.media_type
    if media_type in INDEX_TYPES:
        raise ImageFormatError("expected a manifest, found an index", where=where)
    if media_type not in MANIFEST_TYPES:
        raise ImageFormatError(f"unsupported manifest media type {media_type!r}", where=where)
    config_desc = parse_descriptor(doc.get("config"), where=where)
    raw_layers = doc.get("layers")
    if not isinstance(raw_layers, list):
        raise ImageFormatError("manifest has no layers list", where=where)
    layer_descs = [parse_descriptor(item, where=where) for item in raw_layers]
    compressions = [
        layer_compression(d.media_type, where=src.locate(d.digest)) for d in layer_descs
    ]

    config_where = src.locate(config_desc.digest)
    config = parse_config(
        read_blob(src.store, config_desc, src.locate, what="image config"), where=config_where
    )
    if len(config.diff_ids) != len(layer_descs):
        raise ImageFormatError(
            f"config lists {len(config.diff_ids)} diff_ids but the manifest has "
            f"{len(layer_descs)} layers",
            where=config_where,
        )
    for diff_id in config.diff_ids:
        check_digest(diff_id, where=config_where)
    layers = tuple(
        Layer(index=i, descriptor=d, diff_id=diff_id, compression=comp)
        for i, (d, diff_id, comp) in enumerate(
            zip(layer_descs, config.diff_ids, compressions, strict=True)
        )
    )
    fallback = desc.platform or DEFAULT_PLATFORM
    platform = Platform(
        config.os or fallback.os,
        config.architecture or fallback.architecture,
        config.variant or (fallback.variant if not config.architecture else None),
    )
    log.debug("%s: manifest %s, %d layers, %s", src.reference, desc.digest, len(layers), platform)
    return Image(
        reference=src.reference,
        transport=src.transport,
        manifest=raw,
        manifest_media_type=media_type,
        manifest_digest=desc.digest,
        config_descriptor=config_desc,
        config=config,
        layers=layers,
        platform=platform,
        tag=src.tag,
        index_digest=index_digest,
        store=src.store,
    )
