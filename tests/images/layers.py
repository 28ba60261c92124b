"""Turn a `LayerSpec` into a deterministic layer tar, the way image builders write them.

The files are staged in a directory and archived by GNU tar with sorted names, owner 0, one fixed
mtime and no atime/ctime or PID-named pax headers, so the same spec always gives the same bytes.
Whiteouts are the empty `.wh.NAME` files and opaque dirs hold `.wh..wh..opq` (OCI image spec).
Member names have no `./` prefix (like Docker's layers; mmdebstrap's base layers have one).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.images.recipes import EPOCH, LayerSpec

__all__ = ["write_layer_tar"]

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"


def _inside(stage: Path, path: str) -> Path:
    rel = path.strip("/")
    assert rel and ".." not in rel.split("/"), path
    return stage / rel


def write_layer_tar(
    spec: LayerSpec, files: dict[str, bytes], dir_modes: dict[str, int], out: Path, stage: Path
) -> None:
    """Write `spec` as an uncompressed tar to `out`, using `stage` (created, then removed).

    `files` holds the bytes `copy_from` entries name; `dir_modes` the modes of the directories
    already in the image, which parent directories this layer re-lists keep (as builders do).
    """
    stage.mkdir(mode=0o755)
    modes: dict[Path, int] = {}
    for e in spec.entries:
        target = _inside(stage, e.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if e.kind == "dir":
            target.mkdir(exist_ok=True)
            modes[target] = e.mode
        elif e.kind == "opaque":
            target.mkdir(exist_ok=True)
            (target / OPAQUE_MARKER).write_bytes(b"")
            modes[target] = 0o755
        elif e.kind == "whiteout":
            marker = target.with_name(WHITEOUT_PREFIX + target.name)
            marker.write_bytes(b"")
            modes[marker] = 0o644
        elif e.kind == "symlink":
            assert e.target is not None
            target.symlink_to(e.target)
        elif e.kind == "hardlink":
            assert e.target is not None
            os.link(_inside(stage, e.target), target)
        elif e.kind == "file":
            target.write_bytes(files[e.copy_from] if e.copy_from else e.data)
            modes[target] = e.mode
        else:
            raise ValueError(f"unknown entry kind {e.kind!r} for {e.path}")
    # Implicit directories keep the mode they have below (else 0755, whatever the umask);
    # explicit modes last, deepest first.
    for dirpath, _dirs, _files in os.walk(stage):
        inside = "/" + os.path.relpath(dirpath, stage).removeprefix(".").strip("/")
        os.chmod(dirpath, dir_modes.get(inside, 0o755))
    for path in sorted(modes, key=lambda p: len(p.parts), reverse=True):
        os.chmod(path, modes[path])
    top = sorted(p.name for p in stage.iterdir())
    subprocess.run(
        [
            "tar",
            "--sort=name",
            "--owner=0",
            "--group=0",
            "--numeric-owner",
            "--format=pax",
            "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
            f"--mtime=@{EPOCH}",
            "-C",
            str(stage),
            "-cf",
            str(out),
            "--",
            *top,
        ],
        check=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    shutil.rmtree(stage)
