"""npm versions: SemVer 2 as node-semver parses them in loose mode (`v1.2.3`, `=1.2.3`,
`1.2.3beta`)."""

from __future__ import annotations

from caulk.match.version.semver import SemverScheme

__all__ = ["NpmScheme"]


class NpmScheme(SemverScheme):
    def __init__(self) -> None:
        super().__init__(strict=False, name="npm")
