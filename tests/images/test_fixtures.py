"""The shared fixtures: image references per transport, the CLI runner, the cache under xdist."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, CaulkRun

_CHILD = """
import logging, sys
logging.basicConfig(level=logging.INFO, format="%(message)s")
from tests.images.build import ensure_image
print(ensure_image(sys.argv[1]))
"""


def test_run_caulk_reports_exit_code_and_streams(run_caulk: Callable[..., CaulkRun]) -> None:
    version = run_caulk("--version")
    assert version.code == 0 and "caulk" in version.stdout, version
    bad = run_caulk("scan", "no-such-transport:/nowhere")
    assert bad.code in (2, 3) and bad.stderr.startswith("caulk: "), bad
    assert "Traceback" not in bad.stderr


@pytest.mark.images("bookworm-layers")
def test_image_refs_per_transport(image_ref: Callable[..., str]) -> None:
    oci = image_ref("bookworm-layers")
    assert oci.startswith("oci:/") and oci.endswith("/oci:latest")
    assert Path(oci[4:].removesuffix(":latest"), "index.json").is_file()
    for transport in ("docker-archive", "oci-archive"):
        ref = image_ref("bookworm-layers", transport)
        assert ref.startswith(f"{transport}:/") and Path(ref.split(":", 1)[1]).is_file()
    rootfs = Path(image_ref("bookworm-layers", "dir").removeprefix("dir:"))
    assert (rootfs / "usr/local/bin/rootshell").stat().st_mode & 0o4000


@pytest.mark.images("bookworm-layers")
def test_scan_through_the_runner(
    image_ref: Callable[..., str], run_caulk: Callable[..., CaulkRun]
) -> None:
    result = run_caulk("-q", "scan", "-f", "json", image_ref("bookworm-layers"))
    assert result.code == 0, result
    assert result.json()["target"]["layerCount"] == 5


@pytest.mark.images("bookworm")
def test_parallel_builders_build_once(real_image: Callable[[str], Path], tmp_path: Path) -> None:
    """Three processes want the same image in a fresh cache: one builds, the others wait."""
    entry = real_image("bookworm").parent
    cache = tmp_path / "cache"
    shutil.copytree(entry / "oci", cache / "images" / entry.name / "oci")  # seed the base image
    env = {**os.environ, "CAULK_TEST_CACHE": str(cache)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, "bookworm-umoci-insert"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert len({out.strip() for out, _err in outputs}) == 1
    builds = sum(err.count("building test image bookworm-umoci-insert") for _out, err in outputs)
    assert builds == 1, outputs
    assert sum("building test image bookworm " in err for _out, err in outputs) == 0
    names = sorted(p.name for p in (cache / "images").iterdir())
    assert len(names) == 2 and not any(n.startswith(".tmp-") for n in names), names
