"""Shell analysis of `RUN`: the simple commands (with their words and offsets), how they are
chained (`&&`, `;`, `|`…) and which pipelines they belong to.

Two parsers produce the same `Script`: a linear tokenizer (`shelltokens`, the default: 0.3 s
for the 687 RUNs of the dev corpus) and bashlex (3 s for the same RUNs, and it fails on about 7%
of them, which then go through the tokenizer). Rules never see which one ran.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Command", "Script", "Word", "analyze", "command_of_exec"]

log = logging.getLogger(__name__)

_BASHLEX_LIMIT = 64 * 1024  # longer scripts go straight to the tokenizer (bounded time)
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"})


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # quotes removed
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # basename of the command word: /usr/bin/apt-get -> apt-get
    words: tuple[Word, ...]  # arguments after the name
    start: int
    end: int
    pipeline: int = -1  # id shared by the commands of one pipeline (-1: not in a pipe)
    op_after: str | None = None  # "&&", "||", ";", "&", "\n" or None (last, or inside a pipe)
    args: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "args", tuple(w.text for w in self.words))

    # hadolint-compatible flag helpers: `-abc` is flags a, b, c; `--name=value` is flag name.
    def flags(self) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for k, a in enumerate(self.args):
            if a in ("-", "--") or not a.startswith("-"):
                continue
            if a.startswith("--"):
                out.append((a[2:].split("=", 1)[0], k))
            else:
                out.extend((ch, k) for ch in a[1:])
        return out

    def has_flag(self, *names: str) -> bool:
        return any(f in names for f, _ in self.flags())

    def has_arg(self, *values: str) -> bool:
        return any(a in values for a in self.args)

    def positional(self, drop_value_of: tuple[str, ...] = ()) -> list[str]:
        """Arguments that are not flags, without the value following a flag in `drop_value_of`."""
        skip: set[int] = set()
        flags = self.flags()
        flag_idx = {k for _, k in flags}
        for name, k in flags:
            if name in drop_value_of:
                skip.add(k + 1)
        return [a for k, a in enumerate(self.args) if k not in flag_idx and k not in skip]

    def subcommand(self) -> str | None:
        pos = self.positional()
        return pos[0] if pos else None


@dataclass(frozen=True, slots=True)
class Script:
    text: str
    commands: tuple[Command, ...]
    pipes: tuple[int, ...]  # offsets of `|` operators
    parser: str  # "bashlex" or "tokens"
    segments: tuple[tuple[int, int, int], ...] = ()  # (offset, line, column) into the file

    def position(self, offset: int) -> tuple[int, int] | None:
        if not self.segments:
            return None
        best = self.segments[0]
        for seg in self.segments:
            if seg[0] > offset:
                break
            best = seg
        return best[1], best[2] + max(0, offset - best[0])

    def named(self, *names: str) -> list[Command]:
        return [c for c in self.commands if c.name in names]


def analyze(
    text: str, segments: tuple[tuple[int, int, int], ...] = (), *, parser: str = "tokens"
) -> Script:
    """Parse a shell script; never raises. `parser="tokens"` (the default) is the linear
    tokenizer; `parser="bashlex"` uses bashlex first (about 10x slower; both agree on every
    command and pipe of the dev corpus, see tests/unit/check/dockerfile/test_shell.py)."""
    if parser == "bashlex" and len(text) <= _BASHLEX_LIMIT and text.strip():
        try:
            commands, pipes = _Bashlex(text).run()
            return Script(text, commands, pipes, "bashlex", segments)
        except Exception as exc:  # noqa: BLE001 - bashlex raises many types on odd input
            log.debug("bashlex failed (%s); using the tokenizer", exc)
    from caulk.check.dockerfile.shelltokens import tokenize_commands

    commands, pipes = tokenize_commands(text)
    return Script(text, commands, pipes, "tokens", segments)


def command_of_exec(argv: tuple[str, ...], *, parser: str = "tokens") -> Script:
    """The exec form `RUN ["cmd", "arg"]`: one command, or the script of `["sh", "-c", "…"]`."""
    if (
        len(argv) >= 3
        and _basename(argv[0]) in SHELLS
        and argv[1].startswith("-")
        and ("c" in argv[1])
    ):
        return analyze(argv[2], parser=parser)
    if not argv:
        return Script("", (), (), "exec")
    words, pos = [], 0
    for a in argv[1:]:
        words.append(Word(a, pos, pos + len(a)))
        pos += len(a) + 1
    cmd = Command(_basename(argv[0]), tuple(words), 0, pos)
    return Script(" ".join(argv), (cmd,), (), "exec")


def _basename(word: str) -> str:
    return word.rsplit("/", 1)[-1] if "/" in word and not word.endswith("/") else word


class _Bashlex:
    def __init__(self, text: str) -> None:
        self.text = text
        self.commands: list[Command] = []
        self.pipes: list[int] = []
        self.op_after: dict[int, str] = {}
        self.pipeline_of: dict[int, int] = {}
        self.npipes = 0

    def run(self) -> tuple[tuple[Command, ...], tuple[int, ...]]:
        import bashlex

        for node in bashlex.parse(self.text):
            self.visit(node)
        cmds = sorted(self.commands, key=lambda c: c.start)
        return tuple(cmds), tuple(sorted(self.pipes))

    def visit(self, node: Any) -> None:
        kind = node.kind
        if kind == "command":
            self.command(node)
        elif kind == "list":
            parts = node.parts
            for k, part in enumerate(parts):
                if part.kind == "operator":
                    continue
                if (
                    part.kind == "command"
                    and k + 1 < len(parts)
                    and parts[k + 1].kind == "operator"
                ):
                    self.op_after[part.pos[0]] = parts[k + 1].op
                self.visit(part)
        elif kind == "pipeline":
            pid = self.npipes
            self.npipes += 1
            for part in node.parts:
                if part.kind == "pipe":
                    self.pipes.append(part.pos[0])
                else:
                    self.mark_pipeline(part, pid)
                    self.visit(part)
        elif kind == "compound":
            for part in node.list:
                self.visit(part)
        else:
            for part in getattr(node, "parts", None) or ():
                self.visit(part)
            sub = getattr(node, "command", None)
            if sub is not None:
                self.visit(sub)
            inner = getattr(node, "list", None)
            if isinstance(inner, list):
                for part in inner:
                    self.visit(part)

    def mark_pipeline(self, node: Any, pid: int) -> None:
        if node.kind == "command":
            self.pipeline_of[node.pos[0]] = pid

    def command(self, node: Any) -> None:
        words: list[Any] = []
        for part in node.parts:
            if part.kind == "word":
                words.append(part)
                for sub in getattr(part, "parts", None) or ():
                    self.visit(sub)
            elif part.kind == "redirect":
                out = getattr(part, "output", None)
                if out is not None and not isinstance(out, int):
                    for sub in getattr(out, "parts", None) or ():
                        self.visit(sub)
            elif part.kind == "assignment":
                for sub in getattr(part, "parts", None) or ():
                    self.visit(sub)
        if not words:
            return
        start, end = node.pos
        first = words[0]
        self.commands.append(
            Command(
                name=_basename(first.word),
                words=tuple(Word(w.word, w.pos[0], w.pos[1]) for w in words[1:]),
                start=first.pos[0],
                end=end,
                pipeline=self.pipeline_of.get(start, -1),
                op_after=self.op_after.get(start),
            )
        )
