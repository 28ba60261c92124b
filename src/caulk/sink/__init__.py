"""caulk.sink: write images deterministically (same draft -> byte-identical output), atomically.

    written = write_image(draft_from_image(image), "oci-archive:out.tar:1.0")

Destinations: `oci:DIR[:tag]` (a new layout, or added to an existing one), `oci-archive:FILE[:tag]`,
`docker-archive:FILE[:name:tag]` (legacy `docker save` layout, uncompressed layers). The path part
of a destination cannot contain ':'.
"""

from __future__ import annotations

from pathlib import Path

from caulk.errors import UsageError
from caulk.sink.docker import write_docker_archive
from caulk.sink.draft import ImageDraft, LayerBlob, WrittenImage, draft_from_image
from caulk.sink.oci import write_oci_archive, write_oci_dir

__all__ = ["ImageDraft", "LayerBlob", "WrittenImage", "draft_from_image", "write_image"]

_USAGE = "expected oci:DIR[:tag], oci-archive:FILE[:tag] or docker-archive:FILE[:name:tag]"


def write_image(draft: ImageDraft, destination: str) -> WrittenImage:
    transport, sep, rest = destination.partition(":")
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
