"""A small, linear-time shell tokenizer: the one parser of RUN scripts (see `shell`).

It knows quotes, escapes, `$(…)`/backticks (whose commands are found recursively), `${…}`,
comments, redirections and the control operators; reserved words (`if`, `then`, `do`, `for x in
…`, `case … esac`) are skipped so the simple commands come out right.
"""

from __future__ import annotations

import re

from caulk.check.dockerfile.shell import Command, Word

__all__ = ["tokenize_commands"]

_OPERATORS = ("&&", "||", ";;", "|&", ";", "|", "&", "\n", "(", ")")
_REDIRECT_CHARS = "<>"
_RESERVED = frozenset(
    [
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "do",
        "done",
        "while",
        "until",
        "case",
        "esac",
        "in",
        "function",
        "select",
        "!",
        "{",
        "}",
        "[[",
        "]]",
        "time",
    ]
)
_MAX_NESTING = 32
_OP_START = frozenset("&|;\n()")
_PLAIN = re.compile(r"[^\s;&|()<>\\'\"$`]+")
_PLAIN_SQ = re.compile(r"[^']+")
_PLAIN_DQ = re.compile(r"[^\"\\$`]+")
_BLANK = re.compile(r"[ \t]+")


def tokenize_commands(
    text: str, base: int = 0, depth: int = 0
) -> tuple[tuple[Command, ...], tuple[int, ...]]:
    commands: list[Command] = []
    pipes: list[int] = []
    current: list[Word] = []
    pipeline_id = [0]
    in_pipe = [False]
    skip_header = [False]  # inside `for x in …` / `case … in` header
    pending_redirect = [False]

    def flush(op: str | None, at: int) -> None:
        words = list(current)
        while words and (words[0].text in _RESERVED or _is_assignment(words[0].text)):
            words.pop(0)
        if words and not skip_header[0]:
            name = words[0].text
            name = name.rsplit("/", 1)[-1] if "/" in name and not name.endswith("/") else name
            pipeline = pipeline_id[0] if (in_pipe[0] or op == "|") else -1
            commands.append(
                Command(
                    name=name,
                    words=tuple(words[1:]),
                    start=words[0].start,
                    end=words[-1].end,
                    pipeline=pipeline,
                    op_after=None if op == "|" else op,
                )
            )
        if op == "|":
            in_pipe[0] = True
        elif op is not None:
            if in_pipe[0]:
                pipeline_id[0] += 1
            in_pipe[0] = False
        if op in (";", "\n") or (op is not None and skip_header[0] and op != "|"):
            skip_header[0] = False
        current.clear()

    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t":
            m = _BLANK.match(text, i)
            i = m.end() if m else i + 1
            continue
        if c == "\\" and i + 1 < n and text[i + 1] == "\n":
            i += 2
            continue
        if c == "#" and (i == 0 or text[i - 1] in " \t\n;&|()"):
            while i < n and text[i] != "\n":
                i += 1
            continue
        op = (
            next((o for o in _OPERATORS if text.startswith(o, i)), None) if c in _OP_START else None
        )
        if op is not None:
            if op == "|":
                pipes.append(base + i)
            flush(op, i)
            i += len(op)
            continue
        if c in _REDIRECT_CHARS or (c.isdigit() and i + 1 < n and text[i + 1] in _REDIRECT_CHARS):
            j = i + 1
            while j < n and text[j] in "<>&|-0123456789":
                j += 1
            pending_redirect[0] = True
            i = j
            continue
        start = i
        i, raw, subs = _read_word(text, i)
        for sub_start, sub_text in subs:
            if depth < _MAX_NESTING:
                sc, sp = tokenize_commands(sub_text, base + sub_start, depth + 1)
                commands.extend(sc)
                pipes.extend(sp)
        if pending_redirect[0]:
            pending_redirect[0] = False
            continue
        word = Word(raw, base + start, base + i)
        if raw in ("for", "case", "select") and all(w.text in _RESERVED for w in current):
            skip_header[0] = True
        elif raw in ("do", "then", "else") and skip_header[0]:
            skip_header[0] = False
        current.append(word)
    flush(None, n)
    commands.sort(key=lambda cmd: cmd.start)
    return tuple(commands), tuple(pipes)


def _is_assignment(word: str) -> bool:
    name, eq, _ = word.partition("=")
    return bool(eq) and name.replace("_", "a").isalnum() and not name[:1].isdigit()


def _read_word(text: str, i: int) -> tuple[int, str, list[tuple[int, str]]]:
    """Read one word from i; returns (end, unquoted text, command substitutions)."""
    out: list[str] = []
    subs: list[tuple[int, str]] = []
    n = len(text)
    quote = ""
    while i < n:
        plain = (_PLAIN_SQ if quote == "'" else _PLAIN_DQ if quote else _PLAIN).match(text, i)
        if plain:
            out.append(plain.group(0))
            i = plain.end()
            if i >= n:
                break
        c = text[i]
        if not quote and (c in " \t\n;&|()<>"):
            break
        if c == "\\" and quote != "'" and i + 1 < n:
            if text[i + 1] == "\n":
                i += 2
                continue
            out.append(text[i + 1])
            i += 2
            continue
        if quote == "'":
            if c == "'":
                quote = ""
            else:
                out.append(c)
            i += 1
            continue
        if c == '"':
            quote = "" if quote == '"' else '"'
            i += 1
            continue
        if c == "'" and not quote:
            quote = "'"
            i += 1
            continue
        if c == "$" and i + 1 < n and text[i + 1] in "({":
            close = _closing(text, i + 1)
            if text[i + 1] == "(" and not text.startswith("((", i + 1):
                subs.append((i + 2, text[i + 2 : close]))
            out.append(text[i : close + 1])
            i = close + 1
            continue
        if c == "`":
            close = text.find("`", i + 1)
            close = n - 1 if close < 0 else close
            subs.append((i + 1, text[i + 1 : close]))
            out.append(text[i : close + 1])
            i = close + 1
            continue
        out.append(c)
        i += 1
    return i, "".join(out), subs


def _closing(text: str, i: int) -> int:
    """Index of the bracket closing the one at i (or the last index)."""
    opener = text[i]
    closer = ")" if opener == "(" else "}"
    depth = 0
    quote = ""
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and quote != "'":
            i += 2
            continue
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == opener:
            depth += 1
        elif c == closer:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return n - 1
