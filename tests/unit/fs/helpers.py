"""Shared helpers for fs tests: index synthetic tars in memory."""

from __future__ import annotations

import io
from collections.abc import Sequence

from caulk.fs.interface import FileAnalyzer, LayerIndex
from caulk.fs.tarwalk import index_layer
from caulk.fs.view import MergedView, view_from_layers
from tests.support import synth


def index(tar_bytes: bytes, i: int = 0, analyzers: Sequence[FileAnalyzer] = ()) -> LayerIndex:
    return index_layer(
        io.BytesIO(tar_bytes),
        index=i,
        diff_id=synth.sha256(tar_bytes),
        analyzers=analyzers,
        where=f"layer{i}.tar",
    )


def view(*layers: Sequence[synth.Entry]) -> MergedView:
    return view_from_layers([index(synth.tar(entries), i) for i, entries in enumerate(layers)])
