"""Resolve what to sign or verify: the digest an image reference names *at the top level* (an
index digest for a multi-platform image, as cosign signs it), its repository identity, and the
store where its `.sig`/`.att` artifacts live.

Supported: registry references (`HOST/REPO:TAG`, `@sha256:…`, optionally prefixed `registry:`)
and OCI layouts (`oci:DIR[:tag|@digest]`). Other transports (archives, docker-archive, dir) are
read-only snapshots with no place for signatures: UsageError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from caulk.errors import ImageFormatError, UsageError
from caulk.mediatypes import REF_NAME
from caulk.registry.options import DEFAULT_OPTIONS, RegistryOptions, new_client
from caulk.registry.reference import Reference, parse_reference
from caulk.signing.store import ArtifactStore, LayoutArtifacts, RegistryArtifacts
from caulk.source.reference import split_path, split_tag_or_digest
from caulk.source.resolve import select_in_index

__all__ = ["Target", "artifact_tag", "docker_identity", "open_target"]

_ARTIFACT_TAG = re.compile(r"sha(256|512)-[0-9a-f]+\.(sig|att|sbom)")
_OTHER_TRANSPORTS = ("oci-archive", "docker-archive", "dir", "docker-daemon", "docker")


@dataclass(frozen=True, slots=True)
class Target:
    reference: str  # as the user typed it
    digest: str  # top-level manifest or index digest
    identity: Reference | None  # the repository (and tag, if typed); None for an OCI layout
    store: ArtifactStore = field(compare=False, repr=False)
    closer: object = field(default=None, compare=False, repr=False)

    def close(self) -> None:
        close = getattr(self.closer, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def artifact_tag(digest: str, suffix: str) -> str:
    """cosign's tag scheme: `sha256:abc…` + `.sig` -> `sha256-abc….sig`."""
    return digest.replace(":", "-") + suffix


def docker_identity(ref: Reference) -> str:
    """The repository name as go-containerregistry prints it (`Repository.Name()`), which is what
    cosign writes as `docker-reference`: Docker Hub is `index.docker.io`."""
    registry = "index.docker.io" if ref.registry == "docker.io" else ref.registry
    return f"{registry}/{ref.repository}"


def open_target(reference: str, registry: RegistryOptions = DEFAULT_OPTIONS) -> Target:
    transport, sep, rest = reference.partition(":")
    if sep and transport == "oci":
        return _open_layout(reference, rest)
    if sep and transport in _OTHER_TRANSPORTS:
        raise UsageError(
            f"cannot sign or verify {transport}: images (no place for signatures): "
            "use a registry reference or an oci:DIR[:tag] layout"
        )
    text = rest if sep and transport == "registry" else reference
    ref = parse_reference(text)
    client = new_client(registry)
    try:
        manifest = client.get_manifest(ref)
        if not manifest.digest.startswith("sha256:"):  # cosign's tags name sha256 digests
            raise UsageError(
                f"signatures are found by sha256 digest, not {manifest.digest[:7]}…: "
                "name the image by tag or @sha256",
                where=str(ref),
            )
    except BaseException:
        client.close()
        raise
    return Target(reference, manifest.digest, ref, RegistryArtifacts(client, ref), client)


def _open_layout(reference: str, rest: str) -> Target:
    root, remainder = split_path(rest, want_dir=True)
    tag, digest = split_tag_or_digest(remainder)
    store = LayoutArtifacts(root)
    index = store.read_index()
    if tag is None and digest is None:  # ignore our own artifacts when picking "the only image"
        index = {**index, "manifests": [e for e in index["manifests"] if not _is_artifact(e)]}
    desc, _ = select_in_index(index, tag=tag, digest=digest, where=str(root / "index.json"))
    if not desc.digest.startswith("sha256:"):
        raise ImageFormatError(f"unsupported digest {desc.digest}", where=str(root / "index.json"))
    return Target(reference, desc.digest, None, store)


def _is_artifact(entry: Any) -> bool:
    annotations = entry.get("annotations") if isinstance(entry, dict) else None
    name = annotations.get(REF_NAME) if isinstance(annotations, dict) else None
    return isinstance(name, str) and _ARTIFACT_TAG.fullmatch(name) is not None
