"""Fuzz (issue 9): `lint` on real Dockerfiles mutated line by line (the red team's ARG doubling
among the seeds, kept small enough to stay in process), and `load_config` on hostile lint
configurations (a repository under lint is untrusted): findings or a one-line caulk `Error`,
never another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import example, given

from caulk.check.dockerfile import LintConfig, lint, load_config
from tests.support.fuzz import FUZZ, clean, text_documents

DEV = Path(__file__).resolve().parents[3] / "fixtures" / "dockerfiles" / "dev"
SEEDS = [p.read_text(errors="replace") for p in sorted(DEV.glob("*.Dockerfile"))[:12]]
ARG_DOUBLING = (
    "ARG A0=xxxxxxxx\n"
    + "".join(f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}\n" for i in range(1, 17))
    + "FROM debian:12\nARG A16\nRUN echo ${A16}\n"
)  # 512 KiB if expanded unbounded
CONFIG = (
    "ignored: [DL3008, DL3009]\n"
    "failure-threshold: warning\n"
    "trustedRegistries: [docker.io, registry.example:5000]\n"
    "override:\n  error: [DL3001]\n  info: [DL3032]\n"
    "label-schema:\n  maintainer: text\n  org.opencontainers.image.created: rfc3339\n"
    "strict-labels: true\n"
)


@FUZZ
@given(text_documents([*SEEDS, ARG_DOUBLING]))
@example(ARG_DOUBLING)
def test_mutated_real_dockerfiles_lint_cleanly(text: str) -> None:
    clean(lambda: lint(text, path="Dockerfile", config=LintConfig()))


@FUZZ
@given(text_documents([CONFIG]))
@example("rules: [/etc/passwd]\n")
@example("rules: [../../../../etc/shadow]\n")
@example("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nignored: [*c, *c]\n")
def test_hostile_lint_configs_fail_cleanly(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ".hadolint.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        clean(lambda: load_config(path))
