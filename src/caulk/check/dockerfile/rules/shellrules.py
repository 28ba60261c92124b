"""Shell rules on RUN: pipefail, cd, curl|sh, wget/curl, pointless commands, RUN merging."""

from __future__ import annotations

import re
from collections.abc import Iterator

from caulk.check.dockerfile import ruleset as cat
from caulk.check.dockerfile.context import Hit, LintContext, Run, register_check
from caulk.check.dockerfile.shell import SHELLS, Command, Script, analyze

__all__: list[str] = []

_PIPEFAIL_SHELLS = frozenset({"bash", "zsh", "ash", "ksh"})
_INTERPRETERS = SHELLS | {"python", "python3", "python2", "perl", "ruby", "node", "php"}
_DOWNLOADERS = frozenset({"curl", "wget", "fetch"})
_POINTLESS = frozenset(
    ["ssh", "vim", "shutdown", "service", "ps", "free", "top", "kill", "mount", "ifconfig", "nano"]
)
_SUBST_PIPE = re.compile(
    r"\b(?:sh|bash|zsh|ash|dash)\b[^|;&\n]*?(?:\$\(|<\(|`)\s*(?:curl|wget)\b", re.M
)


def _sets_pipefail(cmd: Command) -> bool:
    if cmd.name == "set":
        return "pipefail" in cmd.args and cmd.has_flag("o")
    return False


def _errexit(cmd: Command) -> bool:
    return cmd.name == "set" and (cmd.has_flag("e") or "errexit" in cmd.args)


@register_check(cat.PIPEFAIL)
def pipefail(ctx: LintContext) -> Iterator[Hit]:
    runs = {r.instruction.index: r for r in ctx.runs}
    ok = False
    for ins in ctx.instructions:
        if ins.keyword == "FROM":
            ok = False
        elif ins.keyword == "SHELL" and ins.exec_form is not None:
            text = " ".join(ins.exec_form)
            if text.lower().startswith(("pwsh", "powershell", "cmd")):
                ok = True
            else:
                script = analyze(text)
                ok = any(
                    c.name in _PIPEFAIL_SHELLS and c.has_flag("o") and "pipefail" in c.args
                    for c in script.commands
                )
        elif ins.keyword == "RUN" and not ok and ins.index in runs:
            yield from _pipes_without_pipefail(runs[ins.index])


def _pipes_without_pipefail(run: Run) -> Iterator[Hit]:
    if True:
        for script in run.scripts:
            if not script.pipes:
                continue
            first_pipe = min(script.pipes)
            if any(_sets_pipefail(c) and c.start < first_pipe for c in script.commands):
                continue  # `set -o pipefail` (bash, ash, busybox, dash >= 0.5.12) before the pipe
            cmd = next((c for c in script.commands if c.pipeline >= 0), None)
            yield _script_hit(
                run,
                script,
                cat.PIPEFAIL,
                "pipe without pipefail: a failing command before | is ignored",
                cmd,
            )
            return


def _script_hit(run: Run, script: Script, rule: object, msg: str, cmd: Command | None) -> Hit:
    from caulk.check.rules import Rule

    assert isinstance(rule, Rule)
    if cmd is None:
        return Hit(rule, msg, run.instruction)
    return Hit(rule, msg, run.instruction, script, cmd.start, cmd.end)


@register_check(cat.CD, cat.CD_UNCHECKED)
def cd(ctx: LintContext) -> Iterator[Hit]:
    for run in ctx.runs:
        cds = [c for c in run.commands if c.name == "cd"]
        if cds:
            yield run.hit(cat.CD, "cd in RUN: use WORKDIR", cds[0])
        for script in run.scripts:
            errexit_at = min((c.start for c in script.commands if _errexit(c)), default=None)
            for c in script.commands:
                if c.name != "cd" or c.pipeline >= 0 or c.op_after not in (";", "\n"):
                    continue
                if errexit_at is not None and errexit_at < c.start:
                    continue
                yield Hit(
                    cat.CD_UNCHECKED,
                    f"`cd {' '.join(c.args)}` then `{c.op_after.strip() or 'newline'}`: "
                    "if cd fails, the next commands run elsewhere",
                    run.instruction,
                    script,
                    c.start,
                    c.end,
                )
                break


