"""Readers for the checked-in version corpora in tests/fixtures/versions."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
VERSIONS = FIXTURES / "versions"
ADVISORIES = FIXTURES / "advisories"
SHARED_ADVISORIES = Path(__file__).resolve().parents[4] / "shared" / "data" / "advisories"
if not SHARED_ADVISORIES.is_dir():
    SHARED_ADVISORIES = Path("/work/shared/data/advisories")
SIGN = {"<": -1, "=": 0, ">": 1}


def pairs(name: str) -> list[tuple[str, str, int]]:
    """`a op b` lines → (a, b, expected sign)."""
    out = []
    for line in (VERSIONS / name).read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        a, op, b = line.split()
        out.append((a, b, SIGN[op]))
    return out


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def run_text(args: list[str], stdin: str) -> str:
    return subprocess.run(args, input=stdin, check=True, capture_output=True, text=True).stdout
