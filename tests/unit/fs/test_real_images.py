"""Real Debian images (built and cached by tests/images): the squashed view equals what
`umoci unpack` extracts, dive agrees on efficiency, and `umoci insert`'s trailer-less layer is
read with a warning."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from caulk.fs.efficiency import compute_efficiency
from caulk.fs.interface import EntryType
from caulk.fs.view import build_view
from caulk.source import open_image
from tests.support.tools import tool

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def _disk_listing(root: Path) -> dict[str, tuple[str, int, int]]:
    out: dict[str, tuple[str, int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            st = os.lstat(full)
            key = "/" + full.relative_to(root).as_posix()
            kind = (
                "symlink" if stat.S_ISLNK(st.st_mode)
                else "dir" if stat.S_ISDIR(st.st_mode)
                else "file" if stat.S_ISREG(st.st_mode)
                else "other"
            )  # fmt: skip
            size = st.st_size if kind == "file" else 0
            out[key] = (kind, size, stat.S_IMODE(st.st_mode) if kind != "symlink" else 0)
    return out


@pytest.mark.images("bookworm-layers")
def test_squashed_view_equals_umoci_unpack(
    image_ref: Callable[..., str], image_rootfs: Callable[[str], Path]
) -> None:
    with open_image(image_ref("bookworm-layers")) as image:
        view = build_view(image)
    sizes = {p: e for p, e in view.squashed().items() if e.type is EntryType.FILE}
    got: dict[str, tuple[str, int, int]] = {}
    for path, e in view.squashed().items():
        if path == "/":
            continue
        if e.type is EntryType.HARDLINK:
            target = sizes.get(e.link or "")
            got[path] = ("file", target.size if target else -1, e.mode)
        elif e.type is EntryType.SYMLINK:
            got[path] = ("symlink", 0, 0)
        elif e.type is EntryType.FILE:
            got[path] = ("file", e.size, e.mode)
        elif e.type is EntryType.DIR:
            got[path] = ("dir", 0, e.mode)
        else:
            got[path] = ("other", 0, e.mode)
    expected = _disk_listing(image_rootfs("bookworm-layers"))
    missing = sorted(set(expected) - set(got))[:10]
    extra = sorted(set(got) - set(expected))[:10]
    assert not missing and not extra, (missing, extra)
    diff = [(p, got[p], expected[p]) for p in sorted(expected) if got[p] != expected[p]]
    assert diff == []
    assert len(got) > 4000
    assert any(r.kind == "opaque" for r in view.removals())
    assert any(r.kind == "deleted" for r in view.removals())


@pytest.mark.images("bookworm-layers")
def test_efficiency_equals_dive_on_a_real_image(
    image_ref: Callable[..., str], image_archive: Callable[[str, str], Path], tmp_path: Path
) -> None:
    archive = image_archive("bookworm-layers", "docker-archive")
    out = tmp_path / "dive.json"
    subprocess.run(
        [tool("dive"), "--ci", "--json", str(out), "--source", "docker-archive", str(archive)],
        capture_output=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CI": "true"},
        check=False,
    )
    oracle = json.loads(out.read_text())["image"]
    with open_image(image_ref("bookworm-layers", "docker-archive")) as image:
        eff = compute_efficiency(build_view(image))
    assert eff.efficiency == oracle["efficiencyScore"]
    assert eff.wasted_bytes == oracle["inefficientBytes"]
    assert eff.size_bytes == oracle["sizeBytes"]
    assert [(f.path, f.count, f.wasted_bytes) for f in eff.inefficient_files] == [
        (r["file"], r["count"], r["sizeBytes"]) for r in oracle["fileReference"]
    ]
    assert eff.wasted_bytes > 0 and eff.hidden_bytes > 0


@pytest.mark.images("bookworm-umoci-insert")
def test_layer_without_trailer_is_read_with_a_warning(image_ref: Callable[..., str]) -> None:
    with open_image(image_ref("bookworm-umoci-insert")) as image:
        view = build_view(image)
    assert view.get("/opt/inserted/hello.txt") is not None
    data = view.get("/opt/inserted/data.bin")
    assert data is not None and data.size == 3000
    reasons = [u.reason for u in view.unknowns() if u.location.layer == 1]
    assert any("end-of-archive" in r for r in reasons)
