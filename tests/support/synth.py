"""Synthetic container images for edge-case tests, built in memory without any external tool.

Independent of caulk (so tests of caulk's reader and writer are not circular). Everything is
deterministic: mtime 0, uid/gid 0 unless asked, members in the order given.

    layer = synth.tar([synth.file("/bin/sh", b"#!", mode=0o755), synth.whiteout("/etc/x")])
    path = synth.oci_layout(tmp_path / "img", [layer], tag="latest", compression="gzip")
    # open_image(f"oci:{path}:latest")

Entry specs (paths are written relative, "/bin/sh" -> "bin/sh", like docker does; use `raw` for
anything hostile): `file`, `dir`, `symlink`, `hardlink`, `device`, `fifo`, `whiteout`, `opaque`,
`raw` (any name as str or bytes, any type, a lying `size`, optional `data` written regardless).

Images: `image(layers, ...) -> SynthImage` builds blobs + manifest + config, with optional faults
(`Faults`); writers `write_oci`, `write_oci_archive`, `write_docker_archive` lay them out; the
shortcuts `oci_layout`, `oci_archive`, `docker_archive` do both in one call.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import zstandard

__all__ = [
    "MT_CONFIG",
    "MT_DOCKER_CONFIG",
    "MT_DOCKER_LAYER_GZIP",
    "MT_DOCKER_MANIFEST",
    "MT_DOCKER_MANIFEST_LIST",
    "MT_INDEX",
    "MT_LAYER",
    "MT_LAYER_GZIP",
    "MT_LAYER_ZSTD",
    "MT_MANIFEST",
    "Compression",
    "Entry",
    "Faults",
    "SynthImage",
    "compress",
    "device",
    "dir",
    "docker_archive",
    "fifo",
    "file",
    "gzip_bomb",
    "hardlink",
    "image",
    "oci_archive",
    "oci_layout",
    "opaque",
    "raw",
    "sha256",
    "symlink",
    "tar",
    "whiteout",
    "write_docker_archive",
    "write_oci",
    "write_oci_archive",
]

Compression = Literal["none", "gzip", "zstd"]

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar"
MT_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
MT_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
MT_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MT_DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MT_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
MT_DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
MT_DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"

_OCI_LAYER_MT = {"none": MT_LAYER, "gzip": MT_LAYER_GZIP, "zstd": MT_LAYER_ZSTD}
_DOCKER_LAYER_MT = {"none": MT_DOCKER_LAYER, "gzip": MT_DOCKER_LAYER_GZIP, "zstd": MT_LAYER_ZSTD}


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


# --------------------------------------------------------------------------------------- entries


@dataclass(frozen=True, slots=True)
class Entry:
    """One tar member. `name` is stored exactly (str or raw bytes); `size` overrides the header's
    size field (a lie when it differs from len(data)); `data` is written after the header."""

    name: str | bytes
    type: bytes = tarfile.REGTYPE
    data: bytes = b""
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    linkname: str = ""
    devmajor: int = 0
    devminor: int = 0
    size: int | None = None
    mtime: int = 0
    uname: str = ""
    gname: str = ""


def _rel(path: str) -> str:
    return path.lstrip("/") or "."


def file(
    path: str, data: bytes = b"", *, mode: int = 0o644, uid: int = 0, gid: int = 0, mtime: int = 0
) -> Entry:
    return Entry(_rel(path), tarfile.REGTYPE, data, mode, uid, gid, mtime=mtime)


def dir(path: str, *, mode: int = 0o755, uid: int = 0, gid: int = 0) -> Entry:
    return Entry(_rel(path) + "/", tarfile.DIRTYPE, b"", mode, uid, gid)


def symlink(path: str, target: str, *, uid: int = 0, gid: int = 0) -> Entry:
    return Entry(_rel(path), tarfile.SYMTYPE, b"", 0o777, uid, gid, linkname=target)


def hardlink(path: str, target: str) -> Entry:
    """`target` is a path in the image ("/bin/busybox"); stored relative like docker does."""
    return Entry(_rel(path), tarfile.LNKTYPE, b"", 0o644, linkname=_rel(target))


def device(
    path: str, kind: Literal["char", "block"] = "char", major: int = 1, minor: int = 3
) -> Entry:
    kind_type = tarfile.CHRTYPE if kind == "char" else tarfile.BLKTYPE
    return Entry(_rel(path), kind_type, b"", 0o666, devmajor=major, devminor=minor)


def fifo(path: str) -> Entry:
    return Entry(_rel(path), tarfile.FIFOTYPE, b"", 0o644)


def whiteout(path: str) -> Entry:
    """Deletes `path` from lower layers: an empty file `dirname/.wh.basename`."""
    head, _, base = _rel(path).rpartition("/")
    return Entry(f"{head}/.wh.{base}" if head else f".wh.{base}", tarfile.REGTYPE)


def opaque(dirpath: str) -> Entry:
    """Hides every lower-layer child of `dirpath`: `dirpath/.wh..wh..opq`."""
    rel = _rel(dirpath)
    return Entry(".wh..wh..opq" if rel == "." else f"{rel}/.wh..wh..opq", tarfile.REGTYPE)


def raw(
    name: str | bytes,
    data: bytes = b"",
    *,
    type: bytes = tarfile.REGTYPE,
    size: int | None = None,
    linkname: str = "",
    mode: int = 0o644,
) -> Entry:
    """A member stored exactly as given: `../x`, `/etc/passwd`, b"caf\\xe9", a lying `size`…"""
    return Entry(name, type, data, mode, linkname=linkname, size=size)


# ------------------------------------------------------------------------------------------ tars


def tar(
    entries: Iterable[Entry],
    *,
    trailer: bool = True,
    format: int = tarfile.PAX_FORMAT,
) -> bytes:
    """The bytes of an uncompressed tar. `trailer=False` omits the two zero end-of-archive blocks
    (what Debian's `umoci insert` writes). Non-UTF-8 names (bytes) are kept exact."""
    out = io.BytesIO()
    for entry in entries:
        name = entry.name
        if isinstance(name, bytes):
            name = name.decode("utf-8", "surrogateescape")
        info = tarfile.TarInfo(name)
        info.type = entry.type
        info.mode = entry.mode
        info.uid, info.gid = entry.uid, entry.gid
        info.uname, info.gname = entry.uname, entry.gname
        info.mtime = entry.mtime
        info.linkname = entry.linkname
        info.devmajor, info.devminor = entry.devmajor, entry.devminor
        info.size = len(entry.data) if entry.size is None else entry.size
        if entry.type not in (tarfile.REGTYPE, tarfile.AREGTYPE) and entry.size is None:
            info.size = 0
        out.write(info.tobuf(format, "utf-8", "surrogateescape"))
        out.write(entry.data)
        out.write(b"\0" * (-len(entry.data) % tarfile.BLOCKSIZE))
    if trailer:
        out.write(b"\0" * (2 * tarfile.BLOCKSIZE))
        out.write(b"\0" * (-out.tell() % tarfile.RECORDSIZE))
    return out.getvalue()


def compress(data: bytes, compression: Compression) -> bytes:
    if compression == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    if compression == "zstd":
        return zstandard.ZstdCompressor(level=3).compress(data)
    return data


def gzip_bomb(uncompressed_size: int, *, name: str = "bomb") -> bytes:
    """A gzip'd tar holding one file of `uncompressed_size` zero bytes, compressed in chunks so
    memory stays small (ratio ~1000:1). Returns the *compressed* bytes."""
    info = tarfile.TarInfo(name)
    info.size = uncompressed_size
    header = info.tobuf(tarfile.PAX_FORMAT)
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(header)
        chunk = b"\0" * (1 << 20)
        left = uncompressed_size
        while left > 0:
            gz.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)
        gz.write(b"\0" * (-uncompressed_size % tarfile.BLOCKSIZE + 2 * tarfile.BLOCKSIZE))
    return out.getvalue()


