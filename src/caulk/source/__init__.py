"""caulk.source: resolve an image reference into an `Image` whose blobs open as verified streams.

    with open_image("oci:./layout:latest") as image:
        for layer in image.layers:
            with image.open_layer(layer) as tar_stream:
                ...

References: `oci:DIR[:tag|@digest]`, `oci-archive:FILE[:tag|@digest]`,
`docker-archive:FILE[:name:tag|@N]`, `dir:ROOTFS`, `registry:REF` or a bare registry reference
(`127.0.0.1:5000/team-a/app:1.0`). More transports plug in with `register_transport`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from caulk.errors import UsageError
from caulk.registry.options import DEFAULT_OPTIONS, RegistryOptions
from caulk.source.interface import Image, Platform
from caulk.source.layers import DEFAULT_LIMITS, Limits, open_layer

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "Opener",
    "open_image",
    "open_layer",
    "register_transport",
    "transports",
]

Opener = Callable[[str, str, "Platform | None"], Image]
"""(full reference, text after `transport:`, platform) -> Image"""

_TRANSPORTS: dict[str, Opener] = {}


def register_transport(name: str, opener: Opener) -> None:
    """Add a file transport to `open_image` (`registry:` is built in: it takes RegistryOptions)."""
    _TRANSPORTS[name] = opener


def transports() -> tuple[str, ...]:
    return tuple(sorted({*_TRANSPORTS, "registry"}))


def _open_registry(
    reference: str, rest: str, platform: Platform | None, registry: RegistryOptions
) -> Image:
    from caulk.source.registry import open_registry  # imports the HTTP stack only when needed

    return open_registry(reference, rest, platform, registry)


def _builtin() -> None:
    from caulk.source.docker_archive import open_docker_archive
    from caulk.source.oci import open_oci, open_oci_archive
    from caulk.source.rootfs import open_rootfs

    _TRANSPORTS.setdefault("oci", open_oci)
    _TRANSPORTS.setdefault("oci-archive", open_oci_archive)
    _TRANSPORTS.setdefault("docker-archive", open_docker_archive)
    _TRANSPORTS.setdefault("dir", open_rootfs)


def open_image(
    reference: str,
    *,
    platform: Platform | None = None,
    registry: RegistryOptions = DEFAULT_OPTIONS,
) -> Image:
    """Resolve `reference` to an Image (close it, or use it as a context manager); `registry`
    applies when it names a registry."""
    _builtin()
    transport, sep, rest = reference.partition(":")
    if sep and transport == "registry":
        opener: Opener | None = partial(_open_registry, registry=registry)
    else:
        opener = _TRANSPORTS.get(transport) if sep else None
    if opener is None:
        # No transport prefix: a registry reference such as `ghcr.io/org/app:1` or `alpine`.
        return _open_registry(reference, reference, platform, registry)
    if not rest:
        known = ", ".join(f"{t}:" for t in transports())
        raise UsageError(f"unsupported image reference {reference!r}: use one of {known}")
    return opener(reference, rest, platform)
