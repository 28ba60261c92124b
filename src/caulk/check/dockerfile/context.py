"""What every rule sees: the parsed Dockerfile, the shell analysis of each RUN (including
`ONBUILD RUN`), the lint configuration, and `Hit`s — rule violations not yet turned into
findings (the engine adds locations, pragmas and severity overrides)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from caulk.check.dockerfile.shell import SHELLS, Command, Script, analyze, command_of_exec
from caulk.check.dockerfile.syntax import Dockerfile, Instruction, Stage, shift_segments
from caulk.check.rules import Checks, Rule

if TYPE_CHECKING:
    from caulk.check.dockerfile.config import LintConfig

__all__ = ["Check", "Hit", "LintContext", "Run", "checks", "register_check"]

_NON_POSIX = ("pwsh", "powershell", "cmd")
_HEREDOC_MASK = re.compile(r"(?<![<\w])<<-?[ \t]*(?:\"[^\"\s]+\"|'[^'\s]+'|[A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True, slots=True)
class Hit:
    rule: Rule
    message: str
    instruction: Instruction | None = None  # None: the whole file (line 1)
    script: Script | None = None  # with start/end: a precise span inside a RUN
    start: int = 0
    end: int = 0
    line: int | None = None  # explicit line (e.g. a comment)
    docs_url: str | None = None  # custom rules name their own page


@dataclass(frozen=True, slots=True)
class Run:
    """One RUN (or ONBUILD RUN): `instruction` is what the file shows (the ONBUILD line)."""

    instruction: Instruction
    run: Instruction
    scripts: tuple[Script, ...]
    stage: int
    posix: bool = True
    commands: tuple[Command, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "commands", tuple(c for s in self.scripts for c in s.commands))

    def hit(self, rule: Rule, message: str, cmd: Command | None = None) -> Hit:
        if cmd is not None:
            for s in self.scripts:
                if cmd in s.commands:
                    return Hit(rule, message, self.instruction, s, cmd.start, cmd.end)
        return Hit(rule, message, self.instruction)


@dataclass
class LintContext:
    dockerfile: Dockerfile
    config: LintConfig
    runs: list[Run] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.runs = list(self._runs())

    @property
    def instructions(self) -> tuple[Instruction, ...]:
        return self.dockerfile.instructions

    @property
    def stages(self) -> tuple[Stage, ...]:
        return self.dockerfile.stages

    def runs_at(self, index: int) -> list[Run]:
        """The RUN analysis of instruction `index` (empty unless it is a RUN / ONBUILD RUN)."""
        if not hasattr(self, "_by_index"):
            self._by_index: dict[int, list[Run]] = {}
            for r in self.runs:
                self._by_index.setdefault(r.instruction.index, []).append(r)
        return self._by_index.get(index, [])

    def stage_runs(self, stage: int) -> list[Run]:
        return [r for r in self.runs if r.stage == stage]

    def effective(self) -> Iterator[tuple[Instruction, Instruction]]:
        """(shown, effective) for every instruction: ONBUILD X yields (ONBUILD line, X)."""
        for ins in self.instructions:
            yield ins, ins
            if ins.inner is not None:
                yield ins, ins.inner

    def _runs(self) -> Iterator[Run]:
        posix = True
        for ins in self.instructions:
            if ins.keyword == "FROM":
                posix = True
            elif ins.keyword == "SHELL" and ins.exec_form:
                exe = ins.exec_form[0].rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()
                posix = not exe.startswith(_NON_POSIX)
            run = ins.inner if ins.keyword == "ONBUILD" and ins.inner is not None else ins
            if run.keyword != "RUN":
                continue
            scripts = _scripts(run) if posix else ()
            yield Run(ins, run, scripts, ins.stage, posix)


def _scripts(run: Instruction) -> tuple[Script, ...]:
    if run.exec_form is not None:
        return (command_of_exec(run.exec_form),)
    segments = tuple(shift_segments(run.segments, run.rest_offset))
    text = run.rest
    if not run.heredocs:
        return (analyze(text, segments),)
    masked = _HEREDOC_MASK.sub(lambda m: " " * len(m.group(0)), text)
    out: list[Script] = []
    main = analyze(masked, segments) if masked.strip() else None
    if main is not None:
        out.append(main)
    feeds_shell = main is None or (bool(main.commands) and main.commands[0].name in SHELLS)
    if feeds_shell:
        for doc in run.heredocs:
            lines = doc.body.split("\n")
            segs, off = [], 0
            for k, ln in enumerate(lines):
                segs.append((off, doc.line + k, 1))
                off += len(ln) + 1
            out.append(analyze(doc.body, tuple(segs)))
    return tuple(out)


Check = Callable[[LintContext], Iterable[Hit]]
_CHECKS: Checks[LintContext, Hit] = Checks()


def register_check(*rules: Rule) -> Callable[[Check], Check]:
    """Decorator: `fn` may produce hits of `rules` (skipped when they are all off)."""
    return _CHECKS.register(*rules)


def checks() -> Checks[LintContext, Hit]:
    from caulk.check.dockerfile import rules  # noqa: F401 - registers the built-in checks

    return _CHECKS
