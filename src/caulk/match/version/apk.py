"""Alpine (apk-tools) versions, following apk-tools' `src/version.c` token grammar:

    digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}

Suffixes `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`. Digit runs after
the first compare numerically unless either has a leading zero (then as strings, like Gentoo).
Where two versions differ in token type, a pre-release suffix sorts first, otherwise the version
whose next token has the higher token type (the one that ends sooner) sorts first.
Text that apk-tools would not validate raises `VersionError`.
"""

from __future__ import annotations

import re

from caulk.match.version.interface import SortKey, VersionScheme

__all__ = ["ApkScheme"]

(
    INITIAL_DIGIT,
    DIGIT,
    LETTER,
    SUFFIX,
    SUFFIX_NO,
    COMMIT_HASH,
    REVISION_NO,
    END,
) = range(8)
_SUFFIXES = {
    "alpha": 1,
    "beta": 2,
    "pre": 3,
    "rc": 4,
    "cvs": 6,
    "svn": 7,
    "git": 8,
    "hg": 9,
    "p": 10,
}
_SUFFIX_NONE = 5
_PRE_RANK = -100  # a pre-release suffix sorts before any other token type
_DIGITS = re.compile(r"[0-9]*")
_LOWER = re.compile(r"[a-z]*")
_HEX = re.compile(r"[0-9a-fA-F]*")


class ApkScheme(VersionScheme):
    name = "apk"

    def _parse(self, text: str) -> SortKey:
        s = text
        n = len(s)
        m = _DIGITS.match(s, 0)
        assert m is not None
        if not m.group():
            raise self.error(text, "must start with a digit")
        tokens: list[tuple[int, object]] = [(-INITIAL_DIGIT, int(m.group()))]
        token, pos = INITIAL_DIGIT, m.end()
        while pos < n:
            c = s[pos]
            if "a" <= c <= "z":
                if token > DIGIT:
                    raise self.error(text, f"letter not allowed at {pos}")
                token = LETTER
                tokens.append((-LETTER, c))
                pos += 1
            elif c == "." or "0" <= c <= "9":
                if c == ".":
                    if token > DIGIT:
                        raise self.error(text, f"'.' not allowed at {pos}")
                    pos += 1
                if token in (INITIAL_DIGIT, DIGIT):
                    token = DIGIT
                elif token == SUFFIX:
                    token = SUFFIX_NO
                else:
                    raise self.error(text, f"digit not allowed at {pos}")
                m = _DIGITS.match(s, pos)
                assert m is not None
                digits = m.group()
                if not digits:
                    raise self.error(text, f"digits expected at {pos}")
                pos = m.end()
                if token == DIGIT:
                    value: object = (0, digits) if digits[0] == "0" else (1, int(digits))
                    tokens.append((-DIGIT, value))
                else:
                    tokens.append((-SUFFIX_NO, int(digits)))
            elif c == "_":
                if token > SUFFIX_NO:
                    raise self.error(text, f"suffix not allowed at {pos}")
                m = _LOWER.match(s, pos + 1)
                assert m is not None
                suffix = _SUFFIXES.get(m.group())
                if suffix is None:
                    raise self.error(text, f"unknown suffix {m.group()!r}")
                token = SUFFIX
                pos = m.end()
                rank = _PRE_RANK if suffix < _SUFFIX_NONE else -SUFFIX
                tokens.append((rank, suffix))
            elif c == "~":
                if token >= COMMIT_HASH:
                    raise self.error(text, f"'~' not allowed at {pos}")
                m = _HEX.match(s, pos + 1)
                assert m is not None
                if not m.group():
                    raise self.error(text, "empty commit hash")
                token = COMMIT_HASH
                pos = m.end()
                tokens.append((-COMMIT_HASH, m.group()))
            elif c == "-":
                if token >= REVISION_NO or not s.startswith("-r", pos):
                    raise self.error(text, f"'-' must start the final -rN at {pos}")
                m = _DIGITS.match(s, pos + 2)
                assert m is not None
                if not m.group():
                    raise self.error(text, "empty revision")
                token = REVISION_NO
                pos = m.end()
                tokens.append((-REVISION_NO, int(m.group())))
            else:
                raise self.error(text, f"unexpected {c!r} at {pos}")
        tokens.append((-END, 0))
        return tuple(tokens)
