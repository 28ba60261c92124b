"""Image references as Docker and containerd normalise them.

    parse_reference("alpine")                 -> docker.io/library/alpine:latest
    parse_reference("127.0.0.1:5000/a/b:1")   -> registry 127.0.0.1:5000, repository a/b, tag 1
    parse_reference("ghcr.io/o/r@sha256:…")   -> digest reference

A first component is a registry host when it contains "." or ":" or is "localhost" (Docker's rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from caulk.errors import UsageError

__all__ = ["DEFAULT_REGISTRY", "Reference", "parse_reference"]

DEFAULT_REGISTRY = "docker.io"
_LEGACY_HUB = {"index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}")
_HOST = re.compile(r"(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?")


@dataclass(frozen=True, slots=True)
class Reference:
    registry: str  # host[:port]; "docker.io" for Docker Hub
    repository: str  # "library/alpine"
    tag: str | None = None
    digest: str | None = None

    @property
    def api_host(self) -> str:
        """The host serving the distribution API (Docker Hub's differs from its name)."""
        return "registry-1.docker.io" if self.registry == DEFAULT_REGISTRY else self.registry

    @property
    def identifier(self) -> str:
        """What to put in /v2/<repo>/manifests/<identifier>: the digest wins over the tag."""
        return self.digest or self.tag or "latest"

    def with_digest(self, digest: str) -> Reference:
        return Reference(self.registry, self.repository, self.tag, digest)

    def __str__(self) -> str:
        text = f"{self.registry}/{self.repository}"
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse_reference(text: str) -> Reference:
    """Parse and normalise; raises UsageError naming what is wrong."""
    original = text
    if not text or text != text.strip() or "://" in text:
        raise UsageError(f"invalid image reference {original!r}")
    digest = None
    if "@" in text:
        text, _, digest = text.partition("@")
        if not _DIGEST.fullmatch(digest):
            raise UsageError(f"invalid digest in image reference {original!r}")
    tag = None
    slash = text.rfind("/")
    colon = text.rfind(":")
    if colon > slash:
        text, tag = text[:colon], text[colon + 1 :]
        if not _TAG.fullmatch(tag):
            raise UsageError(f"invalid tag {tag!r} in image reference {original!r}")
    first, sep, rest = text.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        if not _HOST.fullmatch(first):
            raise UsageError(f"invalid registry host {first!r} in image reference {original!r}")
        registry, path = first, rest
    else:
        registry, path = DEFAULT_REGISTRY, text
    if registry in _LEGACY_HUB:
        registry = DEFAULT_REGISTRY
    if registry == DEFAULT_REGISTRY and "/" not in path:
        path = f"library/{path}"
    components = path.split("/")
    if not path or not all(_COMPONENT.fullmatch(c) for c in components):
        raise UsageError(
            f"invalid repository {path!r} in image reference {original!r} "
            "(lower-case letters, digits and . _ - separators only)"
        )
    if len(registry) + len(path) + 1 > 255:
        raise UsageError(f"image reference {original!r} is longer than 255 characters")
    if tag is None and digest is None:
        tag = "latest"
    return Reference(registry, path, tag, digest)
