"""Shell analysis: the tokenizer agrees with bashlex on real RUNs and reads what bashlex cannot."""

from __future__ import annotations

from caulk.check.dockerfile.parser import parse
from caulk.check.dockerfile.shell import analyze, command_of_exec
from tests.unit.check.dockerfile.bashlex_reference import bashlex_commands
from tests.unit.check.dockerfile.helpers import DEV_FIXTURES


def _runs() -> list[str]:
    out = []
    for path in sorted(DEV_FIXTURES.glob("*.Dockerfile")):
        for ins in parse(path.read_bytes()).instructions:
            if ins.keyword == "RUN" and ins.exec_form is None:
                out.append(ins.rest)
    return out


def test_tokenizer_matches_bashlex_on_every_fixture_run_bashlex_parses() -> None:
    compared = 0
    for text in _runs():
        try:
            b_commands, b_pipes = bashlex_commands(text)
        except Exception:  # bashlex raises many types; it fails on ~7% of real RUNs
            continue  # the tokenizer is all there is
        t = analyze(text)
        assert [(c.name, c.args) for c in t.commands] == [(c.name, c.args) for c in b_commands]
        assert len(t.pipes) == len(b_pipes), text
        compared += 1
    assert compared >= 40


def test_commands_operators_pipelines_and_substitutions() -> None:
    s = analyze(
        'set -e; cd /src && VAR=1 /usr/bin/apt-get install -y "a b" | tee log\n'
        "for x in 1 2; do echo $x; done; y=$(curl -fsSL https://x | sh) || true"
    )
    names = [c.name for c in s.commands]
    assert names == ["set", "cd", "apt-get", "tee", "echo", "curl", "sh", "true"]
    apt = s.commands[2]
    assert apt.args == ("install", "-y", "a b") and apt.has_flag("y")
    assert apt.pipeline == s.commands[3].pipeline >= 0
    assert s.commands[1].op_after == "&&" and s.commands[0].op_after == ";"
    assert len(s.pipes) == 2


def test_flags_follow_hadolint() -> None:
    cmd = analyze("apk add -t .deps --virtual=.x --no-cache curl=8.0 git").commands[0]
    assert cmd.has_flag("no-cache") and cmd.has_flag("t") and cmd.has_flag("virtual")
    assert cmd.positional(("t",)) == ["add", "curl=8.0", "git"]


def test_exec_form_and_sh_c() -> None:
    assert command_of_exec(("apt-get", "install", "x")).commands[0].args == ("install", "x")
    s = command_of_exec(("/bin/sh", "-c", "curl x | sh"))
    assert [c.name for c in s.commands] == ["curl", "sh"] and s.pipes


def test_unbalanced_input_never_raises() -> None:
    for text in ['echo "unterminated', "echo $(", "case x in", "((", "`", "a && && b", "|"]:
        analyze(text)
