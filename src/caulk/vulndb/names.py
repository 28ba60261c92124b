"""Package-name normalisation per ecosystem and the list of OSV ecosystems caulk knows.

The store indexes advisories by `(ecosystem, normalize_name(ecosystem, name))`; catalogers and
matchers must normalise the same way before they query.
"""

from __future__ import annotations

import re

__all__ = ["KNOWN_ECOSYSTEMS", "base_ecosystem", "is_known_ecosystem", "normalize_name"]

# OSV ecosystem list (https://ossf.github.io/osv-schema/#affectedpackage-field), base names.
KNOWN_ECOSYSTEMS = frozenset(
    {
        "AlmaLinux",
        "Alpaquita",
        "Amazon Linux",  # not an OSV ecosystem: caulk's name for ALAS (updateinfo.xml) data
        "Alpine",
        "Android",
        "BellSoft Hardened Containers",
        "Bioconductor",
        "Bitnami",
        "Chainguard",
        "CRAN",
        "ConanCenter",
        "crates.io",
        "Debian",
        "Echo",
        "GHC",
        "GitHub Actions",
        "Go",
        "Hackage",
        "Hex",
        "Kubernetes",
        "Linux",
        "Mageia",
        "Maven",
        "MinimOS",
        "npm",
        "NuGet",
        "openEuler",
        "openSUSE",
        "OSS-Fuzz",
        "Packagist",
        "Photon OS",
        "Pub",
        "PyPI",
        "Red Hat",
        "Rocky Linux",
        "RubyGems",
        "SUSE",
        "SwiftURL",
        "Ubuntu",
        "VSCode",
        "Wolfi",
    }
)

_PEP503 = re.compile(r"[-_.]+")
_LOWER = frozenset({"npm", "NuGet", "Packagist", "Hex", "Pub"})


def base_ecosystem(ecosystem: str) -> str:
    """`Debian:12` → `Debian`, `Alpine:v3.11` → `Alpine`, `PyPI` → `PyPI`."""
    return ecosystem.partition(":")[0]


def is_known_ecosystem(ecosystem: str) -> bool:
    return base_ecosystem(ecosystem) in KNOWN_ECOSYSTEMS


def normalize_name(ecosystem: str, name: str) -> str:
    """PyPI: PEP 503 (`PyYAML` → `pyyaml`, `oslo.utils` → `oslo-utils`); npm, NuGet, Packagist, Hex,
    Pub: lower-case (their registries are case-insensitive); everything else as-is (Go module
    paths, Maven `group:artifact`, Debian/Alpine source package names)."""
    name = name.strip()
    base = base_ecosystem(ecosystem)
    if base == "PyPI":
        return _PEP503.sub("-", name).lower()
    if base in _LOWER:
        return name.lower()
    return name
