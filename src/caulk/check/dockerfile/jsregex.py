"""JavaScript regular expressions (dockerfile_lint profiles write `/…/flags` and evaluate them with
`eval`) translated to Python's `re` syntax with the same meaning, or refused with the reason.

What differs, and what is done about it:
- flags: `i`, `m`, `s` map to re.I/re.M/re.S; `g` and `d` only change how JavaScript repeats a
  search or reports positions (each instruction is tested once here) and are dropped; `y` (sticky)
  anchors the match at the start; `u` keeps its meaning (below); `v` (set notation) is refused.
- `\\d`, `\\w`, `\\b` are ASCII in JavaScript: the pattern is compiled with re.ASCII.
- `$` without `m` matches only at the very end in JavaScript (Python also before a final newline):
  it becomes `\\Z`.
- inside `[…]`, a `-` next to a class escape (`[\\w-.]`, `[\\d-\\s]`) is a literal hyphen in
  JavaScript (Python refuses the range): it is escaped. `[` inside a class is literal; `&`, `~`,
  `|` are escaped (Python reserves their doubles for set operations).
- `[]` matches nothing and `[^]` any character: `(?!)` and `[\\s\\S]`.
- `(?<name>…)` and `\\k<name>` become `(?P<name>…)` and `(?P=name)`.
- escapes: `\\/` is `/`; `\\cX` is the control character; `\\0` is NUL; `\\u{…}` (with `u`) the
  code point; without `u`, an escaped letter JavaScript does not define (`\\a`, `\\e`, `\\A`, `\\Z`,
  `\\p`…) is that letter, as in JavaScript (in Python several are anchors or errors).
- refused: `\\p{…}`/`\\P{…}` with `u` (Unicode properties; `re` has none), the `v` flag, unknown
  flags, and a pattern that is not `/…/flags` but contains a `/` delimiter problem.
"""

from __future__ import annotations

import re

__all__ = ["JsRegexError", "translate"]

_FLAGS = {"i": re.I, "m": re.M, "s": re.S}
_CLASS_ESCAPES = frozenset("dwsDWS")
_JS_LETTER_ESCAPES = frozenset("dwsDWSbBfnrtvxuck")  # letters JavaScript gives a meaning


class JsRegexError(ValueError):
    """A JavaScript regex feature Python's `re` cannot honour."""


def translate(body: str, flags: str = "") -> tuple[str, int]:
    """(Python pattern, re flags) for the JavaScript `/body/flags`."""
    py_flags = re.ASCII
    for f in flags:
        if f in _FLAGS:
            py_flags |= _FLAGS[f]
        elif f == "v":
            raise JsRegexError("the `v` flag (set notation) has no Python equivalent")
        elif f not in "gdyu":
            raise JsRegexError(f"unknown regex flag {f!r}")
    out = _Translator(body, unicode="u" in flags, multiline="m" in flags).run()
    if "y" in flags:
        out = rf"\A(?:{out})"
    return out, py_flags


class _Translator:
    def __init__(self, body: str, *, unicode: bool, multiline: bool) -> None:
        self.s = body
        self.i = 0
        self.unicode = unicode
        self.multiline = multiline
        self.out: list[str] = []

    def run(self) -> str:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c == "\\":
                self.out.append(self.escape(in_class=False))
            elif c == "[":
                self.char_class()
            elif c == "$" and not self.multiline:
                self.out.append(r"\Z")
                self.i += 1
            elif s.startswith("(?<", self.i) and s[self.i + 3 : self.i + 4] not in ("=", "!"):
                self.out.append("(?P<")
                self.i += 3
            else:
                self.out.append(c)
                self.i += 1
        return "".join(self.out)

    def escape(self, *, in_class: bool) -> str:
        s, i = self.s, self.i
        if i + 1 >= len(s):
            raise JsRegexError("the pattern ends with a lone backslash")
        c = s[i + 1]
        self.i = i + 2
        if c == "/":
            return "/"
        if c == "c" and i + 2 < len(s) and s[i + 2].isascii() and s[i + 2].isalpha():
            self.i = i + 3
            return f"\\x{ord(s[i + 2]) % 32:02x}"
        if c == "0" and not s[i + 2 : i + 3].isdigit():
            return r"\x00"
        if c == "k" and s.startswith("<", i + 2) and not in_class:
            end = s.find(">", i + 3)
            if end > 0:
                self.i = end + 1
                return f"(?P={s[i + 3 : end]})"
        if c in "pP" and self.unicode:
            raise JsRegexError(
                f"Unicode property escape \\{c}{{…}} is not supported by Python's re"
            )
        if c == "u" and self.unicode and s.startswith("{", i + 2):
            end = s.find("}", i + 3)
            if end > 0:
                self.i = end + 1
                return f"\\U{int(s[i + 3 : end], 16):08x}"
        if c == "b" and in_class:
            return r"\x08"
        if c.isascii() and c.isalpha() and c not in _JS_LETTER_ESCAPES:
            return re.escape(c)  # JavaScript: an identity escape of the letter itself
        return "\\" + c

    def char_class(self) -> None:
        s = self.s
        start = self.i
        self.i += 1
        negate = s.startswith("^", self.i)
        if negate:
            self.i += 1
        if s.startswith("]", self.i):  # [] or [^]
            self.i += 1
            self.out.append(r"[\s\S]" if negate else "(?!)")
            return
        atoms: list[tuple[str, bool]] = []  # (python text, is a class escape)
        while self.i < len(s) and s[self.i] != "]":
            c = s[self.i]
            if c == "\\":
                is_class = s[self.i + 1 : self.i + 2] in _CLASS_ESCAPES
                atoms.append((self.escape(in_class=True), is_class))
            elif c in "[&~|":
                atoms.append(("\\" + c, False))
                self.i += 1
            else:
                atoms.append((c, False))
                self.i += 1
        if self.i >= len(s):
            raise JsRegexError(f"unterminated character class at offset {start}")
        self.i += 1
        parts: list[str] = []
        for k, (text, _) in enumerate(atoms):
            if text == "-" and 0 < k < len(atoms) - 1 and (atoms[k - 1][1] or atoms[k + 1][1]):
                text = r"\-"  # JavaScript: a hyphen next to \w, \d… is literal
            parts.append(text)
        self.out.append("[" + ("^" if negate else "") + "".join(parts) + "]")
