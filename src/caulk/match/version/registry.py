"""`scheme_for(ecosystem)`: the version rules of an OSV ecosystem name.

OSV ecosystems may carry a release suffix ("Debian:11", "Alpine:v3.11", "Red Hat:…"); only the
part before the first ':' selects the scheme. An ecosystem caulk has no rules for raises
`VersionError` (callers report "version not understood", never "not vulnerable").
"""

from __future__ import annotations

from collections.abc import Callable

from caulk.match.version.apk import ApkScheme
from caulk.match.version.cargo import CargoScheme
from caulk.match.version.composer import ComposerScheme
from caulk.match.version.dpkg import DpkgScheme
from caulk.match.version.golang import GoScheme
from caulk.match.version.interface import VersionError, VersionScheme
from caulk.match.version.maven import MavenScheme
from caulk.match.version.npm import NpmScheme
from caulk.match.version.nuget import NuGetScheme
from caulk.match.version.pep440 import Pep440Scheme
from caulk.match.version.rpm import RpmScheme
from caulk.match.version.rubygems import RubyGemsScheme
from caulk.match.version.semver import SemverScheme

__all__ = ["ECOSYSTEMS", "scheme_for", "semver_scheme"]

_FACTORIES: dict[str, Callable[[], VersionScheme]] = {
    "dpkg": DpkgScheme,
    "apk": ApkScheme,
    "rpm": RpmScheme,
    "pep440": Pep440Scheme,
    "npm": NpmScheme,
    "go": GoScheme,
    "maven": MavenScheme,
    "rubygems": RubyGemsScheme,
    "cargo": CargoScheme,
    "nuget": NuGetScheme,
    "composer": ComposerScheme,
    "semver": lambda: SemverScheme(strict=False, name="semver"),
}

ECOSYSTEMS: dict[str, str] = {
    "debian": "dpkg",
    "ubuntu": "dpkg",
    "alpine": "apk",
    "wolfi": "apk",
    "chainguard": "apk",
    "red hat": "rpm",
    "almalinux": "rpm",
    "rocky linux": "rpm",
    "opensuse": "rpm",
    "suse": "rpm",
    "mageia": "rpm",
    "amazon linux": "rpm",
    "openeuler": "rpm",
    "pypi": "pep440",
    "npm": "npm",
    "go": "go",
    "maven": "maven",
    "rubygems": "rubygems",
    "crates.io": "cargo",
    "nuget": "nuget",
    "packagist": "composer",
}

_INSTANCES: dict[str, VersionScheme] = {}


def _instance(name: str) -> VersionScheme:
    scheme = _INSTANCES.get(name)
    if scheme is None:
        scheme = _INSTANCES[name] = _FACTORIES[name]()
    return scheme


def scheme_for(ecosystem: str) -> VersionScheme:
    """The shared (key-caching) scheme for an OSV ecosystem such as "Debian:11" or "PyPI"."""
    base = ecosystem.split(":", 1)[0].strip().lower()
    name = ECOSYSTEMS.get(base)
    if name is None:
        message = f"no version rules for ecosystem {ecosystem!r}"
        raise VersionError("unknown", ecosystem, message=message)
    return _instance(name)


def semver_scheme() -> VersionScheme:
    """Lenient SemVer 2 for OSV `SEMVER` ranges in ecosystems whose own rules are not SemVer."""
    return _instance("semver")
