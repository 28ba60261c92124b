"""Shared helpers for source tests."""

from __future__ import annotations

import tarfile

from caulk.source.interface import Image


def read_layers(image: Image) -> list[list[str]]:
    """Member names of every layer, read through open_layer (so everything is verified)."""
    names = []
    for layer in image.layers:
        with image.open_layer(layer) as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
            names.append([m.name for m in tar])
    return names


def one_line(error: BaseException, *needles: str) -> str:
    text = str(error)
    assert "\n" not in text, text
    for needle in needles:
        assert needle in text, f"{needle!r} not in {text!r}"
    return text
