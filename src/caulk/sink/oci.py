"""Write `oci:DIR[:tag]` (create a layout or add to an existing one) and `oci-archive:FILE[:tag]`.

Blobs are copied through `VerifyingReader`s, so a draft whose blob does not match its descriptor
fails before anything is published. Directory layouts: blobs land under temporary names and are
renamed, index.json is replaced atomically last; on error the blobs this call added are removed
(a brand-new layout is built in a temporary directory and renamed into place)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
from pathlib import Path
from typing import Any, BinaryIO, cast

from caulk import safeload
from caulk.errors import ImageFormatError, OperationalError, UsageError
from caulk.localfiles import temp_path
from caulk.mediatypes import OCI_INDEX, OCI_MANIFEST, REF_NAME
from caulk.sink.draft import ImageDraft, WrittenImage, dump_json, manifest_for, oci_manifest
from caulk.sink.files import DeterministicTar, atomic_file, copy_stream
from caulk.source.interface import Descriptor
from caulk.source.verify import VerifyingReader

__all__ = ["write_oci_archive", "write_oci_dir"]

log = logging.getLogger(__name__)

_LAYOUT = dump_json({"imageLayoutVersion": "1.0.0"})


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _sha256(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def _blob_name(digest: str) -> str:
    algo, _, hexd = digest.partition(":")
    return f"blobs/{algo}/{hexd}"


def open_verified(blob_open: Any, desc: Descriptor, where: str) -> BinaryIO:
    return cast(BinaryIO, VerifyingReader(blob_open(), desc, where=where))


def _documents(draft: ImageDraft) -> tuple[str, bytes, str, bytes]:
    config_digest = _sha256(draft.config)
    media_type, manifest = manifest_for(draft, config_digest)
    if media_type != OCI_MANIFEST:  # an OCI layout holds OCI manifests
        manifest = oci_manifest(draft, config_digest)
    return config_digest, draft.config, _sha256(manifest), manifest


def _manifest_descriptor(digest: str, size: int, tag: str | None) -> dict[str, Any]:
    desc: dict[str, Any] = {"mediaType": OCI_MANIFEST, "digest": digest, "size": size}
    if tag:
        desc["annotations"] = {REF_NAME: tag}
    return desc


def _index(entries: list[dict[str, Any]]) -> bytes:
    return dump_json({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})


def write_oci_dir(draft: ImageDraft, root: Path, tag: str | None, destination: str) -> WrittenImage:
    config_digest, config, manifest_digest, manifest = _documents(draft)
    if root.exists() and not root.is_dir():
        raise UsageError("destination exists and is not a directory", where=str(root))
    fresh = not root.exists()
    if not fresh and any(root.iterdir()) and not (root / "index.json").is_file():
        raise UsageError(
            "destination directory is not empty and not an OCI layout", where=str(root)
        )
    stack = contextlib.ExitStack()  # a fresh layout is built in a caulk temp dir (swept if killed)
    target = root
    if fresh:
        root.parent.mkdir(parents=True, exist_ok=True)
        target = stack.enter_context(temp_path(root.parent, root.name, is_dir=True)).path
        target.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would hide the layout from other users
    entries = _existing_entries(target)
    added: list[Path] = []
    try:
        for i, blob in enumerate(draft.layers):
            path = target / _blob_name(blob.descriptor.digest)
            if _have(path, blob.descriptor.size):
                continue
            with (
                atomic_file(path) as out,
                open_verified(blob.open, blob.descriptor, f"{destination}: layer {i}") as src,
            ):
                copy_stream(src, out)
            added.append(path)
        for digest, data in ((config_digest, config), (manifest_digest, manifest)):
            path = target / _blob_name(digest)
            if not _have(path, len(data)):
                with atomic_file(path) as out:
                    out.write(data)
                added.append(path)
        if tag:
            entries = [e for e in entries if (e.get("annotations") or {}).get(REF_NAME) != tag]
        entries.append(_manifest_descriptor(manifest_digest, len(manifest), tag))
        if not (target / "oci-layout").exists():
            with atomic_file(target / "oci-layout") as out:
                out.write(_LAYOUT)
        with atomic_file(target / "index.json") as out:
            out.write(_index(entries))
        if fresh:
            target.rename(root)
    except BaseException:
        if fresh:
            shutil.rmtree(target, ignore_errors=True)
        else:
            for path in added:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        raise
    finally:
        stack.close()
    log.info("wrote %s (%s)", destination, manifest_digest)
    return WrittenImage(destination, manifest_digest, config_digest, manifest)


def _have(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except FileNotFoundError:
        return False


def _existing_entries(root: Path) -> list[dict[str, Any]]:
    """The manifests of a destination layout's index.json, checked before anything is written."""
    path = root / "index.json"
    if not path.exists():
        return []
    where = str(path)
    try:
        index = safeload.load_json(
            safeload.read_regular(path, what="existing index.json"),
            where=where,
            what="existing index.json",
        )
    except safeload.DocumentError as exc:
        raise ImageFormatError(exc.message, where=where) from None
    entries = index.get("manifests") if isinstance(index, dict) else None
    if not isinstance(entries, list):
        raise ImageFormatError("existing index.json has no manifests list", where=where)
    for n, entry in enumerate(entries):
        annotations = entry.get("annotations") if isinstance(entry, dict) else None
        if annotations is not None and not isinstance(annotations, dict):
            raise ImageFormatError(
                f"existing index.json: manifests[{n}].annotations is not an object", where=where
            )
    return [e for e in entries if isinstance(e, dict)]


def write_oci_archive(
    draft: ImageDraft, path: Path, tag: str | None, destination: str
) -> WrittenImage:
    config_digest, config, manifest_digest, manifest = _documents(draft)
    if path.is_dir():
        raise UsageError("destination is a directory", where=str(path))
    blobs: dict[str, tuple[int, Any]] = {}
    for i, blob in enumerate(draft.layers):
        blobs.setdefault(blob.descriptor.digest, (i, blob))
    small = {config_digest: config, manifest_digest: manifest}
    names = sorted({*blobs, *small}, key=_blob_name)
    algos = sorted({d.partition(":")[0] for d in names})
    index = _index([_manifest_descriptor(manifest_digest, len(manifest), tag)])
    try:
        with atomic_file(path) as out:
            tar = DeterministicTar(out)
            tar.add_dir("blobs")
            for algo in algos:
                tar.add_dir(f"blobs/{algo}")
                for digest in (d for d in names if d.startswith(f"{algo}:")):
                    if digest in small:
                        tar.add_bytes(_blob_name(digest), small[digest])
                        continue
                    i, blob = blobs[digest]
                    with open_verified(
                        blob.open, blob.descriptor, f"{destination}: layer {i}"
                    ) as s:
                        tar.add_stream(_blob_name(digest), s)
            tar.add_bytes("index.json", index)
            tar.add_bytes("oci-layout", _LAYOUT)
            tar.finish()
    except OSError as exc:
        raise OperationalError(f"cannot write: {exc.strerror}", where=str(path)) from None
    log.info("wrote %s (%s)", destination, manifest_digest)
    return WrittenImage(destination, manifest_digest, config_digest, manifest)
