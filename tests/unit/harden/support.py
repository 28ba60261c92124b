"""Shared helpers for harden tests: open a synthetic image, plan, write the new layer, and look at
the result through caulk's own view (original layers + the new one)."""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caulk.check.image.interface import ImageContext
from caulk.check.image.tools import ToolsCheck
from caulk.fs.interface import LayerView
from caulk.fs.tarwalk import index_layer
from caulk.fs.view import build_view, view_from_layers
from caulk.harden import DEFANG_ANALYZERS, DefangOptions, DefangPlan, defang
from caulk.harden.content import Staging
from caulk.harden.layer import write_layer
from caulk.harden.paths import real_path
from caulk.source import open_image
from caulk.source.interface import Image
from tests.support import synth


@dataclass
class Defanged:
    plan: DefangPlan
    image: Image  # closed; its config is still readable
    blob: bytes  # the new gzip layer
    before: LayerView
    after: LayerView  # original layers + the new one (or the squashed one alone)

    def members(self) -> dict[str, tarfile.TarInfo]:
        with tarfile.open(fileobj=io.BytesIO(self.blob), mode="r:gz") as tar:
            return {m.name: m for m in tar.getmembers()}

    def tool_findings(self) -> set[tuple[str, str | None]]:
        """(rule, path) of the shell/tool/package-manager findings on the output."""
        ctx = ImageContext(self.image, self.after)
        return {(f.rule_id, f.location.path) for f in ToolsCheck().run(ctx)}

    def content(self, name: str) -> bytes:
        with tarfile.open(fileobj=io.BytesIO(self.blob), mode="r:gz") as tar:
            handle = tar.extractfile(name)
            assert handle is not None
            return handle.read()


def run(
    tmp_path: Path,
    layers: Sequence[Sequence[synth.Entry]],
    options: DefangOptions,
    config: dict[str, Any] | None = None,
) -> Defanged:
    root = synth.oci_layout(tmp_path / "img", [synth.tar(layer) for layer in layers], config=config)
    with open_image(f"oci:{root}:latest") as image:
        view = build_view(image, DEFANG_ANALYZERS)
        plan = defang(image, view, options)
        staging = Staging(io.BytesIO())
        staging.fill(
            image, {m.origin for m in plan.members if m.origin}, lambda p: real_path(view, p)
        )
        out = io.BytesIO()
        digests = write_layer(plan.members, staging, out)
    blob = out.getvalue()
    new = index_layer(
        io.BytesIO(gzip.decompress(blob)),
        index=0 if options.squash else len(view.layers),
        diff_id=digests.diff_id,
        where="new layer",
    )
    after = view_from_layers([new] if options.squash else [*view.layers, new])
    return Defanged(plan, image, blob, view, after)
