"""`registry:HOST/REPO:TAG` (or a bare reference such as `127.0.0.1:5000/team-a/app:1.0`): an
image read straight from an OCI distribution registry. Layers stream from the registry into the
scan, verified on the fly; nothing is written to disk and no daemon is involved."""

from __future__ import annotations

import io
from typing import BinaryIO

from caulk.errors import ImageFormatError
from caulk.mediatypes import INDEX_TYPES, MANIFEST_TYPES
from caulk.registry.client import RegistryClient
from caulk.registry.options import RegistryOptions, new_client
from caulk.registry.reference import Reference, parse_reference
from caulk.source.interface import Descriptor, Image, Platform
from caulk.source.resolve import Located, resolve

__all__ = ["RegistryStore", "open_registry"]


class RegistryStore:
    """Blobs and manifests of one repository, fetched by digest."""

    def __init__(self, client: RegistryClient, ref: Reference) -> None:
        self.client = client
        self.ref = ref

    def locate(self, digest: str) -> str:
        return f"{self.ref.registry}/{self.ref.repository}@{digest}"

    def open_raw(self, descriptor: Descriptor) -> BinaryIO:
        if descriptor.media_type in INDEX_TYPES or descriptor.media_type in MANIFEST_TYPES:
            manifest = self.client.get_manifest(self.ref.with_digest(descriptor.digest))
            return io.BytesIO(manifest.body)
        return self.client.open_blob(self.ref.registry, self.ref.repository, descriptor.digest)

    def close(self) -> None:
        self.client.close()


def open_registry(
    reference: str, rest: str, platform: Platform | None, options: RegistryOptions
) -> Image:
    ref = parse_reference(rest)
    client = new_client(options)
    store = RegistryStore(client, ref)
    try:
        manifest = client.get_manifest(ref)
        if manifest.media_type not in INDEX_TYPES | MANIFEST_TYPES:
            raise ImageFormatError(
                f"unsupported manifest media type {manifest.media_type!r}", where=str(ref)
            )
        top = Descriptor(manifest.media_type, manifest.digest, len(manifest.body))
        src = Located(reference, "registry", store, store.locate, tag=ref.tag)
        return resolve(src, top, platform)
    except BaseException:
        store.close()
        raise
