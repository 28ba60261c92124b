"""Go versions: module versions and Go toolchain tags (for the `stdlib`/`toolchain` packages).

Module versions are SemVer 2 with a `v` prefix in go.mod/build info and without it in OSV:
both are accepted; `+incompatible` is build metadata and ignored; pseudo-versions
(`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.2019…`) are pre-releases and sort as such.
Toolchain tags map like golang.org/x/vuln's `GoTagToSemver`: `go1.20` → 1.20.0,
`go1.21rc2` → 1.21.0-rc.2, `go1.19.8` → 1.19.8, `go1` → 1.0.0; anything after a space
(`go1.22.1 X:nocoverageredesign`) is ignored.

SBOMs write the `stdlib`/`toolchain` version in every form: `go1.19`, `1.19`, `v1.19`, `v1.19.8`,
`1.21rc2`. `toolchain_semver` reads them all as the Go tag they name (1.19 = 1.19.0, as the Go
toolchain does); the matcher applies it to those two packages only (a module's `v1.19` is not a
valid module version and stays not understood).
"""

from __future__ import annotations

import re

from caulk.match.version.interface import SortKey, VersionScheme
from caulk.match.version.semver import STRICT, semver_key

__all__ = ["TOOLCHAIN_PACKAGES", "GoScheme", "go_tag_to_semver", "toolchain_semver"]

TOOLCHAIN_PACKAGES = frozenset({"stdlib", "toolchain"})

_TAG = re.compile(r"go(\d+\.\d+)(\.\d+|)((beta|rc|-pre)(\d+))?\Z")


def go_tag_to_semver(tag: str) -> str | None:
    """`go1.21rc2` → `1.21.0-rc.2`; None if `tag` is not a Go release tag."""
    fields = tag.split()
    if not fields:
        return None
    tag = fields[0]
    if tag == "go1":
        return "1.0.0"
    m = _TAG.match(tag)
    if m is None or tag == "go1.0":
        return None
    version = m[1] + (m[2] or ".0")
    if m[3]:
        version += ("" if m[4].startswith("-") else "-") + m[4] + "." + m[5]
    return version


def toolchain_semver(text: str) -> str | None:
    """`1.19`, `v1.19`, `go1.19` → `1.19.0`; `v1.21rc2` → `1.21.0-rc.2`; None when `text` is not a
    Go release in any spelling (SemVer text like `1.21.0-rc.2` is left to the scheme)."""
    fields = text.split()
    if not fields:
        return None
    bare = fields[0].removeprefix("go").removeprefix("v")
    return go_tag_to_semver("go" + bare) if bare[:1].isdigit() else None


class GoScheme(VersionScheme):
    name = "go"
    semver_compatible = True

    def _parse(self, text: str) -> SortKey:
        version = text.strip()
        if version.startswith("go"):
            converted = go_tag_to_semver(version)
            if converted is None:
                raise self.error(text, "not a Go release tag")
            version = converted
        elif version.startswith("v"):
            version = version[1:]
        match = STRICT.match(version)
        if match is None:
            raise self.error(text, "not a Go module version (SemVer 2)")
        return semver_key(match)
