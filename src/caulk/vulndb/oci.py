"""The advisory database as an OCI artifact, for air-gapped fleets (as trivy-db is mirrored).

    push_database(db, "registry.internal/security/caulk-db:1")     # `caulk db push`
    pull_database("registry.internal/security/caulk-db:1", db,     # `caulk db update --from`
                  key=public_key)

The artifact is one OCI image manifest with `artifactType` `application/vnd.caulk.vulndb.v1`, the
empty config (`application/vnd.oci.empty.v1+json`) and one layer
`application/vnd.caulk.vulndb.sqlite.v1+gzip`: the SQLite database, gzip-compressed. Manifest
annotations carry the schema version, build time and the uncompressed file's sha256 and size.
Sign it with `caulk sign REF --key cosign.key` (cosign-compatible); a pull with a public key
verifies that signature first and then fetches exactly the digest it covers.

A pull is verified at every step (manifest digest, artifact type, layer digest and size, the
uncompressed sha256 and size, the database schema) and resumable (the layer is downloaded into
`<cache>/feeds/oci/<hex>.part` with Range requests). The database is replaced atomically, only
after all of that; any failure leaves it as it was.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import gzip
import hashlib
import io
import json
import logging
import os
import re
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric import ec

from caulk.errors import Error, ImageFormatError, UnsafeContentError, VerificationError
from caulk.mediatypes import OCI_MANIFEST
from caulk.registry.bodies import BlobStream
from caulk.registry.client import RegistryClient
from caulk.registry.options import DEFAULT_OPTIONS, RegistryOptions, new_client
from caulk.registry.reference import Reference, parse_reference
from caulk.safeload import load_json
from caulk.vulndb.store import SCHEMA_VERSION, open_store

__all__ = [
    "ARTIFACT_TYPE",
    "LAYER_MEDIA_TYPE",
    "PullResult",
    "PushResult",
    "pull_database",
    "push_database",
]

log = logging.getLogger(__name__)

ARTIFACT_TYPE = "application/vnd.caulk.vulndb.v1"
LAYER_MEDIA_TYPE = "application/vnd.caulk.vulndb.sqlite.v1+gzip"
EMPTY_MEDIA_TYPE = "application/vnd.oci.empty.v1+json"
EMPTY_CONFIG = b"{}"
ANNOTATION_SCHEMA = "dev.caulk.vulndb.schema"
ANNOTATION_BUILT = "dev.caulk.vulndb.built"
ANNOTATION_SHA256 = "dev.caulk.vulndb.sqlite.sha256"
ANNOTATION_SIZE = "dev.caulk.vulndb.sqlite.size"
MAX_DATABASE = 64 * 1024**3  # refuse an artifact announcing more than this (compressed or not)
_CHUNK = 8 * 1024 * 1024
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class PushResult:
    reference: str
    digest: str  # the artifact manifest's
    layer_size: int
    advisories: int


@dataclass(frozen=True, slots=True)
class PullResult:
    reference: str
    digest: str  # the artifact manifest's
    layer_size: int
    resumed_from: int
    advisories: int
    built_at: str
    signed: bool


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _ref(text: str) -> Reference:
    return parse_reference(text.removeprefix("registry:"))


# -- push -----------------------------------------------------------------------------------------
def _compress(db: Path, out: IO[bytes]) -> tuple[str, int]:
    """gzip `db` into `out` (mtime 0: the same file gives the same blob); return its sha256/size."""
    digest, size = hashlib.sha256(), 0
    with db.open("rb") as src, gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
        for chunk in iter(lambda: src.read(_CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
            gz.write(chunk)
    return digest.hexdigest(), size


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def push_database(
    db: Path,
    reference: str,
    *,
    client: RegistryClient | None = None,
    registry: RegistryOptions = DEFAULT_OPTIONS,
) -> PushResult:
    store = open_store(db)  # refuses a missing, corrupt or foreign file
    try:
        meta = store.meta()
        advisories = store.count()[0]
    finally:
        store.close()
    ref = _ref(reference)
    own = client is None
    registry_client = client or new_client(registry)
    try:
        with tempfile.TemporaryFile() as blob:
            raw_sha, raw_size = _compress(db, blob)
            size = blob.tell()
            blob.seek(0)
            digest = hashlib.sha256()
            for chunk in iter(lambda: blob.read(_CHUNK), b""):
                digest.update(chunk)
            layer_digest = "sha256:" + digest.hexdigest()

            def opener() -> BinaryIO:
                blob.seek(0)
                return _Unclosed(blob)  # type: ignore[return-value]

            registry_client.push_blob(
                ref.registry, ref.repository, layer_digest, size, opener, chunk_size=_CHUNK
            )
        config_digest = _sha256(EMPTY_CONFIG)
        registry_client.push_blob(
            ref.registry,
            ref.repository,
            config_digest,
            len(EMPTY_CONFIG),
            lambda: _Unclosed(io.BytesIO(EMPTY_CONFIG)),  # type: ignore[arg-type,return-value]
        )
        manifest = _manifest(layer_digest, size, raw_sha, raw_size, meta)
        manifest_digest = registry_client.put_manifest(ref, manifest, OCI_MANIFEST)
    finally:
        if own:
            registry_client.close()
    log.info("pushed %s as %s@%s", db, ref, manifest_digest)
    return PushResult(str(ref), manifest_digest, size, advisories)


def _manifest(layer: str, size: int, raw_sha: str, raw_size: int, meta: dict[str, str]) -> bytes:
    doc = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": ARTIFACT_TYPE,
        "config": {
            "mediaType": EMPTY_MEDIA_TYPE,
            "digest": _sha256(EMPTY_CONFIG),
            "size": len(EMPTY_CONFIG),
            "data": base64.b64encode(EMPTY_CONFIG).decode(),
        },
        "layers": [
            {
                "mediaType": LAYER_MEDIA_TYPE,
                "digest": layer,
                "size": size,
                "annotations": {"org.opencontainers.image.title": "vulndb.sqlite.gz"},
            }
        ],
        "annotations": {
            "org.opencontainers.image.created": datetime.now(UTC).isoformat(timespec="seconds"),
            ANNOTATION_SCHEMA: meta.get("schema_version", SCHEMA_VERSION),
            ANNOTATION_BUILT: meta.get("built_at", ""),
            ANNOTATION_SHA256: raw_sha,
            ANNOTATION_SIZE: str(raw_size),
        },
    }
    return json.dumps(doc, separators=(",", ":")).encode()


class _Unclosed:
    """A file the registry client may `with`/close without closing ours."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, n: int = -1) -> bytes:
        return bytes(self._inner.read(n))

    def __enter__(self) -> _Unclosed:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def close(self) -> None:
        pass