# ---------------------------------------------------------------------------------------- images


@dataclass(frozen=True, slots=True)
class Faults:
    """Deliberate defects. Layer faults take layer indexes (0 = base)."""

    wrong_layer_digest: frozenset[int] = frozenset()  # descriptor digest != content
    layer_size_delta: Mapping[int, int] = field(default_factory=dict)  # descriptor size += delta
    wrong_diff_id: frozenset[int] = frozenset()  # config rootfs.diff_ids[i] wrong
    missing_layer_blob: frozenset[int] = frozenset()  # blob not written
    missing_config_blob: bool = False
    wrong_config_digest: bool = False
    config_size_delta: int = 0
    layer_media_type: Mapping[int, str] = field(default_factory=dict)  # override media type
    extra_diff_ids: int = 0  # append bogus diff_ids (count mismatch)
    truncate_layer: Mapping[int, int] = field(default_factory=dict)  # keep only N bytes, digest ok


@dataclass(frozen=True, slots=True)
class SynthImage:
    """Blobs keyed by the digest under which they are stored, plus the manifest as written."""

    manifest: bytes
    manifest_digest: str
    config: bytes
    config_digest: str
    blobs: Mapping[str, bytes]
    layer_digests: tuple[str, ...]  # as listed in the manifest
    diff_ids: tuple[str, ...]  # true digests of the uncompressed tars
    uncompressed: tuple[bytes, ...]  # the layer tars as given
    platform: tuple[str, str, str | None]
    compressions: tuple[Compression, ...]

    @property
    def manifest_descriptor(self) -> dict[str, Any]:
        mt = json.loads(self.manifest).get("mediaType", MT_MANIFEST)
        desc: dict[str, Any] = {
            "mediaType": mt,
            "digest": self.manifest_digest,
            "size": len(self.manifest),
        }
        os_, arch, variant = self.platform
        desc["platform"] = {"architecture": arch, "os": os_}
        if variant:
            desc["platform"]["variant"] = variant
        return desc


