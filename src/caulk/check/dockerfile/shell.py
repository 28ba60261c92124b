"""Shell analysis of `RUN`: the simple commands (with their words and offsets), how they are
chained (`&&`, `;`, `|`…) and which pipelines they belong to.

The parser is a linear tokenizer (`shelltokens`: 0.3 s for the 687 RUNs of the dev corpus).
bashlex is no longer a product path (10x slower, fails on ~7% of real RUNs); it stays a dev
dependency that cross-checks the tokenizer in tests/unit/check/dockerfile/test_shell.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Command", "Script", "Word", "analyze", "command_of_exec"]

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
    parser: str  # "tokens" or "exec"
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


def analyze(text: str, segments: tuple[tuple[int, int, int], ...] = ()) -> Script:
    """Parse a shell script with the linear tokenizer; never raises."""
    from caulk.check.dockerfile.shelltokens import tokenize_commands

    commands, pipes = tokenize_commands(text)
    return Script(text, commands, pipes, "tokens", segments)


def command_of_exec(argv: tuple[str, ...]) -> Script:
    """The exec form `RUN ["cmd", "arg"]`: one command, or the script of `["sh", "-c", "…"]`."""
    if (
        len(argv) >= 3
        and _basename(argv[0]) in SHELLS
        and argv[1].startswith("-")
        and ("c" in argv[1])
    ):
        return analyze(argv[2])
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
