"""caulk.match.version: version rules per ecosystem (see `interface`)."""

from caulk.match.version.interface import SortKey, VersionError, VersionScheme
from caulk.match.version.registry import ECOSYSTEMS, scheme_for, semver_scheme

__all__ = ["ECOSYSTEMS", "SortKey", "VersionError", "VersionScheme", "scheme_for", "semver_scheme"]
