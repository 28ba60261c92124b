"""The parser: exact spans, directives, continuations, heredocs, forms, flags, stages, bad input."""

from __future__ import annotations

import pytest

from caulk.check.dockerfile.parser import parse
from caulk.check.dockerfile.words import expand
from tests.unit.check.dockerfile.helpers import DEV_FIXTURES, run_lint


def test_spans_and_continuations_with_comments() -> None:
    df = parse(
        "FROM alpine:3.19 AS build\n"
        "  RUN apk add \\\n"
        "# a comment inside the continuation\n"
        "\n"
        "      curl \\\n"
        "      git\n"
        "COPY --from=build --chown=1:1 --chmod=755 --link a b\n"
    )
    run = df.instructions[1]
    assert run.keyword == "RUN"
    assert (run.span.line, run.span.column, run.span.end_line) == (2, 3, 6)
    assert run.args == "apk add       curl       git"
    assert run.position(run.args.index("curl")) == (5, 7)
    assert run.position(run.args.index("git")) == (6, 7)
    assert [c.line for c in df.comments] == [3]
    copy = df.instructions[2]
    assert [(f.name, f.value) for f in copy.flags] == [
        ("from", "build"), ("chown", "1:1"), ("chmod", "755"), ("link", None)
    ]  # fmt: skip
    assert copy.rest == "a b"


def test_backtick_escape_directive_and_windows_paths() -> None:
    df = parse(
        "# escape=`\n# syntax=docker/dockerfile:1\n"
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
        "RUN dir c:\\ `\n  && echo done\n"
    )
    assert df.escape == "`"
    assert ("syntax", "docker/dockerfile:1") in df.directives
    run = df.instructions[1]
    assert run.args == "dir c:\\   && echo done"
    assert run.span.end_line == 5


def test_directive_after_comment_is_a_comment() -> None:
    df = parse("# hello\n# escape=`\nFROM scratch\n")
    assert df.escape == "\\"
    assert df.directives == ()


def test_heredocs_several_strip_tabs_and_quoted() -> None:
    df = parse(
        "FROM debian:12\n"
        "RUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n"
        "COPY <<-EOT /a <<'RAW' /b\n\tindented $X\n\tEOT\nkeep $Y\nRAW\n"
        "USER 1000\n"
    )
    run, copy, user = df.instructions[1:4]
    assert run.heredocs[0].body == "apt-get update\napt-get install -y curl\n"
    assert run.heredocs[0].line == 3
    assert (run.span.line, run.span.end_line) == (2, 5)
    a, b = copy.heredocs
    assert (a.delimiter, a.strip_tabs, a.expand, a.body) == ("EOT", True, True, "indented $X\n")
    assert (b.delimiter, b.expand, b.body) == ("RAW", False, "keep $Y\n")
    assert user.span.line == 11 and not df.problems


def test_heredoc_script_is_analyzed_with_file_positions() -> None:
    result = run_lint(
        """
        FROM debian:12
        RUN <<EOF
        set -e
        apt-get update
        apt-get install -y curl
        EOF
        USER 1000
        """
    )
    pin = [f for f in result.findings if f.rule_id == "CK-DF-040"]
    assert pin and pin[0].location.line == 5 and pin[0].location.column == 1


def test_exec_and_shell_forms_and_invalid_json() -> None:
    df = parse(
        'FROM a:1\nCMD ["nginx", "-g", "daemon off;"]\nENTRYPOINT [bad json]\nRUN ["a", 1]\n'
    )
    cmd, ent, run = df.instructions[1:]
    assert cmd.exec_form == ("nginx", "-g", "daemon off;")
    assert ent.exec_form is None and ent.json_error
    assert run.exec_form is None and run.json_error == "not an array of strings"
    assert not df.problems  # BuildKit runs these as shell strings; a rule reports it
    assert "CK-DF-002" in {f.rule_id for f in run_lint(b"FROM a:1\nCMD [unterminated\n").findings}


def test_arg_env_substitution_and_stage_references() -> None:
    df = parse(
        "ARG REG=ghcr.io\nARG TAG\nARG BASE=${REG}/acme/base:${TAG:-1.2}\n"
        "FROM ${BASE} AS Builder\nFROM builder\nfrom scratch\n"
        "copy --from=BUILDER /x /x\n"
    )
    s0, s1, s2 = df.stages
    assert s0.base.text == "ghcr.io/acme/base:1.2" and s0.base.registry == "ghcr.io"
    assert s0.name == "builder" and s1.parent == 0 and s2.is_scratch
    assert df.instructions[-1].keyword == "COPY" and df.instructions[-1].raw_keyword == "copy"
    assert [p.key for p in df.global_args] == ["REG", "TAG", "BASE"]


