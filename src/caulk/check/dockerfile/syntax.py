"""The Dockerfile syntax tree: instructions with exact spans, flags, heredocs, stages.

Lines and columns are 1-based, as editors show them. `Instruction.args` is the argument text
with line continuations joined the way BuildKit joins them (escape + newline removed, comment
lines inside a continuation dropped); `Instruction.position(offset)` maps an offset in `args`
back to the (line, column) in the file.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

__all__ = [
    "Comment",
    "Dockerfile",
    "Flag",
    "Heredoc",
    "ImageName",
    "Instruction",
    "Pair",
    "Problem",
    "Span",
    "Stage",
    "shift_segments",
]


@dataclass(frozen=True, slots=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Flag:
    """`--name=value` (value None for a bare `--name`)."""

    name: str
    value: str | None
    offset: int  # offset in Instruction.args


@dataclass(frozen=True, slots=True)
class Heredoc:
    delimiter: str
    body: str
    strip_tabs: bool  # <<-EOF
    expand: bool  # False when the delimiter was quoted
    line: int  # first body line (the line after the instruction line)
    terminated: bool = True


@dataclass(frozen=True, slots=True)
class Pair:
    """One `key=value` of ENV, ARG or LABEL (ARG value may be None)."""

    key: str
    value: str | None


@dataclass(frozen=True, slots=True)
class ImageName:
    """A parsed image reference as written (variables already substituted where known)."""

    text: str
    registry: str | None
    repository: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, text: str) -> ImageName:
        rest = text
        digest: str | None = None
        if "@" in rest:
            rest, digest = rest.split("@", 1)
        tag: str | None = None
        slash = rest.rfind("/")
        colon = rest.rfind(":")
        if colon > slash:
            rest, tag = rest[:colon], rest[colon + 1 :]
        registry: str | None = None
        first, sep, remainder = rest.partition("/")
        if sep and ("." in first or ":" in first or first == "localhost"):
            registry, rest = first, remainder
        return cls(text=text, registry=registry, repository=rest, tag=tag, digest=digest)

    @property
    def registry_or_default(self) -> str:
        return self.registry or "docker.io"


@dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str  # upper case, e.g. "RUN"
    raw_keyword: str  # as written ("run")
    args: str  # argument text after the keyword, continuations joined
    span: Span
    flags: tuple[Flag, ...] = ()
    rest: str = ""  # args without the leading flags
    rest_offset: int = 0  # offset of `rest` in `args`
    exec_form: tuple[str, ...] | None = None  # JSON array form, when valid
    json_error: str | None = None  # the text looked like a JSON array but is not one
    heredocs: tuple[Heredoc, ...] = ()
    pairs: tuple[Pair, ...] = ()  # ENV / ARG / LABEL
    inner: Instruction | None = None  # the instruction of ONBUILD
    stage: int = -1  # index of the stage (-1 before the first FROM)
    index: int = 0  # index in Dockerfile.instructions
    segments: tuple[tuple[int, int, int], ...] = ()  # (offset in args, line, column)

    def flag(self, name: str) -> Flag | None:
        for f in self.flags:
            if f.name == name:
                return f
        return None

    def flag_values(self, name: str) -> tuple[str, ...]:
        return tuple(f.value or "" for f in self.flags if f.name == name)

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of `offset` in `args`."""
        if not self.segments:
            return self.span.line, self.span.column
        starts = [s[0] for s in self.segments]
        i = max(0, bisect.bisect_right(starts, offset) - 1)
        start, line, column = self.segments[i]
        return line, column + max(0, offset - start)

    @property
    def is_shell_form(self) -> bool:
        return self.exec_form is None


@dataclass(frozen=True, slots=True)
class Stage:
    index: int
    base: ImageName  # the FROM image, ARGs substituted
    base_raw: str  # as written
    name: str | None  # the AS alias, lower-cased as BuildKit does
    platform: str | None
    from_instruction: Instruction
    instructions: tuple[Instruction, ...]  # FROM and everything up to the next FROM
    parent: int | None = None  # index of the stage it builds on (FROM <alias>)
    resolved: bool = True  # False when a variable in the image name has no known value

    @property
    def is_scratch(self) -> bool:
        return self.base.repository == "scratch" and self.parent is None


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the parser could not read; becomes a CK-DF-001 finding."""

    message: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    line: int
    text: str  # without the leading '#', stripped


@dataclass(frozen=True, slots=True)
class Dockerfile:
    instructions: tuple[Instruction, ...]
    stages: tuple[Stage, ...]
    problems: tuple[Problem, ...] = ()
    comments: tuple[Comment, ...] = ()
    directives: tuple[tuple[str, str], ...] = ()
    escape: str = "\\"
    global_args: tuple[Pair, ...] = ()  # ARGs before the first FROM
    line_count: int = 0

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def stage_by_name(self, name: str) -> Stage | None:
        low = name.lower()
        for s in self.stages:
            if s.name == low:
                return s
        return None


def shift_segments(
    segments: list[tuple[int, int, int]] | tuple[tuple[int, int, int], ...], by: int
) -> list[tuple[int, int, int]]:
    """Segments for the text that starts `by` characters later."""
    out: list[tuple[int, int, int]] = []
    for k, (off, line, col) in enumerate(segments):
        nxt = segments[k + 1][0] if k + 1 < len(segments) else None
        if nxt is not None and nxt <= by:
            continue
        if off < by:
            out.append((0, line, col + (by - off)))
        else:
            out.append((off - by, line, col))
    return out