def _default_config(os_: str, arch: str, variant: str | None) -> dict[str, Any]:
    config: dict[str, Any] = {
        "architecture": arch,
        "os": os_,
        "created": "1970-01-01T00:00:00Z",
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": ["/bin/sh"],
        },
    }
    if variant:
        config["variant"] = variant
    return config


def _wrong(digest_of: bytes) -> str:
    return sha256(b"not-this:" + digest_of)


def image(
    layers: Sequence[bytes],
    *,
    config: Mapping[str, Any] | None = None,
    compression: Compression | Sequence[Compression] = "gzip",
    platform: str = "linux/amd64",
    docker_media_types: bool = False,
    faults: Faults = Faults(),
) -> SynthImage:
    """Build one image from uncompressed layer tars. `config` fields are merged over a default
    config (architecture/os from `platform`); `rootfs` and `history` are filled in unless given."""
    parts = platform.split("/")
    os_, arch = parts[0], parts[1]
    variant = parts[2] if len(parts) > 2 else None
    comps: tuple[Compression, ...] = (
        (compression,) * len(layers) if isinstance(compression, str) else tuple(compression)
    )
    assert len(comps) == len(layers), "one compression per layer"

    blobs: dict[str, bytes] = {}
    layer_descs: list[dict[str, Any]] = []
    diff_ids: list[str] = []
    for i, (layer_tar, comp) in enumerate(zip(layers, comps, strict=True)):
        diff_ids.append(sha256(layer_tar))
        blob = compress(layer_tar, comp)
        digest, size = sha256(blob), len(blob)
        if i in faults.truncate_layer:
            blob = blob[: faults.truncate_layer[i]]
            digest, size = sha256(blob), len(blob)
        if i in faults.wrong_layer_digest:
            digest = _wrong(blob)
        size += faults.layer_size_delta.get(i, 0)
        mt_table = _DOCKER_LAYER_MT if docker_media_types else _OCI_LAYER_MT
        media_type = faults.layer_media_type.get(i, mt_table[comp])
        layer_descs.append({"mediaType": media_type, "digest": digest, "size": size})
        if i not in faults.missing_layer_blob:
            blobs[digest] = blob

    cfg: dict[str, Any] = _default_config(os_, arch, variant)
    cfg.update(config or {})
    config_diff_ids = [
        _wrong(d.encode()) if i in faults.wrong_diff_id else d for i, d in enumerate(diff_ids)
    ]
    config_diff_ids += [_wrong(str(n).encode()) for n in range(faults.extra_diff_ids)]
    cfg.setdefault("rootfs", {"type": "layers", "diff_ids": config_diff_ids})
    cfg.setdefault(
        "history",
        [
            {"created": "1970-01-01T00:00:00Z", "created_by": f"synth layer {i}"}
            for i in range(len(layers))
        ],
    )
    config_bytes = _json(cfg)
    config_digest = sha256(config_bytes)
    config_desc_digest = _wrong(config_bytes) if faults.wrong_config_digest else config_digest
    if not faults.missing_config_blob:
        blobs[config_desc_digest] = config_bytes

    manifest = {
        "schemaVersion": 2,
        "mediaType": MT_DOCKER_MANIFEST if docker_media_types else MT_MANIFEST,
        "config": {
            "mediaType": MT_DOCKER_CONFIG if docker_media_types else MT_CONFIG,
            "digest": config_desc_digest,
            "size": len(config_bytes) + faults.config_size_delta,
        },
        "layers": layer_descs,
    }
    manifest_bytes = _json(manifest)
    manifest_digest = sha256(manifest_bytes)
    blobs[manifest_digest] = manifest_bytes
    return SynthImage(
        manifest=manifest_bytes,
        manifest_digest=manifest_digest,
        config=config_bytes,
        config_digest=config_digest,
        blobs=blobs,
        layer_digests=tuple(d["digest"] for d in layer_descs),
        diff_ids=tuple(diff_ids),
        uncompressed=tuple(layers),
        platform=(os_, arch, variant),
        compressions=comps,
    )


