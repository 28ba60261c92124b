"""Shared fixtures: the real test images of `tests/images` and a `caulk` CLI runner.

Real images are built on first use into `$CAULK_TEST_CACHE` (default `~/.cache/caulk-tests`) and
reused across runs; a recipe change rebuilds. Mark tests that need them so xdist's `loadgroup`
sends every test of one image to one worker and the test counts as slow:

    @pytest.mark.images("bookworm-layers")          # or module-wide: pytestmark = ...
    def test_setuid(image_ref, run_caulk):
        result = run_caulk("scan", image_ref("bookworm-layers", "docker-archive"))
        assert result.code == 1, result.stderr

Fixtures (session-scoped factories):
- `real_image(name) -> Path`: the OCI layout directory (tag `latest`);
- `image_ref(name, transport="oci") -> str`: `oci:/…:latest`, `docker-archive:/….tar`,
  `oci-archive:/….tar` or `dir:/…/rootfs`;
- `image_archive(name, transport) -> Path`: the docker-archive / oci-archive file (skopeo);
- `image_rootfs(name) -> Path`: the final root filesystem unpacked by `umoci unpack` (oracles);
- `run_caulk(*args, ...) -> CaulkRun`: `python -m caulk.cli.main ARGS` in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.images import build
from tests.images.recipes import RECIPES

__all__ = ["CaulkRun", "run_caulk_subprocess"]

# skip_policy: under CI=true any skip not named in its ALLOWED_SKIPS fails the run;
# tools: `@pytest.mark.tools("rpm")` fails (never skips) when a compared-against tool is missing.
pytest_plugins = ["tests.support.skip_policy", "tests.support.tools"]

REPO = Path(__file__).resolve().parent.parent

# caulk's own caches (layer cache, embedded advisory DB) live beside the test images, never in the
# user's cache; subprocesses inherit this.
os.environ.setdefault("CAULK_CACHE_DIR", str(build.cache_root() / "caulk-cache"))
# A scan never updates its advisory database from the public feeds under test (CI is offline-safe);
# tests of the automatic update turn it on against a server on 127.0.0.1.
os.environ["CAULK_DB_AUTO_UPDATE"] = "false"


@dataclass(frozen=True, slots=True)
class CaulkRun:
    """What one `caulk` invocation did."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __str__(self) -> str:  # handy in assertion messages
        return f"caulk {' '.join(self.args)} -> {self.code}\n{self.stderr}{self.stdout[-2000:]}"


def run_caulk_subprocess(
    *args: str | os.PathLike[str],
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 600,
) -> CaulkRun:
    """Run the CLI as a user would (no TTY, `NO_COLOR`), with this interpreter and venv."""
    argv = tuple(map(str, args))
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "caulk.cli.main", *argv],
        cwd=cwd,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CaulkRun(argv, proc.returncode, proc.stdout, proc.stderr)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "images(*names): needs these real test images (tests/images); implies slow and an "
        "xdist_group per image",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("images")
        if marker is None:
            continue
        unknown = [n for n in marker.args if n not in RECIPES]
        if unknown or not marker.args:
            raise pytest.UsageError(f"{item.nodeid}: unknown test image(s) {unknown or '()'}")
        item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("xdist_group") is None:
            # Derived images build their base first: group by the root of the first image.
            first = RECIPES[marker.args[0]]
            root = first.base or first.name
            item.add_marker(pytest.mark.xdist_group(f"image-{root}"))


@pytest.fixture(scope="session")
def real_image() -> Callable[[str], Path]:
    return build.ensure_image


@pytest.fixture(scope="session")
def image_ref() -> Callable[..., str]:
    return build.image_ref


@pytest.fixture(scope="session")
def image_archive() -> Callable[[str, str], Path]:
    return build.ensure_archive


@pytest.fixture(scope="session")
def image_rootfs() -> Callable[[str], Path]:
    return build.ensure_rootfs


@pytest.fixture(scope="session")
def run_caulk() -> Callable[..., CaulkRun]:
    return run_caulk_subprocess


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO
