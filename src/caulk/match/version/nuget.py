"""NuGet versions (`NuGetVersion`): SemVer 2 plus the legacy 4-part form.

`major[.minor[.patch[.revision]]][-label(.label)*][+metadata]`; missing parts are 0, metadata
is ignored, release labels compare like SemVer 2 but case-insensitively.
"""

from __future__ import annotations

import re

from caulk.match.version.interface import SortKey, VersionScheme
from caulk.match.version.semver import prerelease_key

__all__ = ["NuGetScheme"]

_VERSION = re.compile(
    r"\s*(?P<nums>[0-9]+(?:\.[0-9]+){0,3})"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\s*\Z"
)


class NuGetScheme(VersionScheme):
    name = "nuget"

    def _parse(self, text: str) -> SortKey:
        match = _VERSION.match(text)
        if match is None:
            raise self.error(text, "not a NuGet version")
        nums = [int(n) for n in match["nums"].split(".")]
        nums += [0] * (4 - len(nums))
        return (*nums, prerelease_key(match["pre"], fold_case=True))
