"""caulk against the real dockerfile_lint 0.3.4 (npm, installed once into the test cache): the same
findings (level and message) for every upstream sample profile on every dev-fixture Dockerfile.

The one documented difference: upstream's `openshift.yaml` writes `defined_namevals` as a list,
which dockerfile_lint silently ignores and caulk reads as the mapping it means, so caulk also
reports the missing `io.openshift.*` labels. `recommended_label_rules.yaml` is refused (see
tests/unit/check/dockerfile/test_dockerfile_lint_profiles.py)."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from caulk.check.dockerfile import LintConfig
from caulk.check.dockerfile.custom import load_rule_file
from tests.images.build import cache_root
from tests.unit.check.dockerfile.helpers import DEV_FIXTURES, run_lint

PROFILES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "dockerfile_lint"
VERSION = "0.3.4"
_LEVEL = {"HIGH": "error", "MEDIUM": "warn", "LOW": "info"}


@pytest.fixture(scope="session")
def dockerfile_lint() -> Path:
    root = cache_root() / f"dockerfile_lint-{VERSION}"
    binary = root / "node_modules" / ".bin" / "dockerfile_lint"
    lock = cache_root() / "locks" / "dockerfile_lint.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        if not binary.exists():
            work = root.with_name(root.name + ".tmp")
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            subprocess.run(
                ["npm", "install", "--silent", "--ignore-scripts", "--no-audit", "--no-fund",
                 f"dockerfile_lint@{VERSION}"],
                cwd=work, check=True,
            )  # fmt: skip
            work.rename(root)
    return binary


def _theirs(binary: Path, dockerfile: Path, profile: Path) -> Counter[tuple[str, str]]:
    out = subprocess.run(
        [str(binary), "-j", "-f", str(dockerfile), "-r", str(profile)],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    doc = json.loads(out)
    return Counter(
        (level, str(item.get("message")))
        for level in ("error", "warn", "info")
        for item in doc[level]["data"]
    )


def _ours(dockerfile: Path, profile: Path) -> Counter[tuple[str, str]]:
    rules = load_rule_file(profile)
    ids = {r.id for r in rules}
    found = run_lint(dockerfile.read_bytes(), LintConfig(custom_rules=tuple(rules))).findings
    return Counter(
        (
            _LEVEL.get(f.severity.name, f.severity.name),
            "Invalid parameters for command." if f.rule_id.endswith("-syntax") else f.message,
        )
        for f in found
        if f.rule_id in ids
    )


@pytest.mark.parametrize(
    "profile",
    sorted(p.name for p in PROFILES.glob("*.yaml") if p.name != "recommended_label_rules.yaml"),
)
def test_findings_equal_dockerfile_lint(dockerfile_lint: Path, profile: str) -> None:
    differ = {}
    files = [p for p in sorted(DEV_FIXTURES.glob("*.Dockerfile")) if p.name != "0289.Dockerfile"]
    for dockerfile in files:
        theirs = _theirs(dockerfile_lint, dockerfile, PROFILES / profile)
        ours = _ours(dockerfile, PROFILES / profile)
        if profile == "openshift.yaml":
            extra = ours - theirs
            assert all("name/key 'io.openshift." in msg for _, msg in extra), extra
            ours -= extra
        if ours != theirs:
            differ[dockerfile.name] = (dict(theirs - ours), dict(ours - theirs))
    assert not differ, differ
    assert len(files) == 27
