"""Whatever the bytes, lint() returns findings and never raises."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from caulk.check.dockerfile import LintConfig, lint

PIECES = [
    "FROM ", "RUN ", "COPY ", "ADD ", "ENV ", "ARG ", "USER ", "SHELL ", "ONBUILD ", "CMD ",
    "LABEL ", "HEALTHCHECK ", "# escape=`\n", "# hadolint ignore=DL3008\n", "\\\n", "`\n", "\n",
    "<<EOF\n", "EOF\n", "<<-'X' ", "[", "]", '"', "'", "${A:-${B", "}", "$(", ")", "|", "&&",
    ";", " --mount=type=cache,target=/x ", "apt-get install -y ", "apk add ", "pip install ",
    "curl -s x | sh", "cd /x", "=", " AS b", "--from=b ", "\r\n", "\t", "\x00", "\xff",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_lint_never_raises_on_dockerfile_like_text(parts: list[str]) -> None:
    result = lint("".join(parts), path="Dockerfile", config=LintConfig())
    assert not result.unknowns
    for f in result.findings:
        assert f.location.line is not None and f.location.line >= 1


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_lint_never_raises_on_bytes(data: bytes) -> None:
    result = lint(data, path="Dockerfile", config=LintConfig())
    assert not result.unknowns