# -- pull -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Layer:
    digest: str
    size: int
    raw_sha256: str | None
    raw_size: int | None
    schema: str | None


def _parse_manifest(body: bytes, where: str) -> _Layer:
    doc = load_json(body, where=where, what="artifact manifest")
    if not isinstance(doc, dict):
        raise ImageFormatError("artifact manifest is not a JSON object", where=where)
    kind = doc.get("artifactType") or (doc.get("config") or {}).get("mediaType")
    if kind != ARTIFACT_TYPE:
        raise ImageFormatError(
            f"not a caulk advisory database (artifactType {kind!r}, expected {ARTIFACT_TYPE})",
            where=where,
        )
    layers = doc.get("layers")
    if not isinstance(layers, list) or len(layers) != 1 or not isinstance(layers[0], dict):
        raise ImageFormatError("expected exactly one database layer", where=where)
    layer = layers[0]
    digest, size = layer.get("digest"), layer.get("size")
    if layer.get("mediaType") != LAYER_MEDIA_TYPE:
        raise ImageFormatError(
            f"layer media type {layer.get('mediaType')!r}, expected {LAYER_MEDIA_TYPE}", where=where
        )
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise ImageFormatError(f"unsupported layer digest {digest!r}", where=where)
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_DATABASE:
        raise UnsafeContentError(f"layer size {size!r} out of range", where=where)
    found = doc.get("annotations")
    notes: dict[str, Any] = found if isinstance(found, dict) else {}
    raw_sha = notes.get(ANNOTATION_SHA256)
    raw_size = notes.get(ANNOTATION_SIZE)
    if raw_sha is not None and not re.fullmatch(r"[0-9a-f]{64}", str(raw_sha)):
        raise ImageFormatError(f"bad {ANNOTATION_SHA256} annotation {raw_sha!r}", where=where)
    if raw_size is not None and not (str(raw_size).isdigit() and int(raw_size) <= MAX_DATABASE):
        raise ImageFormatError(f"bad {ANNOTATION_SIZE} annotation {raw_size!r}", where=where)
    return _Layer(
        digest,
        size,
        str(raw_sha) if raw_sha else None,
        int(raw_size) if raw_size is not None else None,
        str(notes[ANNOTATION_SCHEMA]) if ANNOTATION_SCHEMA in notes else None,
    )


