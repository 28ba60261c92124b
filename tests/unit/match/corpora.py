"""Readers for the checked-in version corpora in tests/fixtures/versions."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.tools import shared_advisories

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
VERSIONS = FIXTURES / "versions"
ADVISORIES = FIXTURES / "advisories"
SHARED_ADVISORIES = shared_advisories()
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


def run_text(args: list[str], stdin: str) -> str:
    return subprocess.run(args, input=stdin, check=True, capture_output=True, text=True).stdout
