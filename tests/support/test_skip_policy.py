"""The CI skip policy and the `tools` mark on a scratch test module, run by a real pytest in a
subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.tools import REPO

SCRATCH = """
import os, pytest

def test_passes():
    pass

@pytest.mark.skipif(True, reason="dive is not installed")
def test_tool_missing():
    pass

def test_data_missing():
    pytest.skip("no shared/data/advisories beside the checkout")

@pytest.mark.tools("sh", "caulk-no-such-peer")
def test_tool_mark():
    pass

def test_allowed():
    pytest.skip("skopeo: Debian-local change: sigstore disabled (signing)")

@pytest.mark.xfail(reason="known", strict=True)
def test_expected_failure():
    assert False
"""
PYTEST_ARGS = ("-q", "-rA", "-p", "no:cacheprovider", "-p", "no:xdist")
PYTEST_ARGS += ("-p", "tests.support.skip_policy", "-p", "tests.support.tools")


def _run(tmp_path: Path, ci: str | None) -> tuple[int, str]:
    (tmp_path / "test_scratch.py").write_text(SCRATCH)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *PYTEST_ARGS, str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_outside_ci_a_skip_is_a_skip_and_a_missing_tool_fails(tmp_path: Path) -> None:
    code, out = _run(tmp_path, None)
    assert code == 1, out  # the missing tool is an error even outside CI
    assert "1 passed, 3 skipped, 1 xfailed, 1 error" in out
    assert (
        "caulk-no-such-peer is not installed; this test compares against it: bash scripts/sys"
        in out
    )


@pytest.mark.parametrize("ci", ["true", "1"])
def test_in_ci_only_the_named_impossible_skip_survives(tmp_path: Path, ci: str) -> None:
    code, out = _run(tmp_path, ci)
    assert code == 1, out
    # a skipif skips at setup (an error now), pytest.skip() in the test body (a failure now)
    assert "1 failed, 1 passed, 1 skipped, 1 xfailed, 2 errors" in out
    assert "test_tool_missing skipped under CI=true (dive is not installed)" in out
    assert "test_data_missing skipped under CI=true (no shared/data/advisories" in out
    assert "ALLOWED_SKIPS" in out