def _download(client: RegistryClient, ref: Reference, layer: _Layer, part: Path) -> int:
    """Fetch the layer into `part`, resuming what is there; verify size and digest. Returns the
    offset it resumed from."""
    part.parent.mkdir(parents=True, exist_ok=True)
    offset = part.stat().st_size if part.exists() else 0
    if offset >= layer.size:
        offset = 0 if offset > layer.size else offset
    if offset < layer.size:
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        response = client.request(
            "GET",
            ref.registry,
            f"/v2/{ref.repository}/blobs/{layer.digest}",
            scope=f"repository:{ref.repository}:pull",
            headers=headers,
            stream=True,
            ok=(200, 206),
        )
        if response.status_code == 200:
            offset = 0  # no range support: start over
        # BlobStream: the registry client's throughput floor for blob bodies (a dripping
        # registry is cut off), and it closes the response
        with BlobStream(response) as stream, part.open("ab" if offset else "wb") as out:
            written = offset
            while chunk := stream.read(_CHUNK):
                written += len(chunk)
                if written > layer.size:
                    break
                out.write(chunk)  # as received: an interruption keeps every byte
    size = part.stat().st_size
    where = f"{ref.registry}/{ref.repository}@{layer.digest}"
    if size != layer.size:
        if size > layer.size:
            part.unlink()
        raise VerificationError(f"got {size} bytes, expected {layer.size}", where=where)
    if _file_digest(part) != layer.digest:
        part.unlink()
        raise VerificationError("layer does not match its digest: download discarded", where=where)
    return offset


@contextlib.contextmanager
def _exclusive(part: Path) -> Iterator[None]:
    part.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{part}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _decompress(part: Path, out: Path, layer: _Layer, where: str) -> None:
    limit = layer.raw_size if layer.raw_size is not None else MAX_DATABASE
    digest, size = hashlib.sha256(), 0
    try:
        with gzip.open(part, "rb") as gz, out.open("wb") as dst:
            for chunk in iter(lambda: gz.read(_CHUNK), b""):
                size += len(chunk)
                if size > limit:
                    raise UnsafeContentError(
                        f"database expands beyond its announced {limit} bytes", where=where
                    )
                digest.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
    except (OSError, EOFError, zlib.error) as exc:
        raise VerificationError(f"database layer is not valid gzip: {exc}", where=where) from exc
    if layer.raw_size is not None and size != layer.raw_size:
        raise VerificationError(f"database is {size} bytes, expected {layer.raw_size}", where=where)
    if layer.raw_sha256 is not None and digest.hexdigest() != layer.raw_sha256:
        raise VerificationError("database does not match its announced sha256", where=where)


def pull_database(
    reference: str,
    db: Path,
    work: Path,
    *,
    key: ec.EllipticCurvePublicKey | None = None,
    registry: RegistryOptions = DEFAULT_OPTIONS,
) -> PullResult:
    """Verify (signature with `key`, then digests), download (resumable) and install the database
    artifact at `reference` as `db`. Raises `SignatureError` (exit 1) for a missing or wrong
    signature, `InputError`s (exit 2) for a tampered or foreign artifact, `RegistryError` (3)."""
    ref = _ref(reference)
    signed = False
    if key is not None:
        from caulk.signing.sign import verify_image

        # SignatureError unless one signature holds
        verified = verify_image(str(ref), key, registry=registry)
        ref = ref.with_digest(verified.digest)  # fetch exactly what was signed
        signed = True
    client = new_client(registry)
    try:
        manifest = client.get_manifest(ref, accept=(OCI_MANIFEST,))
        if ref.digest and manifest.digest != ref.digest:
            raise VerificationError(
                f"manifest {manifest.digest} is not the one asked for", where=str(ref)
            )
        layer = _parse_manifest(manifest.body, str(ref))
        if layer.schema is not None and layer.schema != SCHEMA_VERSION:
            raise ImageFormatError(
                f"database schema {layer.schema}; this caulk reads schema {SCHEMA_VERSION}"
                " (push it from a matching caulk version)",
                where=str(ref),
            )
        part = work / f"{layer.digest.removeprefix('sha256:')}.part"
        with _exclusive(part):  # two pulls of one layer never write one file
            resumed = _download(client, ref, layer, part)
    finally:
        client.close()
    db.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{db.name}.", suffix=".pull", dir=db.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _decompress(part, tmp, layer, str(ref))
        try:
            store = open_store(tmp)
        except Error as exc:
            raise ImageFormatError(f"not a usable database: {exc.message}", where=str(ref)) from exc
        try:
            advisories, built = store.count()[0], store.meta().get("built_at", "")
        finally:
            store.close()
        tmp.chmod(0o644)
        tmp.replace(db)
    finally:
        tmp.unlink(missing_ok=True)
    part.unlink(missing_ok=True)
    Path(f"{part}.lock").unlink(missing_ok=True)
    log.info("installed %s@%s as %s", ref, manifest.digest, db)
    return PullResult(str(ref), manifest.digest, layer.size, resumed, advisories, built, signed)
