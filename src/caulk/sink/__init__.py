"""caulk.sink: write images deterministically (same draft -> byte-identical output), atomically.

    written = write_image(draft_from_image(image), "oci-archive:out.tar:1.0")

Destinations: `oci:DIR[:tag]` (a new layout, or added to an existing one), `oci-archive:FILE[:tag]`,
`docker-archive:FILE[:name:tag]` (legacy `docker save` layout, uncompressed layers), and a registry
(`registry:HOST/REPO:TAG` or a bare `HOST/REPO:TAG`). The path part of a file destination cannot
contain ':'.
"""

from __future__ import annotations

from pathlib import Path

from caulk.errors import UsageError
from caulk.registry.options import DEFAULT_OPTIONS, RegistryOptions
from caulk.sink.docker import write_docker_archive
from caulk.sink.draft import ImageDraft, LayerBlob, WrittenImage, draft_from_image
from caulk.sink.oci import write_oci_archive, write_oci_dir
from caulk.sink.registry import write_registry

__all__ = [
    "ImageDraft",
    "LayerBlob",
    "WrittenImage",
    "draft_from_image",
    "names_a_registry",
    "write_image",
]

_USAGE = "expected oci:DIR[:tag], oci-archive:FILE[:tag] or docker-archive:FILE[:name:tag]"


_FILE_TRANSPORTS = ("oci", "oci-archive", "docker-archive")


def names_a_registry(text: str) -> bool:
    """A bare destination must name its registry host (`ghcr.io/o/r:1`, `localhost:5000/r`): a
    typo like `out.tar` must never become a push to Docker Hub."""
    first, sep, _ = text.partition("/")
    return bool(sep) and ("." in first or ":" in first or first == "localhost")


def write_image(
    draft: ImageDraft, destination: str, *, registry: RegistryOptions = DEFAULT_OPTIONS
) -> WrittenImage:
    """Write `draft` to `destination`; `registry` applies when it names a registry."""
    transport, sep, rest = destination.partition(":")
    if transport == "registry" and rest:
        return write_registry(draft, rest, destination, registry)
    if not sep or transport not in _FILE_TRANSPORTS:
        if not names_a_registry(destination):
            raise UsageError(
                f"invalid destination {destination!r}: {_USAGE}, or a registry HOST/REPO:TAG "
                "(write registry:REPO:TAG to push to Docker Hub)"
            )
        return write_registry(draft, destination, destination, registry)
    path_text, _, spec = rest.partition(":")
    if not sep or not path_text:
        raise UsageError(f"invalid destination {destination!r}: {_USAGE}")
    path = Path(path_text)
    if transport == "oci":
        return write_oci_dir(draft, path, spec or None, destination)
    if transport == "oci-archive":
        return write_oci_archive(draft, path, spec or None, destination)
    if transport == "docker-archive":
        repo_tag = None
        if spec:
            last = spec.rsplit("/", 1)[-1]
            repo_tag = spec if ":" in last else f"{spec}:latest"
        return write_docker_archive(draft, path, repo_tag, destination)
    raise UsageError(f"invalid destination {destination!r}: {_USAGE}")
