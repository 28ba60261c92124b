"""Composer (Packagist) versions: Composer's `VersionParser::normalize`, then PHP's
`version_compare` on the normalized text.

`v1.2` → `1.2.0.0`; `1.0.0-beta2` → `1.0.0.0-beta2`; stabilities `dev < alpha = a < beta = b <
RC = rc < (number) < patch = pl = p`; date versions (`20240101`) are accepted. Branch names
(`dev-main`, `1.x-dev`) are not versions and raise `VersionError`.
"""

from __future__ import annotations

import re

from caulk.match.version.interface import SortKey, VersionScheme
from caulk.match.version.keys import CmpKey

__all__ = ["ComposerScheme", "php_version_compare"]

_MODIFIER = r"[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?"
_CLASSICAL = re.compile(r"v?(\d{1,5}+)(\.\d++)?(\.\d++)?(\.\d++)?" + _MODIFIER + r"\Z", re.I)
_DATE = re.compile(r"v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2})" + _MODIFIER + r"\Z", re.I)
_STABILITY = {"a": "alpha", "alpha": "alpha", "b": "beta", "beta": "beta", "rc": "RC"}
_STABILITY |= {"p": "patch", "pl": "patch", "patch": "patch"}
_SPECIAL: tuple[tuple[str, int], ...] = (
    ("dev", 0),
    ("alpha", 1),
    ("a", 1),
    ("beta", 2),
    ("b", 2),
    ("RC", 3),
    ("rc", 3),
    ("#", 4),
    ("pl", 5),
    ("p", 5),
)
_NUMBER_FORM = 4


def normalize(version: str) -> str | None:
    text = version.strip()
    m = _CLASSICAL.match(text)
    if m:
        base = m[1] + (m[2] or ".0") + (m[3] or ".0") + (m[4] or ".0")
        index = 5
    else:
        m = _DATE.match(text)
        if not m:
            return None
        base = re.sub(r"\D", ".", m[1])
        index = 2
    stability, number, dev = m[index], m[index + 1], m[index + 2]
    if stability:
        if stability.lower() == "stable":
            return base
        base += "-" + _STABILITY.get(stability.lower(), stability) + (number or "").lstrip(".-")
    if dev:
        base += "-dev"
    return base


def _canonical_parts(version: str) -> list[str]:
    """php_canonicalize_version, split on '.'."""
    out = [version[0]]
    prev = version[0]
    for c in version[1:]:
        special = c in "-_+"
        transition = c != "." and prev != "." and (c.isdigit() != prev.isdigit())
        if special or (not c.isalnum() and not transition):
            if out[-1] != ".":
                out.append(".")
        elif transition:
            if out[-1] != ".":
                out.append(".")
            out.append(c)
        else:
            out.append(c)
        prev = c
    return [p for p in "".join(out).split(".") if p]


def _special(form: str) -> int:
    for name, order in _SPECIAL:
        if form.startswith(name):
            return order
    return -1


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


def php_version_compare(a: list[str], b: list[str]) -> int:
    for pa, pb in zip(a, b, strict=False):
        da, db = pa[0].isdigit(), pb[0].isdigit()
        if da and db:
            result = _sign(int(pa) - int(pb))
        elif not da and not db:
            result = _sign(_special(pa) - _special(pb))
        elif da:
            result = _sign(_NUMBER_FORM - _special(pb))
        else:
            result = _sign(_special(pa) - _NUMBER_FORM)
        if result:
            return result
    if len(a) > len(b):
        rest = a[len(b)]
        return 1 if rest[0].isdigit() else _sign(_special(rest) - _NUMBER_FORM)
    if len(b) > len(a):
        rest = b[len(a)]
        return -1 if rest[0].isdigit() else _sign(_NUMBER_FORM - _special(rest))
    return 0


class ComposerScheme(VersionScheme):
    name = "composer"

    def _parse(self, text: str) -> SortKey:
        normalized = normalize(text)
        if normalized is None:
            raise self.error(text, "not a Composer version (branches are not comparable)")
        return CmpKey(_canonical_parts(normalized), php_version_compare)