def test_deeply_nested_substitution_is_bounded() -> None:
    text = "${A:-" * 500 + "x" + "}" * 500
    value, resolved = expand(text, {})
    assert not resolved and isinstance(value, str)
    assert parse(f"ARG X={text}\nFROM {text}\n").stages  # no RecursionError


def test_onbuild_shell_and_env_forms() -> None:
    df = parse(
        'FROM a:1\nONBUILD RUN apt-get install -y curl\nSHELL ["pwsh", "-Command"]\n'
        'ENV A=1 B="two words" C=3\nENV LEGACY value with spaces\nLABEL "x.y"="z"\n'
    )
    onbuild = df.instructions[1]
    assert onbuild.inner is not None and onbuild.inner.keyword == "RUN"
    assert onbuild.inner.args == "apt-get install -y curl"
    assert [(p.key, p.value) for p in df.instructions[3].pairs] == [
        ("A", "1"), ("B", "two words"), ("C", "3")
    ]  # fmt: skip
    assert df.instructions[4].pairs[0].value == "value with spaces"
    assert df.instructions[5].pairs[0].key == "x.y"


def test_powershell_shell_turns_shell_analysis_off() -> None:
    text = """
    FROM mcr.microsoft.com/powershell:7.4
    SHELL ["pwsh", "-Command"]
    RUN iwr https://x | iex ; cd foo
    USER 1000
    """
    found = {f.rule_id for f in run_lint(text).findings}
    assert not found & {"CK-DF-080", "CK-DF-081", "CK-DF-083"}


def test_crlf_line_endings() -> None:
    df = parse(b"FROM alpine:3\r\nRUN apk add \\\r\n  curl\r\nUSER 1\r\n")
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN", "USER"]
    assert df.instructions[1].args == "apk add   curl"
    assert df.instructions[1].span.end_column == 7


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"\n\n# only a comment\n", "no instructions"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary file"),
        (b"FROM a:1\nRUN <<EOF\necho never closed\n", "unterminated heredoc"),
        (b'FROM a:1\nSHELL ["/bin/sh", "-c"\n', "SHELL JSON array is invalid"),
        (b"FROM a:1\nFROBNICATE now\n", "unknown instruction 'FROBNICATE'"),
        (b"FROM a:1\nRUN echo \xff\xfe\n", "not valid UTF-8"),
        (b"FROM a:1\nENV\n", "ENV requires at least one argument"),
    ],
)
def test_bad_input_becomes_a_finding(data: bytes, message: str) -> None:
    result = run_lint(data)
    syntax = [f for f in result.findings if f.rule_id == "CK-DF-001"]
    assert syntax, result.findings
    assert any(message in f.message for f in syntax), [f.message for f in syntax]
    assert all(f.location.line for f in syntax)


def test_unknown_instruction_has_exact_position() -> None:
    result = run_lint(b"FROM a:1\n  FROBNICATE now\n")
    f = next(f for f in result.findings if f.rule_id == "CK-DF-001")
    loc = f.location
    assert (loc.line, loc.column, loc.end_line, loc.end_column) == (2, 3, 2, 13)


@pytest.mark.slow
def test_ten_megabyte_dockerfile_is_linted() -> None:
    line = b"RUN echo " + b"x" * 90 + b" | tee -a /log && cd /tmp\n"
    data = b"FROM alpine:3.19\n" + line * (10 * 1024 * 1024 // len(line))
    result = run_lint(data)  # ~35 s on the shared 2-core dev machine; no timing asserted here
    assert len(data) >= 10 * 1024 * 1024 - len(line)
    assert any(f.rule_id == "CK-DF-080" for f in result.findings)


def test_every_dev_fixture_parses() -> None:
    files = sorted(DEV_FIXTURES.glob("*.Dockerfile"))
    assert len(files) >= 25
    for path in files:
        df = parse(path.read_bytes())
        if path.name == "0289.Dockerfile":  # a jq template, not a Dockerfile
            assert df.problems
            continue
        assert not df.problems, (path.name, df.problems)
        assert df.stages, path.name
