"""Turn a `DefangPlan` into an image at `destination` (`oci:DIR[:tag]`, `oci-archive:FILE[:tag]`,
`docker-archive:FILE[:name:tag]`) through `caulk.sink`.

Scratch files (staged file bytes, the new layer blob) live in a hidden temporary directory next to
the output and are removed whatever happens; the sink itself writes atomically."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from caulk.errors import UsageError
from caulk.fs.interface import LayerView
from caulk.harden.config import defanged_config
from caulk.harden.content import Staging
from caulk.harden.layer import GZIP_MEDIA_TYPE, LayerDigests, write_layer, write_smallest
from caulk.harden.paths import real_path
from caulk.harden.plan import DefangPlan
from caulk.localfiles import temp_path
from caulk.registry.options import DEFAULT_OPTIONS, RegistryOptions
from caulk.source.interface import Descriptor, Image

if TYPE_CHECKING:
    from caulk.sink import WrittenImage

__all__ = ["LAYER_MEDIA_TYPE", "output_path", "write_defanged"]

log = logging.getLogger(__name__)

LAYER_MEDIA_TYPE = GZIP_MEDIA_TYPE
_TRANSPORTS = ("oci", "oci-archive", "docker-archive")


def output_path(destination: str) -> Path | None:
    """The file or directory a destination names (without its tag); None for a registry
    destination (`registry:HOST/REPO:TAG` or a bare `HOST/REPO:TAG`), which is validated here."""
    transport, sep, rest = destination.partition(":")
    if sep and transport in _TRANSPORTS and rest:
        return Path(rest.split(":", 1)[0])
    from caulk.registry.reference import parse_reference
    from caulk.sink import names_a_registry

    if transport == "registry" or names_a_registry(destination):
        try:
            ref = parse_reference(rest if transport == "registry" else destination)
        except UsageError:
            ref = None
        if ref is not None and ref.digest is None:
            return None
    raise UsageError(
        f"--output {destination!r}: expected oci:DIR[:tag], oci-archive:FILE[:tag], "
        "docker-archive:FILE[:name:tag] or a registry HOST/REPO:TAG"
    )


def _scratch_parent(destination: str) -> Path | None:
    """Scratch files go beside a file output (same file system, nothing written elsewhere);
    for a registry push, into the system's temporary directory."""
    path = output_path(destination)
    if path is None:
        return None
    parent = path.resolve().parent
    while not parent.is_dir():
        parent = parent.parent
    return parent


def _reader(path: Path) -> Callable[[], BinaryIO]:
    return partial(open, path, "rb")  # type: ignore[return-value]


def _smallest_wanted(plan: DefangPlan, destination: str) -> bool:
    """With `--squash` the one layer must match or beat the input's compression, except in a
    docker-archive, which stores layers uncompressed anyway."""
    return plan.squash and not destination.startswith("docker-archive:")


def write_defanged(
    image: Image,
    plan: DefangPlan,
    destination: str,
    *,
    view: LayerView | None = None,
    on_layer: Callable[[LayerDigests], None] | None = None,
    registry: RegistryOptions = DEFAULT_OPTIONS,
) -> WrittenImage:
    """Write the de-fanged image. Pass the `view` the plan came from so that files a layer wrote
    through a symlinked directory are found under their tar names. `on_layer` receives the new
    layer's digests (with `--squash`: the codec chosen and the sizes tried)."""
    from caulk.sink import ImageDraft, LayerBlob, write_image

    origins = {m.origin for m in plan.members if m.origin is not None}
    scratch_parent = _scratch_parent(destination) or Path(tempfile.gettempdir())
    with temp_path(scratch_parent, "defang", is_dir=True) as claimed:  # a killed run's: swept
        scratch = claimed.path
        layer_path = scratch / "layer.tar.gz"
        with open(scratch / "staging", "w+b") as staging_file:
            staging = Staging(staging_file)
            alias = partial(real_path, view) if view is not None else None
            staging.fill(image, origins, alias)
            if _smallest_wanted(plan, destination):
                target = sum(layer.descriptor.size for layer in image.layers)
                digests, layer_path = write_smallest(plan.members, staging, scratch, target)
            else:
                with open(layer_path, "wb") as out:
                    digests = write_layer(plan.members, staging, out)
        log.debug(
            "new layer %s (%s, %d bytes, diff_id %s)",
            digests.digest, digests.codec, digests.size, digests.diff_id,
        )  # fmt: skip
        if on_layer is not None:
            on_layer(digests)
        new_layer = LayerBlob(
            descriptor=Descriptor(digests.media_type, digests.digest, digests.size),
            diff_id=digests.diff_id,
            open=_reader(layer_path),
        )
        base = (
            ()
            if plan.squash
            else tuple(
                LayerBlob(
                    descriptor=layer.descriptor,
                    diff_id=layer.diff_id,
                    open=partial(image.open_blob, layer.descriptor),
                )
                for layer in image.layers
            )
        )
        config = defanged_config(
            image.config.raw, plan, digests.diff_id, where=image.config_descriptor.digest
        )
        annotations: tuple[tuple[str, str], ...] = ()
        if image.manifest_digest is not None:
            annotations = (("org.opencontainers.image.base.digest", image.manifest_digest),)
        draft = ImageDraft(config=config, layers=(*base, new_layer), annotations=annotations)
        return write_image(draft, destination, registry=registry)
