"""RubyGems versions with `Gem::Version` semantics.

Valid: `\\A\\s*[0-9]+(\\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?\\s*\\z`; a `-` means
`.pre.`. Segments are digit runs (numbers) and letter runs (strings, making a pre-release).
Trailing zeros of the numeric part and of the string part are dropped; missing segments count as
0; a string sorts before any number; strings compare in byte order.
"""

from __future__ import annotations

import re

from caulk.match.version.interface import SortKey, VersionScheme
from caulk.match.version.keys import padded_key

__all__ = ["RubyGemsScheme"]

_VALID = re.compile(r"\s*[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?\s*\Z")
_SEGMENT = re.compile(r"[0-9]+|[a-z]+", re.IGNORECASE)
_ZERO = (1, 0)


def _drop_trailing_zeros(segments: list[tuple[int, object]]) -> list[tuple[int, object]]:
    while segments and segments[-1] == _ZERO:
        segments.pop()
    return segments


class RubyGemsScheme(VersionScheme):
    name = "rubygems"

    def _parse(self, text: str) -> SortKey:
        if not _VALID.match(text):
            raise self.error(text, "malformed Gem::Version")
        version = text.strip().replace("-", ".pre.")
        segments: list[tuple[int, object]] = [
            (1, int(s)) if s.isdigit() else (0, s) for s in _SEGMENT.findall(version)
        ]
        first_string = next((i for i, s in enumerate(segments) if s[0] == 0), len(segments))
        numeric = _drop_trailing_zeros(segments[:first_string])
        strings = _drop_trailing_zeros(segments[first_string:])
        return padded_key(numeric + strings, _ZERO)
