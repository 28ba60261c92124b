"""Integration tests talk to real external tools (skopeo, umoci, dive, the registry…).

Everything collected under tests/integration is marked `integration` (deselect with
`-m "not integration"`). Fixtures:
- `peer(name) -> str`: the path of a peer tool, failing with the install hint when it is missing
  (tests/support/tools.py: the venv's `dive`/`hadolint` from the dev extras first, then PATH);
- `dive_report(docker_archive) -> dict`: `dive --ci --json` on a docker-archive, parsed.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.tools import tool

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents and item.get_closest_marker("integration") is None:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def peer() -> Callable[[str], str]:
    return tool


def _dive_report(docker_archive: Path) -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "dive.json"
        cmd = [tool("dive"), "--ci", "--json", str(report), "--source", "docker-archive"]
        proc = subprocess.run([*cmd, str(docker_archive)], capture_output=True, text=True)
        if not report.exists():
            pytest.fail(f"dive wrote no report (exit {proc.returncode}): {proc.stderr[-1000:]}")
        return json.loads(report.read_text())


@pytest.fixture(scope="session")
def dive_report() -> Callable[[Path], Any]:
    return _dive_report
