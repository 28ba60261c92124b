"""Build small images for the hygiene checks: by hand (`LayerIndex` values merged with
`view_from_layers`) or as real OCI layouts from tests/support/synth, read back through
`open_image` + `build_view` exactly as `caulk scan` does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from caulk.check.image import ALL_CHECKS, analyzers_for, run_checks
from caulk.check.image.interface import CheckOptions, ImageCheck, ImageContext
from caulk.fs.interface import EntryType, FileEntry, LayerIndex
from caulk.fs.view import build_view, view_from_layers
from caulk.model import Finding
from caulk.source import open_image
from caulk.source.interface import Descriptor, Image, ImageConfig, Platform
from tests.support import synth

__all__ = ["entry", "fake_image", "layer", "scan", "scan_view"]

DIGEST = "sha256:" + "0" * 64


def entry(
    path: str,
    kind: EntryType = EntryType.FILE,
    mode: int = 0o644,
    *,
    layer: int = 0,
    size: int = 0,
    link: str | None = None,
    uid: int = 0,
) -> FileEntry:
    return FileEntry(path, kind, mode, uid, 0, size, layer, link)


def layer(index: int, entries: Iterable[FileEntry], **kw: Any) -> LayerIndex:
    return LayerIndex(index, f"sha256:{index:064d}", tuple(entries), **kw)


def fake_image(config: ImageConfig | None = None, **kw: Any) -> Image:
    values: dict[str, Any] = {
        "reference": "oci:/x@" + DIGEST,
        "transport": "oci",
        "manifest": b"{}",
        "manifest_media_type": synth.MT_MANIFEST,
        "manifest_digest": DIGEST,
        "config_descriptor": Descriptor(synth.MT_CONFIG, DIGEST, 2),
        "config": config or ImageConfig(raw=b"{}", user="app"),
        "layers": (),
        "platform": Platform("linux", "amd64"),
    }
    values.update(kw)
    return Image(**values)


def scan_view(
    layers: Sequence[LayerIndex],
    checks: Sequence[ImageCheck],
    *,
    image: Image | None = None,
    options: CheckOptions | None = None,
) -> list[Finding]:
    ctx = ImageContext(image or fake_image(), view_from_layers(layers), options or CheckOptions())
    return list(run_checks(ctx, checks).findings)


def scan(
    root: Path,
    layers: Sequence[Sequence[synth.Entry]],
    *,
    config: dict[str, Any] | None = None,
    tag: str | None = "1.0",
    reference: str | None = None,
    options: CheckOptions | None = None,
    checks: Sequence[ImageCheck] = ALL_CHECKS,
) -> list[Finding]:
    """Write an OCI layout with these layers and scan it like `caulk scan` does."""
    tars = [synth.tar(entries) for entries in layers]
    path = synth.oci_layout(root / "img", tars, tag=tag, config=config or {})
    ref = reference or (f"oci:{path}:{tag}" if tag else f"oci:{path}")
    with open_image(ref) as image:
        view = build_view(image, analyzers_for(checks))
        ctx = ImageContext(image, view, options or CheckOptions())
        return list(run_checks(ctx, checks).findings)
