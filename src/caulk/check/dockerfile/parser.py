"""Parse a Dockerfile into `syntax.Dockerfile` with exact spans. Never raises on bad input:
whatever cannot be read becomes a `Problem` (reported as CK-DF-001) and parsing goes on."""

from __future__ import annotations

import re
from dataclasses import replace

from caulk.check.dockerfile.syntax import (
    Comment,
    Dockerfile,
    Flag,
    Heredoc,
    ImageName,
    Instruction,
    Pair,
    Problem,
    Span,
    Stage,
    shift_segments,
)
from caulk.check.dockerfile.words import (
    expand,
    expand_value,
    iter_words,
    split_words,
    unquote,
)
from caulk.safeload import DocumentError, load_json

__all__ = ["INSTRUCTIONS", "MAX_SIZE", "decode", "parse"]

INSTRUCTIONS = frozenset(
    [
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    ]
)
_FLAGGED = frozenset({"FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"})
_JSON_FORMS = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"})
_HEREDOC_FORMS = frozenset({"RUN", "COPY", "ADD"})
_DIRECTIVES = frozenset({"syntax", "escape", "check"})
MAX_SIZE = 32 * 1024 * 1024

_DIRECTIVE_RE = re.compile(r"#\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
_HEREDOC_RE = re.compile(
    r"(?<![<\w])<<(-?)[ \t]*(?:\"([^\"\s]+)\"|'([^'\s]+)'|([A-Za-z_][A-Za-z0-9_]*))(?!<)"
)
_KEYWORD_RE = re.compile(r"[^\s]+")


def decode(data: str | bytes) -> tuple[str, list[Problem]]:
    """Bytes to text: UTF-8 (BOM dropped); invalid bytes are replaced and reported."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), []
    problems: list[Problem] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), problems
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(
            Problem(f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); read as replaced", line, col)
        )
        return data.decode("utf-8", errors="replace"), problems


def parse(data: str | bytes) -> Dockerfile:
    if len(data) > MAX_SIZE:
        size = len(data) / 1024 / 1024
        return Dockerfile((), (), (Problem(f"file is {size:.0f} MB, over the 32 MB limit", 1),))
    sample = data[:8192]
    if (b"\x00" in sample) if isinstance(sample, bytes) else ("\x00" in sample):
        return Dockerfile((), (), (Problem("binary file (NUL bytes), not a Dockerfile", 1),))
    text, problems = decode(data)
    return _Parser(text, problems).run()


class _Parser:
    def __init__(self, text: str, problems: list[Problem]) -> None:
        self.lines = [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]
        if self.lines and self.lines[-1] == "" and len(self.lines) > 1:
            self.lines.pop()
        self.problems = problems
        self.comments: list[Comment] = []
        self.directives: list[tuple[str, str]] = []
        self.escape = "\\"
        self.instructions: list[Instruction] = []
        self.stage_count = 0
        self.index = self.stage = 0  # of the instruction being built

    # -- top level -------------------------------------------------------------------------
    def run(self) -> Dockerfile:
        i = self._directives()
        n = len(self.lines)
        while i < n:
            line = self.lines[i]
            stripped = line.lstrip()  # every kind of whitespace, \v and \f included
            if not stripped:
                i += 1
                continue
            if stripped.startswith("#"):
                self.comments.append(Comment(i + 1, stripped[1:].strip()))
                i += 1
                continue
            i = self._instruction(i, len(line) - len(stripped))
        if not self.instructions and not self.problems:
            what = "empty file" if not any(s.strip() for s in self.lines) else "no instructions"
            self.problems.append(Problem(f"{what}: not a Dockerfile", 1))
        stages, global_args = self._stages()
        return Dockerfile(
            instructions=tuple(self.instructions),
            stages=stages,
            problems=tuple(sorted(self.problems, key=lambda p: (p.line, p.column))),
            comments=tuple(self.comments),
            directives=tuple(self.directives),
            escape=self.escape,
            global_args=global_args,
            line_count=len(self.lines),
        )

    def _directives(self) -> int:
        seen: set[str] = set()
        for i, line in enumerate(self.lines):
            m = _DIRECTIVE_RE.match(line.strip())
            if not m or m.group(1).lower() not in _DIRECTIVES or m.group(1).lower() in seen:
                return i
            name, value = m.group(1).lower(), m.group(2)
            seen.add(name)
            self.directives.append((name, value))
            if name == "escape":
                if value in ("\\", "`"):
                    self.escape = value
                else:
                    self.problems.append(
                        Problem(f"invalid escape directive {value!r} (use \\ or `)", i + 1)
                    )
        return len(self.lines)

    # -- one instruction -------------------------------------------------------------------
    def _instruction(self, i: int, indent: int) -> int:
        first = self.lines[i]
        m = _KEYWORD_RE.match(first, indent)
        if m is None:  # unreachable: run() only calls with a non-blank line
            return i + 1
        raw_kw = m.group(0)
        kw_end = m.end()
        start_line = i + 1
        args_parts: list[str] = []
        segments: list[tuple[int, int, int]] = []
        offset = 0
        line_text = first
        col0 = kw_end
        # skip the whitespace between keyword and arguments on the first line
        while col0 < len(line_text) and line_text[col0] in " \t":
            col0 += 1
        piece_start = col0
        last_line = i
        while True:
            piece = line_text[piece_start:]
            cont = self._continues(piece)
            if cont is not None:
                piece = cont
            segments.append((offset, last_line + 1, piece_start + 1))
            args_parts.append(piece)
            offset += len(piece)
            if cont is None:
                break
            j = last_line + 1
            while j < len(self.lines):
                s = self.lines[j].lstrip(" \t")
                if s.startswith("#"):
                    self.comments.append(Comment(j + 1, s[1:].strip()))
                    j += 1
                elif not s:
                    j += 1
                else:
                    break
            if j >= len(self.lines):
                last_line = len(self.lines) - 1
                break
            last_line = j
            line_text = self.lines[j]
            piece_start = 0
        args = "".join(args_parts)
        end_line = last_line + 1
        end_col = len(self.lines[last_line]) + 1
        args, segments = _strip_args(args, segments)
        keyword = raw_kw.upper()
        heredocs: tuple[Heredoc, ...] = ()
        next_i = last_line + 1
        if keyword in _HEREDOC_FORMS and "<<" in args:
            heredocs, next_i = self._heredocs(args, next_i, start_line)
            if heredocs:
                end_line = next_i
                end_col = len(self.lines[next_i - 1]) + 1
        span = Span(start_line, indent + 1, end_line, end_col)
        if keyword not in INSTRUCTIONS:
            self.problems.append(
                Problem(
                    f"unknown instruction {raw_kw!r}",
                    start_line,
                    indent + 1,
                    start_line,
                    kw_end + 1,
                )
            )
            return next_i
        if keyword == "FROM":
            self.stage_count += 1
        self.index, self.stage = len(self.instructions), self.stage_count - 1
        self.instructions.append(self._build(keyword, raw_kw, args, span, segments, heredocs))
        return next_i

    def _continues(self, piece: str) -> str | None:
        """The piece without its trailing escape if the line continues, else None."""
        body = piece.rstrip(" \t")
        if body.endswith(self.escape):
            return body[:-1]
        return None

    def _heredocs(self, args: str, i: int, line: int) -> tuple[tuple[Heredoc, ...], int]:
        docs: list[Heredoc] = []
        for m in _HEREDOC_RE.finditer(args):
            strip_tabs = m.group(1) == "-"
            delim = m.group(2) or m.group(3) or m.group(4)
            quoted = m.group(4) is None
            body: list[str] = []
            first_line = i + 1
            terminated = False
            while i < len(self.lines):
                text = self.lines[i]
                i += 1
                check = text.lstrip("\t") if strip_tabs else text
                if check == delim:
                    terminated = True
                    break
                body.append(check)
            if not terminated:
                self.problems.append(
                    Problem(f"unterminated heredoc <<{delim} (no closing {delim!r} line)", line)
                )
            body_text = "\n".join(body) + ("\n" if body else "")
            docs.append(Heredoc(delim, body_text, strip_tabs, not quoted, first_line, terminated))
        return tuple(docs), i

    def _build(
        self,
        keyword: str,
        raw_kw: str,
        args: str,
        span: Span,
        segments: list[tuple[int, int, int]],
        heredocs: tuple[Heredoc, ...],
    ) -> Instruction:
        flags: list[Flag] = []
        rest, rest_offset = args, 0
        if keyword in _FLAGGED:
            for word, off in iter_words(args, self.escape):
                if not word.startswith("--") or len(word) == 2:
                    break
                name, eq, value = word[2:].partition("=")
                flags.append(Flag(name.lower(), value if eq else None, off))
                rest_offset = off + len(word)
            while rest_offset < len(args) and args[rest_offset] in " \t":
                rest_offset += 1
            rest = args[rest_offset:]
        ins = Instruction(
            keyword=keyword,
            raw_keyword=raw_kw,
            args=args,
            span=span,
            flags=tuple(flags),
            rest=rest,
            rest_offset=rest_offset,
            heredocs=heredocs,
            segments=tuple(segments),
            stage=self.stage,
            index=self.index,
        )
        if not args.strip():
            self._problem(ins, f"{keyword} requires at least one argument")
            return ins
        if keyword in _JSON_FORMS and rest.startswith("["):
            ins = self._json(ins)
        elif keyword == "SHELL":
            self._problem(ins, 'SHELL requires the JSON form, e.g. SHELL ["/bin/bash", "-c"]')
        if keyword in ("ENV", "LABEL", "ARG"):
            ins = replace(ins, pairs=self._pairs(ins))
        elif keyword == "ONBUILD":
            ins = self._onbuild(ins)
        return ins

    def _json(self, ins: Instruction) -> Instruction:
        try:  # bounded: `RUN [[[[…` 5,000 deep used to escape as RecursionError
            value = load_json(ins.rest, where=ins.keyword, what="JSON form")
        except DocumentError as exc:
            if ins.keyword == "SHELL":
                self._problem(ins, f"SHELL JSON array is invalid: {exc.message}")
            return replace(ins, json_error=exc.message)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            if ins.keyword == "SHELL":
                self._problem(ins, "SHELL JSON form must be an array of strings")
            return replace(ins, json_error="not an array of strings")
        return replace(ins, exec_form=tuple(value))

    def _pairs(self, ins: Instruction) -> tuple[Pair, ...]:
        words = split_words(ins.args, self.escape)
        if not words:
            return ()
        esc = self.escape
        if ins.keyword == "ARG":
            pairs = []
            for word, _ in words:
                name, eq, value = word.partition("=")
                pairs.append(Pair(name, unquote(value, esc) if eq else None))
            return tuple(pairs)
        if "=" not in words[0][0]:
            key, off = words[0]
            value = ins.args[off + len(key) :].strip()
            if not value and ins.keyword == "ENV":
                self._problem(ins, f"ENV {key} has no value (use ENV {key}=value)")
            return (Pair(unquote(key, esc), unquote(value, esc) if value else ""),)
        pairs = []
        for word, _ in words:
            key, eq, value = word.partition("=")
            if not eq or not key:
                self._problem(ins, f"{ins.keyword} expects key=value, got {word!r}")
                continue
            pairs.append(Pair(unquote(key, esc), unquote(value, esc)))
        return tuple(pairs)

    def _onbuild(self, ins: Instruction) -> Instruction:
        m = _KEYWORD_RE.match(ins.args)
        if m is None:
            return ins
        raw_kw = m.group(0)
        keyword = raw_kw.upper()
        off = m.end()
        while off < len(ins.args) and ins.args[off] in " \t":
            off += 1
        if keyword not in INSTRUCTIONS:
            self._problem(ins, f"unknown instruction {raw_kw!r} after ONBUILD")
            return ins
        inner_segments = shift_segments(list(ins.segments), off)
        inner = self._build(keyword, raw_kw, ins.args[off:], ins.span, inner_segments, ())
        return replace(ins, inner=inner)

    def _problem(self, ins: Instruction, message: str) -> None:
        s = ins.span
        self.problems.append(Problem(message, s.line, s.column, s.end_line, s.end_column))

    # -- stages ----------------------------------------------------------------------------
    def _stages(self) -> tuple[tuple[Stage, ...], tuple[Pair, ...]]:
        stages: list[Stage] = []
        global_args: list[Pair] = []
        env: dict[str, str | None] = {}
        current: list[Instruction] = []
        start: Instruction | None = None

        def close() -> None:
            if start is not None:
                stages.append(self._stage(len(stages), start, tuple(current), env, stages))

        for ins in self.instructions:
            if ins.keyword == "FROM":
                close()
                start, current = ins, []
            elif start is None and ins.keyword == "ARG":
                for p in ins.pairs:
                    global_args.append(p)
                    env[p.key] = expand_value(p.value, env) if p.value is not None else None
            if start is not None:
                current.append(ins)
        close()
        return tuple(stages), tuple(global_args)

    def _stage(
        self,
        index: int,
        ins: Instruction,
        body: tuple[Instruction, ...],
        env: dict[str, str | None],
        previous: list[Stage],
    ) -> Stage:
        words = [unquote(w, self.escape) for w, _ in split_words(ins.rest, self.escape)]
        name: str | None = None
        image_raw = words[0] if words else ""
        if len(words) == 3 and words[1].lower() == "as":
            name = words[2].lower()
        elif len(words) != 1:
            self._problem(ins, "FROM expects `FROM [--platform=…] image [AS name]`")
        image_text, resolved = expand(image_raw, env)
        parent = None
        for s in previous:
            if s.name is not None and s.name == image_text.lower():
                parent = s.index
        platform = ins.flag("platform")
        return Stage(
            index=index,
            base=ImageName.parse(image_text),
            base_raw=image_raw,
            name=name,
            platform=platform.value if platform else None,
            from_instruction=ins,
            instructions=body,
            parent=parent,
            resolved=resolved,
        )


def _strip_args(
    args: str, segments: list[tuple[int, int, int]]
) -> tuple[str, list[tuple[int, int, int]]]:
    lead = len(args) - len(args.lstrip(" \t"))
    args = args.rstrip(" \t")
    if not lead:
        return args, segments
    return args[lead:], shift_segments(segments, lead)
