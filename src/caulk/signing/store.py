"""Where `.sig`/`.att` artifacts live: the image's registry repository, or its OCI layout.

Both stores read manifests by tag and blobs by digest, and write blobs before the manifest that
tags them (a failed write never leaves a tag pointing at missing content). Blobs are returned as
stored; the verifier checks their digests itself so that a tampered layer is reported as a
rejected signature, not as a crash.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Protocol

from caulk.errors import ImageFormatError, InputError, OperationalError
from caulk.mediatypes import DOCKER_MANIFEST, OCI_MANIFEST, REF_NAME
from caulk.registry.client import RegistryClient
from caulk.registry.reference import Reference
from caulk.safeload import load_json
from caulk.sink.files import atomic_file
from caulk.source.verify import check_digest

__all__ = ["ArtifactStore", "LayoutArtifacts", "RegistryArtifacts", "sha256_digest"]

log = logging.getLogger(__name__)


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class ArtifactStore(Protocol):
    where: str  # names the repository or layout in messages

    def get_manifest(self, tag: str) -> bytes | None:
        """The manifest tagged `tag`, or None when there is no such tag."""
        ...

    def get_blob(self, digest: str, limit: int) -> bytes:
        """The blob's bytes as stored (at most `limit + 1` of them); InputError if missing."""
        ...

    def put_blob(self, data: bytes) -> str: ...

    def put_manifest(self, tag: str, body: bytes) -> str:
        """Store an OCI manifest under `tag` (replacing what the tag named); returns its digest."""
        ...


class RegistryArtifacts:
    def __init__(self, client: RegistryClient, ref: Reference) -> None:
        self.client = client
        self.ref = ref
        self.where = f"{ref.registry}/{ref.repository}"

    def _tagged(self, tag: str) -> Reference:
        return Reference(self.ref.registry, self.ref.repository, tag)

    def get_manifest(self, tag: str) -> bytes | None:
        ref = self._tagged(tag)
        if self.client.head_manifest(ref) is None:
            return None
        return self.client.get_manifest(ref, accept=(OCI_MANIFEST, DOCKER_MANIFEST)).body

    def get_blob(self, digest: str, limit: int) -> bytes:
        check_digest(digest, where=self.where)
        if not self.client.blob_exists(self.ref.registry, self.ref.repository, digest):
            raise InputError(f"blob {digest} is missing", where=self.where)
        with self.client.open_blob(self.ref.registry, self.ref.repository, digest) as stream:
            return stream.read(limit + 1)

    def put_blob(self, data: bytes) -> str:
        import io

        digest = sha256_digest(data)
        self.client.push_blob(
            self.ref.registry, self.ref.repository, digest, len(data), lambda: io.BytesIO(data)
        )
        return digest

    def put_manifest(self, tag: str, body: bytes) -> str:
        return self.client.put_manifest(self._tagged(tag), body, OCI_MANIFEST)


class LayoutArtifacts:
    """An OCI image layout directory: blobs under `blobs/sha256/`, tags as `ref.name` annotations
    of index.json entries (index.json is replaced atomically)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.where = str(root)

    def read_index(self) -> dict[str, Any]:
        path = self.root / "index.json"
        try:
            doc = load_json(path.read_bytes(), where=str(path))
        except FileNotFoundError:
            raise ImageFormatError("index.json is missing", where=str(path)) from None
        except (OSError, ValueError):
            raise ImageFormatError("index.json is unreadable", where=str(path)) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("manifests"), list):
            raise ImageFormatError("index.json has no manifests list", where=str(path))
        return doc

    def _blob_path(self, digest: str) -> Path:
        algo, _, hexd = check_digest(digest, where=self.where).partition(":")
        return self.root / "blobs" / algo / hexd

    def get_manifest(self, tag: str) -> bytes | None:
        for entry in self.read_index()["manifests"]:
            if isinstance(entry, dict) and (entry.get("annotations") or {}).get(REF_NAME) == tag:
                return self.get_blob(str(entry.get("digest")), 4 * 1024 * 1024)
        return None

    def get_blob(self, digest: str, limit: int) -> bytes:
        path = self._blob_path(digest)
        try:
            with path.open("rb") as handle:
                return handle.read(limit + 1)
        except FileNotFoundError:
            raise InputError(f"blob {digest} is missing from the layout", where=str(path)) from None
        except OSError as exc:
            raise OperationalError(f"cannot read: {exc.strerror}", where=str(path)) from None

    def put_blob(self, data: bytes) -> str:
        digest = sha256_digest(data)
        path = self._blob_path(digest)
        if not (path.is_file() and path.stat().st_size == len(data)):
            with atomic_file(path) as out:
                out.write(data)
        return digest

    def put_manifest(self, tag: str, body: bytes) -> str:
        digest = self.put_blob(body)
        index = self.read_index()
        entries = [
            e
            for e in index["manifests"]
            if not (isinstance(e, dict) and (e.get("annotations") or {}).get(REF_NAME) == tag)
        ]
        entries.append(
            {
                "mediaType": OCI_MANIFEST,
                "digest": digest,
                "size": len(body),
                "annotations": {REF_NAME: tag},
            }
        )
        index["manifests"] = entries
        data = json.dumps(index, separators=(",", ":")).encode()
        with atomic_file(self.root / "index.json") as out:
            out.write(data)
        log.info("tagged %s as %s in %s", digest, tag, self.root)
        return digest
