"""`caulk sbom` end to end on the bundled demo image, and `caulk sbom` errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from caulk.sbom import read_sbom
from tests.conftest import CaulkRun

DEMO = Path(__file__).resolve().parents[3] / "examples" / "demo-image"


def test_sbom_command_writes_both_formats(
    run_caulk: Callable[..., CaulkRun], tmp_path: Path
) -> None:
    reference = f"oci:{DEMO}:latest"
    packages = []
    for fmt, name in (("cyclonedx-json", "demo.cdx.json"), ("spdx-json", "demo.spdx.json")):
        out = tmp_path / name
        run = run_caulk("-q", "sbom", reference, "--format", fmt, "-o", str(out))
        assert run.code == 0, run
        inventory, _ = read_sbom(out)
        packages.append(set(inventory.packages))
    assert packages[0] == packages[1] and len(packages[0]) >= 8
    stdout = run_caulk("-q", "sbom", reference)  # default: CycloneDX on stdout
    assert json.loads(stdout.stdout)["bomFormat"] == "CycloneDX"


def test_sbom_command_bad_image(run_caulk: Callable[..., CaulkRun], tmp_path: Path) -> None:
    run = run_caulk("sbom", f"oci:{tmp_path / 'nothing'}")
    assert run.code == 2
    assert run.stderr.startswith("caulk: ")
