"""`caulk registry lifecycle`'s table and JSON are golden files: preview, and an --apply that
deleted, found gone, refused and failed."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from caulk.policy.lifecycle import Action
from caulk.policy.lifecycle.interface import Decision, Plan
from caulk.registry.lifecycle import ApplyReport, RepositoryFacts
from caulk.report.lifecycle import render_lifecycle

GOLDEN = Path(__file__).parent / "golden"
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def _digest(n: int) -> str:
    return "sha256:" + f"{n:x}" * 64


OLD = Decision(_digest(1), ("v1", "release"), NOW - dt.timedelta(days=40), False, Action.EXPIRE,
               1, "older than 30 days")  # fmt: skip
GUESSED = Decision(_digest(2), (), NOW - dt.timedelta(days=35), True, Action.EXPIRE, 2,
                   "untagged, over 1 image")  # fmt: skip
NEW = Decision(_digest(3), ("latest",), NOW - dt.timedelta(days=1), False, Action.KEEP, None,
               "no rule matched \x1b]0;x\x07")  # fmt: skip
SIG = Decision(_digest(4), ("sha256-" + "1" * 64 + ".sig",), None, False, Action.EXPIRE, None,
               "its subject expires", kind="signature", subject=_digest(1))  # fmt: skip
PLAN = Plan(NOW, (OLD, GUESSED, NEW, SIG))
FACTS = RepositoryFacts(
    "127.0.0.1:5000",
    "team/app",
    (),
    (),
    notes=("2 image(s) untagged",),
    index_children=((_digest(3), (_digest(2),)),),
)
APPLIED = ApplyReport(deleted=(OLD,), already_gone=(SIG,), refused=((GUESSED, "gained a tag"),))
FAILED = ApplyReport(deleted=(OLD,), failed=(GUESSED, "HTTP 500"), remaining=(SIG,))
CASES = {"preview": None, "applied": APPLIED, "failed": FAILED}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_lifecycle_golden(case: str, fmt: str) -> None:
    out = render_lifecycle(fmt, FACTS, PLAN, CASES[case])
    golden = GOLDEN / f"lifecycle-{case}.{'txt' if fmt == 'table' else 'json'}"
    if os.environ.get("CAULK_UPDATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
