"""Oracle: caulk's efficiency numbers equal `dive --ci` 0.13.1's on docker-archives built here."""

from __future__ import annotations

import json
import math
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from caulk.fs.efficiency import compute_efficiency
from caulk.fs.view import view_from_layers
from tests.support import synth
from tests.support.tools import tool
from tests.unit.fs.helpers import index

pytestmark = pytest.mark.integration

f, d, s, wh, opq = synth.file, synth.dir, synth.symlink, synth.whiteout, synth.opaque


def _blob(n: int, c: bytes = b"x") -> bytes:
    return c * n


SCENARIOS: dict[str, list[list[synth.Entry]]] = {
    "overwrite-delete-opaque": [
        [
            d("/etc"),
            f("/etc/a", _blob(100)),
            f("/etc/b", _blob(50)),
            d("/d"),
            d("/d/e"),
            f("/d/e/f", _blob(30)),
            f("/d/g", _blob(7)),
            d("/o"),
            f("/o/k", _blob(11)),
        ],
        [
            d("/etc"),
            f("/etc/a", _blob(120)),
            wh("/etc/b"),
            wh("/d"),
            d("/o"),
            opq("/o"),
            f("/o/n", _blob(3)),
        ],
        [f("/etc/a", _blob(5))],
    ],
    "implicit-parents-and-recreate": [
        [f("/usr/lib/x/one", _blob(1000)), f("/usr/lib/x/two", _blob(2000)), f("/top", _blob(9))],
        [wh("/usr/lib/x"), f("/usr/lib/x/one", _blob(10)), f("/top", _blob(9))],
        [wh("/usr/lib"), d("/usr/lib"), f("/usr/lib/new", _blob(4))],
        [f("/usr/lib/x/deep/file", _blob(77))],
    ],
    "missing-whiteout-target-aborts-layer": [
        [d("/a"), f("/a/1", _blob(10)), f("/b", _blob(20)), f("/z", _blob(5))],
        [wh("/a/nothing"), f("/a/1", _blob(11)), f("/b", _blob(21)), f("/z", _blob(6))],
    ],
    "symlinks-hardlinks-empty-dirs": [
        [
            d("/bin"),
            f("/bin/busybox", _blob(500)),
            synth.hardlink("/bin/sh", "/bin/busybox"),
            s("/bin/ash", "busybox"),
            d("/empty"),
            d("/var/cache/apt"),
        ],
        [s("/bin/sh", "busybox"), d("/empty"), wh("/var/cache"), f("/bin/busybox", _blob(501))],
    ],
    "single-layer": [[f("/a", _blob(3)), f("/b", _blob(4))]],
    "empty-user-layers": [[f("/a", _blob(3))], [d("/a2")]],
    "odd-names-order": [
        [
            d("/-x"),
            f("/-x/f", _blob(4)),
            f("/A", _blob(2)),
            f("/a b", _blob(1)),
            f("/caf\u00e9", _blob(6)),
            f("/z", _blob(8)),
        ],
        [
            wh("/-x"),
            d("/-x"),
            f("/-x/g", _blob(4)),
            f("/A", _blob(2)),
            f("/a b", _blob(1)),
            f("/caf\u00e9", _blob(6)),
            f("/z", _blob(8)),
        ],
    ],
}
# Many equally-sized overwritten files: Go's unstable pdqsort decides their order.
SCENARIOS["many-ties"] = [
    [f(f"/t/{i:03d}", _blob(64 if i % 3 else 128)) for i in range(90)],
    [f(f"/t/{i:03d}", _blob(64 if i % 3 else 128)) for i in range(0, 90, 2)],
    [f(f"/t/{i:03d}", _blob(32)) for i in range(0, 90, 5)],
]


def _run_dive(tmp_path: Path, archive: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("dive"), "--ci", *args, "--source", "docker-archive", str(archive)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CI": "true", "NO_COLOR": "1"},
        check=False,
    )


def _dive(tmp_path: Path, archive: Path) -> dict[str, Any]:
    out = tmp_path / "dive.json"
    proc = _run_dive(tmp_path, archive, "--json", str(out))
    assert out.exists(), proc.stdout + proc.stderr
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def _dive_user_wasted(tmp_path: Path, archive: Path) -> float:
    """dive's `WastedUserPercent` at full precision. Its JSON report does not carry it; its CI rule
    prints it (Go's %v) when it exceeds the threshold, so the threshold is 0. When it does not
    (0 or NaN), the summary line `userWastedPercent: 0.0000 %` / `NaN %` is exact."""
    proc = _run_dive(tmp_path, archive, "--highestUserWastedPercent", "0")
    text = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
    failed = re.search(r"%-user-wasted-bytes=(\S+) > threshold=0", text)
    if failed:
        return float(failed.group(1))
    summary = re.search(r"userWastedPercent: (\S+) %", text)
    assert summary and "PASS: highestUserWastedPercent" in text, text
    assert summary.group(1) in ("0.0000", "NaN"), text
    return float(summary.group(1))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_efficiency_equals_dive(tmp_path: Path, name: str) -> None:
    tars = [synth.tar(entries) for entries in SCENARIOS[name]]
    archive = synth.docker_archive(tmp_path / "img.tar", tars)
    oracle = _dive(tmp_path, archive)
    user_wasted = _dive_user_wasted(tmp_path, archive)
    eff = compute_efficiency(view_from_layers([index(t, i) for i, t in enumerate(tars)]))

    assert eff.efficiency == oracle["image"]["efficiencyScore"]
    assert eff.wasted_bytes == oracle["image"]["inefficientBytes"]
    assert eff.size_bytes == oracle["image"]["sizeBytes"]
    assert [(x.path, x.count, x.wasted_bytes) for x in eff.inefficient_files] == [
        (r["file"], r["count"], r["sizeBytes"]) for r in oracle["image"]["fileReference"]
    ]
    layer_sizes = [layer["sizeBytes"] for layer in oracle["layer"]]
    assert eff.user_size_bytes == sum(layer_sizes[1:])
    if math.isnan(user_wasted):
        assert math.isnan(eff.user_wasted_percent)
    else:
        assert eff.user_wasted_percent == user_wasted