# --------------------------------------------------------------------------------------- writers


def _write_blob(root: Path, digest: str, data: bytes) -> None:
    algo, _, hexd = digest.partition(":")
    path = root / "blobs" / algo / hexd
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_oci(
    root: Path,
    images: SynthImage | Sequence[SynthImage],
    *,
    tag: str | None = "latest",
    index: bool | None = None,
    nested: bool = False,
    extra_tags: Mapping[str, SynthImage] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> Path:
    """Write an OCI image layout at `root`. One image: index.json lists its manifest (tagged
    `tag`). Several images (or `index=True`): an image index blob listing them by platform,
    referenced from index.json (`nested=True` adds one more index level)."""
    items = [images] if isinstance(images, SynthImage) else list(images)
    root.mkdir(parents=True, exist_ok=True)
    (root / "oci-layout").write_bytes(_json({"imageLayoutVersion": "1.0.0"}))
    for img in items:
        for digest, data in img.blobs.items():
            _write_blob(root, digest, data)
    ref = {"org.opencontainers.image.ref.name": tag} if tag else None
    if len(items) == 1 and not index:
        top = dict(items[0].manifest_descriptor)
        top.pop("platform")
    else:
        idx_bytes = _json(
            {
                "schemaVersion": 2,
                "mediaType": MT_INDEX,
                "manifests": [img.manifest_descriptor for img in items],
            }
        )
        _write_blob(root, sha256(idx_bytes), idx_bytes)
        top = {"mediaType": MT_INDEX, "digest": sha256(idx_bytes), "size": len(idx_bytes)}
        if nested:
            outer = _json({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [top]})
            _write_blob(root, sha256(outer), outer)
            top = {"mediaType": MT_INDEX, "digest": sha256(outer), "size": len(outer)}
    if ref or annotations:
        top["annotations"] = {**(annotations or {}), **(ref or {})}
    manifests = [top]
    for extra_tag, img in (extra_tags or {}).items():
        for digest, data in img.blobs.items():
            _write_blob(root, digest, data)
        desc = dict(img.manifest_descriptor)
        desc.pop("platform")
        desc["annotations"] = {"org.opencontainers.image.ref.name": extra_tag}
        manifests.append(desc)
    (root / "index.json").write_bytes(
        _json({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": manifests})
    )
    return root


def _tar_tree(files: Mapping[str, bytes]) -> bytes:
    """A plain tar of the given files (and their parent dirs), sorted, deterministic."""
    dirs = sorted({"/".join(p.split("/")[:i]) for p in files for i in range(1, p.count("/") + 1)})
    entries = [Entry(d + "/", tarfile.DIRTYPE, mode=0o755) for d in dirs]
    entries += [Entry(p, data=files[p]) for p in sorted(files)]
    return tar(entries)


def _tree_of(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def write_oci_archive(path: Path, images: SynthImage | Sequence[SynthImage], **kw: Any) -> Path:
    """An OCI layout in a tar (what `skopeo copy … oci-archive:` writes)."""
    files = _oci_files(images, **kw)
    path.write_bytes(_tar_tree(files))
    return path


def _oci_files(images: SynthImage | Sequence[SynthImage], **kw: Any) -> dict[str, bytes]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return _tree_of(write_oci(Path(tmp), images, **kw))


def write_docker_archive(
    path: Path,
    img: SynthImage,
    *,
    repo_tags: Sequence[str] = ("synth:latest",),
    layout: Literal["legacy", "oci"] = "legacy",
    gzip_archive: bool = False,
) -> Path:
    """A `docker save` archive. `legacy`: manifest.json + repositories + `<id>/layer.tar` (layers
    stored as in `img`: build the image with compression="none" for a faithful docker save).
    `oci`: what docker >= 25 writes, an OCI layout plus manifest.json pointing into blobs/."""
    files: dict[str, bytes] = {}
    if layout == "oci":
        # docker >= 25: ref.name is the bare tag, the full name is in a containerd annotation
        first = repo_tags[0] if repo_tags else None
        files.update(
            _oci_files(
                img,
                tag=first.rpartition(":")[2] if first else None,
                annotations={"io.containerd.image.name": f"docker.io/library/{first}"}
                if first
                else None,
            )
        )
        config_name = "blobs/sha256/" + img.config_digest.partition(":")[2]
        layer_names = ["blobs/sha256/" + d.partition(":")[2] for d in img.layer_digests]
    else:
        manifest = json.loads(img.manifest)
        config_name = manifest["config"]["digest"].partition(":")[2] + ".json"
        if manifest["config"]["digest"] in img.blobs:
            files[config_name] = img.blobs[manifest["config"]["digest"]]
        layer_names = []
        parent = ""
        for digest, diff_id in zip(img.layer_digests, img.diff_ids, strict=True):
            layer_id = hashlib.sha256((parent + "\n" + diff_id).encode()).hexdigest()
            layer_names.append(f"{layer_id}/layer.tar")
            if digest in img.blobs:
                files[f"{layer_id}/layer.tar"] = img.blobs[digest]
            files[f"{layer_id}/VERSION"] = b"1.0"
            files[f"{layer_id}/json"] = _json({"id": layer_id, "parent": parent or None})
            parent = layer_id
        repos: dict[str, dict[str, str]] = {}
        for rt in repo_tags:
            name, _, t = rt.rpartition(":")
            repos.setdefault(name, {})[t] = parent
        files["repositories"] = _json(repos)
    files["manifest.json"] = _json(
        [{"Config": config_name, "RepoTags": list(repo_tags), "Layers": layer_names}]
    )
    data = _tar_tree(files)
    path.write_bytes(gzip.compress(data, mtime=0) if gzip_archive else data)
    return path


# ------------------------------------------------------------------------------------- shortcuts


def oci_layout(
    root: Path,
    layers: Sequence[bytes],
    *,
    tag: str | None = "latest",
    config: Mapping[str, Any] | None = None,
    compression: Compression | Sequence[Compression] = "gzip",
    **kw: Any,
) -> Path:
    return write_oci(root, image(layers, config=config, compression=compression, **kw), tag=tag)


def oci_archive(
    path: Path,
    layers: Sequence[bytes],
    *,
    tag: str | None = "latest",
    config: Mapping[str, Any] | None = None,
    compression: Compression | Sequence[Compression] = "gzip",
    **kw: Any,
) -> Path:
    img = image(layers, config=config, compression=compression, **kw)
    return write_oci_archive(path, img, tag=tag)


def docker_archive(
    path: Path,
    layers: Sequence[bytes],
    *,
    repo_tags: Sequence[str] = ("synth:latest",),
    config: Mapping[str, Any] | None = None,
    compression: Compression | Sequence[Compression] = "none",
    layout: Literal["legacy", "oci"] = "legacy",
    **kw: Any,
) -> Path:
    img = image(
        layers,
        config=config,
        compression=compression,
        docker_media_types=layout == "legacy",
        **kw,
    )
    return write_docker_archive(path, img, repo_tags=repo_tags, layout=layout)
