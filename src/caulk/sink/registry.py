"""Push a draft to a registry: layers (skipped when present), config, then the manifest under its
tag, last, so a failed push never leaves a tag pointing at missing content."""

from __future__ import annotations

import hashlib
import io
import logging
from functools import partial

from caulk.errors import UsageError
from caulk.registry.options import RegistryOptions, new_client
from caulk.registry.reference import parse_reference
from caulk.sink.draft import ImageDraft, WrittenImage, manifest_for
from caulk.sink.oci import open_verified

__all__ = ["write_registry"]

log = logging.getLogger(__name__)


def write_registry(
    draft: ImageDraft, text: str, destination: str, options: RegistryOptions
) -> WrittenImage:
    ref = parse_reference(text)
    if ref.digest is not None:
        raise UsageError(f"push destination {text!r} must name a tag, not a digest")
    config_digest = "sha256:" + hashlib.sha256(draft.config).hexdigest()
    media_type, manifest = manifest_for(draft, config_digest)
    with new_client(options) as client:
        for i, blob in enumerate(draft.layers):
            desc = blob.descriptor
            client.push_blob(
                ref.registry,
                ref.repository,
                desc.digest,
                desc.size,
                partial(open_verified, blob.open, desc, f"{destination}: layer {i}"),
            )
        client.push_blob(
            ref.registry,
            ref.repository,
            config_digest,
            len(draft.config),
            lambda: io.BytesIO(draft.config),
        )
        digest = client.put_manifest(ref, manifest, media_type)
    log.info("pushed %s (%s)", ref, digest)
    return WrittenImage(destination, digest, config_digest, manifest)
