"""Semantic Versioning 2.0.0 (npm, crates.io, OSV `SEMVER` ranges).

Precedence: major.minor.patch numerically, a pre-release sorts before its release, pre-release
identifiers compare numeric < alphanumeric, numerically or in ASCII order, more identifiers win
a tie; build metadata is ignored. `strict=False` (npm) also accepts node-semver's loose forms:
leading `v`/`=`/spaces, and a pre-release tag without its hyphen (`1.2.3beta`).
"""

from __future__ import annotations

import re

from caulk.match.version.interface import SortKey, VersionScheme

__all__ = ["SemverScheme", "prerelease_key", "semver_key"]

_NUM = r"0|[1-9][0-9]*"
_PRE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
STRICT = re.compile(
    rf"(?P<major>{_NUM})\.(?P<minor>{_NUM})\.(?P<patch>{_NUM})"
    rf"(?:-(?P<pre>{_PRE_ID}(?:\.{_PRE_ID})*))?(?:\+(?P<build>{_BUILD}))?\Z"
)
_LOOSE_NUM = r"[0-9]+"
_LOOSE_PRE_ID = r"(?:[0-9]+|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
LOOSE = re.compile(
    rf"[v=\s]*(?P<major>{_LOOSE_NUM})\.(?P<minor>{_LOOSE_NUM})\.(?P<patch>{_LOOSE_NUM})"
    rf"(?:-?(?P<pre>{_LOOSE_PRE_ID}(?:\.{_LOOSE_PRE_ID})*))?(?:\+(?P<build>{_BUILD}))?\s*\Z"
)
_RELEASE = (1,)


def prerelease_key(pre: str | None, *, fold_case: bool = False) -> tuple[object, ...]:
    """Sorts a release after all its pre-releases; identifiers numeric < alphanumeric."""
    if not pre:
        return _RELEASE
    ids: list[tuple[int, object]] = []
    for ident in pre.split("."):
        if ident.isdigit():
            ids.append((0, int(ident)))
        else:
            ids.append((1, ident.lower() if fold_case else ident))
    return (0, tuple(ids))


def semver_key(match: re.Match[str]) -> tuple[object, ...]:
    return (
        int(match["major"]),
        int(match["minor"]),
        int(match["patch"]),
        prerelease_key(match["pre"]),
    )


class SemverScheme(VersionScheme):
    """SemVer 2; `strict=False` adds node-semver's loose forms."""

    semver_compatible = True

    def __init__(self, *, strict: bool = True, name: str = "semver") -> None:
        super().__init__()
        self.strict = strict
        self.name = name

    def _parse(self, text: str) -> SortKey:
        match = (STRICT if self.strict else LOOSE).match(text)
        if match is None:
            raise self.error(text, "not a SemVer 2 version")
        return semver_key(match)