@register_check(cat.CURL_PIPE_SH)
def curl_sh(ctx: LintContext) -> Iterator[Hit]:
    for run in ctx.runs:
        for script in run.scripts:
            hit = _piped_download(script)
            if hit is not None:
                yield Hit(
                    cat.CURL_PIPE_SH,
                    f"{hit[0].name} output is run by {hit[1].name}",
                    run.instruction,
                    script,
                    hit[0].start,
                    hit[1].end,
                )
                break
            m = _SUBST_PIPE.search(script.text)
            if m:
                yield Hit(
                    cat.CURL_PIPE_SH,
                    "a downloaded script is run by a shell",
                    run.instruction,
                    script,
                    m.start(),
                    m.end(),
                )
                break


def _piped_download(script: Script) -> tuple[Command, Command] | None:
    pipelines: dict[int, list[Command]] = {}
    for c in script.commands:
        if c.pipeline >= 0:
            pipelines.setdefault(c.pipeline, []).append(c)
    for cmds in pipelines.values():
        for k, c in enumerate(cmds):
            if c.name not in _DOWNLOADERS:
                continue
            for later in cmds[k + 1 :]:
                name = later.name
                if name == "sudo" and later.args:
                    name = later.args[0].rsplit("/", 1)[-1]
                if name in _INTERPRETERS:
                    return c, later
    return None


@register_check(cat.WGET_PROGRESS, cat.CURL_AND_WGET, cat.POINTLESS_CMD, cat.SH_SYMLINK)
def tools(ctx: LintContext) -> Iterator[Hit]:
    used: dict[int, set[str]] = {}
    for run in ctx.runs:
        for cmd in run.commands:
            if cmd.name != "wget":
                continue
            if cmd.has_flag(
                "progress", "q", "quiet", "o", "output-file", "a", "append-output", "no-verbose"
            ) or cmd.has_arg("-nv"):
                continue
            yield run.hit(cat.WGET_PROGRESS, "wget without -q/-nv/--progress", cmd)
            break
        tools_here = {c.name for c in run.commands if c.name in ("curl", "wget")}
        stage_tools = used.setdefault(run.stage, set())
        stage_tools |= tools_here
        if tools_here and len(stage_tools) >= 2:
            yield run.hit(cat.CURL_AND_WGET, "this stage uses both wget and curl")
        for cmd in run.commands:
            if cmd.name in _POINTLESS:
                yield run.hit(cat.POINTLESS_CMD, f"`{cmd.name}` makes no sense in a build", cmd)
                break
        for cmd in run.commands:
            if cmd.name == "ln" and "/bin/sh" in cmd.args:
                yield run.hit(cat.SH_SYMLINK, "RUN ln … /bin/sh: use SHELL instead", cmd)
                break


@register_check(cat.CONSECUTIVE_RUN)
def consecutive(ctx: LintContext) -> Iterator[Hit]:
    runs = {r.instruction.index: r for r in ctx.runs if r.instruction.keyword == "RUN"}
    prev: tuple[tuple[tuple[str, str | None], ...], int] | None = None
    for ins in ctx.instructions:
        run = runs.get(ins.index)
        if run is None:
            prev = None
            continue
        flags = tuple(sorted((f.name, f.value) for f in ins.flags))
        count = len(run.commands)
        # hadolint's intent: only single-command RUNs; chains (&&, |) are split on purpose
        if prev is not None and prev[0] == flags and count <= 1 and prev[1] <= 1:
            yield Hit(cat.CONSECUTIVE_RUN, "RUN right after a RUN: merge them with &&", ins)
        prev = (flags, count)
