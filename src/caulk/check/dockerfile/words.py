"""Dockerfile-level words: splitting with quotes and the escape character, quote removal, and
`$VAR` / `${VAR:-default}` substitution as BuildKit does it for FROM, ENV, ARG, LABEL, COPY…"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

__all__ = [
    "MAX_DEPTH",
    "MAX_EXPANDED",
    "expand",
    "expand_value",
    "iter_words",
    "split_words",
    "unquote",
]

MAX_DEPTH = 16  # nested ${A:-${B:-…}} deeper than this is left as written
# An expansion longer than this is left as written (unresolved): 30 ARGs that each double the
# previous one would otherwise build gigabytes from an 829-byte Dockerfile.
MAX_EXPANDED = 64 << 10


def split_words(text: str, escape: str = "\\") -> list[tuple[str, int]]:
    """Split on unquoted whitespace; returns (raw word with quotes, offset) pairs."""
    return list(iter_words(text, escape))


def iter_words(text: str, escape: str = "\\") -> Iterator[tuple[str, int]]:
    """Lazily yield (raw word with quotes, offset) pairs."""
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        start = i
        quote = ""
        while i < n:
            c = text[i]
            if c == escape and quote != "'" and i + 1 < n:
                i += 2
                continue
            if quote:
                if c == quote:
                    quote = ""
            elif c in "\"'":
                quote = c
            elif c in " \t\r\n":
                break
            i += 1
        yield text[start:i], start


def unquote(word: str, escape: str = "\\") -> str:
    """Remove quotes and escapes from one word."""
    if "'" not in word and '"' not in word and escape not in word:
        return word
    out: list[str] = []
    quote = ""
    i, n = 0, len(word)
    while i < n:
        c = word[i]
        if c == escape and quote != "'" and i + 1 < n:
            nxt = word[i + 1]
            if quote == '"' and nxt not in ('"', escape, "$"):
                out.append(c)
            out.append(nxt)
            i += 2
            continue
        if quote:
            if c == quote:
                quote = ""
            else:
                out.append(c)
        elif c in "\"'":
            quote = c
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _name_end(text: str, i: int) -> int:
    n = len(text)
    while i < n and (text[i].isalnum() or text[i] == "_"):
        i += 1
    return i


def _matching_brace(text: str, i: int) -> int:
    """Index of the `}` closing the `${` whose body starts at i, or -1."""
    depth = 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "$" and i + 1 < n and text[i + 1] == "{":
            depth += 1
            i += 2
            continue
        if c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


class _TooLongError(Exception):
    """An expansion grew past MAX_EXPANDED."""


def expand(text: str, env: Mapping[str, str | None]) -> tuple[str, bool]:
    """Substitute variables; returns (result, fully_resolved). Unknown variables become "" as in
    BuildKit but make `fully_resolved` False. Never raises; bounded by MAX_DEPTH, and a result
    longer than MAX_EXPANDED is given back as written, unresolved."""
    try:
        return _expand(text, env, 0)
    except _TooLongError:
        return text, False


def expand_value(text: str, env: Mapping[str, str | None]) -> str | None:
    """The value of `ARG name=text`: expanded, or None (unknown, as if never set) when it uses
    an unknown variable or the expansion is longer than MAX_EXPANDED, so every later use of it
    is unresolved too."""
    try:
        value, resolved = _expand(text, env, 0)
    except _TooLongError:
        return None
    return value if resolved else None


def _expand(text: str, env: Mapping[str, str | None], depth: int) -> tuple[str, bool]:
    if "$" not in text:
        return text, True
    if depth > MAX_DEPTH:
        return text, False
    out: list[str] = []
    size = 0
    resolved = True
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] == "$":
            out.append("$")
            i += 2
            continue
        if c != "$" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "{":
            close = _matching_brace(text, i + 2)
            if close < 0:
                out.append(text[i:])
                return "".join(out), False
            body = text[i + 2 : close]
            value, ok = _expand_braced(body, env, depth)
            resolved = resolved and ok
            out.append(value)
            size += len(value)
            i = close + 1
        elif nxt.isalpha() or nxt == "_":
            end = _name_end(text, i + 1)
            name = text[i + 1 : end]
            value_or_none = env.get(name)
            if value_or_none is None:
                resolved = False
            out.append(value_or_none or "")
            size += len(value_or_none or "")
            i = end
        else:
            out.append(c)
            i += 1
        if size > MAX_EXPANDED:
            raise _TooLongError
    return "".join(out), resolved


def _expand_braced(body: str, env: Mapping[str, str | None], depth: int) -> tuple[str, bool]:
    end = _name_end(body, 0)
    name, op = body[:end], body[end:]
    value = env.get(name)
    if not op:
        return (value or ""), value is not None
    for prefix in (":-", ":+", "-", "+"):
        if op.startswith(prefix):
            word = op[len(prefix) :]
            if prefix == ":-":
                use_word = not value
            elif prefix == "-":
                use_word = value is None
            elif prefix == ":+":
                use_word = bool(value)
            else:
                use_word = value is not None
            if prefix.endswith("+"):
                if not use_word:
                    return "", True
                return _expand(word, env, depth + 1)
            if use_word:
                return _expand(word, env, depth + 1)
            return (value or ""), True
    # ${VAR%pattern}, ${VAR#pattern}, ${VAR/…} and friends: keep the value, mark unresolved
    return (value or ""), False
