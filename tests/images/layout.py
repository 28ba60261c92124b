"""Read the OCI image layouts the builder writes: layer blob paths, files and directory modes."""

from __future__ import annotations

import gzip
import json
import tarfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["MissingFileError", "layer_blobs", "read_files"]


class MissingFileError(LookupError):
    """A file a recipe copies is not in the image below."""


def _manifest(layout: Path, tag: str = "latest") -> dict[str, object]:
    index = json.loads((layout / "index.json").read_text())
    for desc in index["manifests"]:
        if desc.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return json.loads(_blob(layout, desc["digest"]).read_text())  # type: ignore[no-any-return]
    raise KeyError(f"{layout}: no tag {tag!r}")


def _blob(layout: Path, digest: str) -> Path:
    algo, hexdigest = digest.split(":", 1)
    return layout / "blobs" / algo / hexdigest


def layer_blobs(layout: Path, tag: str = "latest") -> list[Path]:
    """The layer blob files of `layout:tag`, base layer first."""
    layers = _manifest(layout, tag)["layers"]
    assert isinstance(layers, list)
    return [_blob(layout, d["digest"]) for d in layers]


def read_files(layout: Path, paths: Sequence[str]) -> tuple[dict[str, bytes], dict[str, int]]:
    """Regular files' bytes as the topmost layer holding them has them (whiteouts ignored), and
    the permission bits of every directory in the image (`/usr/bin` -> 0o755)."""
    wanted = {p.lstrip("/") for p in paths}
    found: dict[str, bytes] = {}
    dir_modes: dict[str, int] = {}
    for blob in layer_blobs(layout):
        with gzip.open(blob) as raw, tarfile.open(fileobj=raw, mode="r|") as tar:
            for member in tar:
                name = member.name.removeprefix("./").rstrip("/")
                if member.isdir():
                    dir_modes["/" + name] = member.mode
                elif name in wanted and member.isreg():
                    data = tar.extractfile(member)
                    assert data is not None
                    found["/" + name] = data.read()
    missing = {"/" + p for p in wanted} - found.keys()
    if missing:
        raise MissingFileError(f"{layout}: no regular file {sorted(missing)} to copy")
    return found, dir_modes
