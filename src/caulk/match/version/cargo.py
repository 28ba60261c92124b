"""crates.io versions: Cargo requires strict SemVer 2 (no `v` prefix, no loose forms)."""

from __future__ import annotations

from caulk.match.version.semver import SemverScheme

__all__ = ["CargoScheme"]


class CargoScheme(SemverScheme):
    def __init__(self) -> None:
        super().__init__(strict=True, name="cargo")
