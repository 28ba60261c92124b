"""Dockerfiles and lint rules built to exhaust memory or CPU (issue 9, items 3 and 18): each runs
`caulk lint` in a subprocess under an address-space cap and a timeout, so a regression fails."""

from __future__ import annotations

import json
from pathlib import Path

from caulk.check.dockerfile.parser import parse
from caulk.check.dockerfile.words import MAX_EXPANDED
from tests.support.limits import run_cli

# Each ARG doubles the previous: 2**40 bytes of base image name from an ~800-byte file.
DOUBLING = (
    "ARG A0=xxxxxxxxxxxxxxxx\n"
    + "".join(f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}\n" for i in range(1, 41))
    + "FROM debian:${A40}\nRUN true\n"
)


def test_doubling_args_stay_bounded_and_unresolved() -> None:
    df = parse(DOUBLING)
    (stage,) = df.stages
    assert not stage.resolved
    assert len(stage.base_raw) < 100


def test_lint_of_doubling_args_runs_in_bounded_memory(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOUBLING)
    assert len(DOUBLING) < 1000 and MAX_EXPANDED < 1 << 20
    run = run_cli("lint", "-f", "json", dockerfile, cwd=tmp_path, memory_mb=1024, timeout=120)
    assert not run.timed_out and run.rc in (0, 1), run
    assert "Traceback" not in run.stderr, run


def test_catastrophic_user_regex_is_cut_by_its_budget_and_reported(tmp_path: Path) -> None:
    """Issue 9 item 18: `(x+x+)+y` against 5,000 x's backtracks for longer than the universe."""
    (tmp_path / "rules.yaml").write_text(
        "rules:\n  - {id: ACME-1, severity: high, title: slow, instruction: RUN,"
        " regex: '(x+x+)+y'}\n  - {id: ACME-2, severity: low, title: fast, regex: 'x{3}'}\n"
    )
    (tmp_path / ".caulk.yaml").write_text("lint: {rules: [rules.yaml]}\n")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:12\nRUN echo " + "x" * 5000 + "\n")
    run = run_cli("lint", "-f", "json", dockerfile, cwd=tmp_path, memory_mb=1024, timeout=120)
    assert not run.timed_out and run.rc == 1, run
    findings = json.loads(run.stdout)["files"][0]["findings"]
    slow = [f for f in findings if f["rule_id"] == "ACME-1"]
    assert len(slow) == 1 and "skipped" in slow[0]["message"], findings
    assert "time" in slow[0]["message"] or " s " in slow[0]["message"]
    assert any(f["rule_id"] == "ACME-2" for f in findings)  # the other rules still ran


def test_deep_json_form_is_a_problem_not_a_crash() -> None:
    """`RUN [[[[…` 5,000 deep raised RecursionError out of the parser (exit 3)."""
    df = parse("FROM debian:12\nRUN " + "[" * 5000 + "]" * 5000 + "\n")
    run = df.instructions[1]
    assert run.exec_form is None and run.json_error and "nested more than" in run.json_error
