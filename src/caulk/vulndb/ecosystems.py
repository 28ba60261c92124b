"""Distribution ecosystems: the one name the store indexes an advisory under, and the names an
installed OS package is looked up with.

Feeds spell a release in several ways; the store indexes every `affected` entry under its
canonical name (`canonical_ecosystem`), and the matcher queries canonical names only:

- `Ubuntu:22.04:LTS`, `Ubuntu:22.04` → `Ubuntu:22.04`; `Ubuntu:Pro:18.04:LTS` (ESM) →
  `Ubuntu:Pro:18.04`; `Ubuntu:Pro:FIPS-updates:18.04:LTS` → `Ubuntu:Pro:FIPS-updates:18.04`
- `Red Hat:enterprise_linux:9::appstream` (the CPE of the repository) → `Red Hat:9`;
  `Red Hat:rhel_eus:9.2::baseos` (EUS/AUS/E4S/TUS minor-release streams) is kept as written: a
  plain RHEL/UBI image does not get those builds
- `SUSE:SUSE Linux Enterprise Server 15 SP5`, `SUSE:SUSE Linux Enterprise Module for Basesystem
  15 SP5` (every SLE 15 SP5 product and module ships the same builds) → `SUSE:15.5`; LTSS and
  Micro streams are kept as written
- everything else as written: `openSUSE:Leap 15.5`, `Wolfi`, `Chainguard`, `AlmaLinux:8`,
  `Rocky Linux:9`, `Debian:12`, `Alpine:v3.19`, `Amazon Linux:2023`

Lookup names (`query_ecosystems`): an Ubuntu package is looked up in its release and in the
release's Ubuntu Pro (ESM) stream (a fix published only to ESM still means the installed version
is vulnerable); a version carrying `fips` (Ubuntu Pro FIPS builds) is looked up in the FIPS
streams instead. Everything else is looked up under its own ecosystem.
"""

from __future__ import annotations

import re

__all__ = ["DISTRIBUTIONS", "canonical_ecosystem", "os_release_ecosystem", "query_ecosystems"]

# Base ecosystems of OS distributions (their notices fix many CVEs at once; see match.matcher).
DISTRIBUTIONS = frozenset(
    {"Debian", "Ubuntu", "Alpine", "Red Hat", "AlmaLinux", "Rocky Linux", "SUSE", "openSUSE"}
    | {"Wolfi", "Chainguard", "Amazon Linux", "Mageia", "openEuler", "Alpaquita", "MinimOS"}
)

_UBUNTU = re.compile(r"Ubuntu:((?:Pro:)?(?:FIPS(?:-updates|-preview)?:)?)(\d+\.\d+)(?::LTS)?")
_RED_HAT = re.compile(r"Red Hat:enterprise_linux:(\d+)(?:\.\d+)?(?:::.*)?")
_SUSE = re.compile(
    r"SUSE:SUSE Linux Enterprise (?:Server|Desktop|Module for [A-Za-z0-9 -]+?|"
    r"High Performance Computing|Server for SAP Applications|Real Time|Workstation Extension)"
    r" (\d+)(?: SP(\d+))?"
)


def canonical_ecosystem(ecosystem: str) -> str:
    """The name `ecosystem` is stored and queried under (see the module table)."""
    if ecosystem.startswith("Ubuntu:") and (m := _UBUNTU.fullmatch(ecosystem)):
        return f"Ubuntu:{m.group(1)}{m.group(2)}"
    if ecosystem.startswith("Red Hat:") and (m := _RED_HAT.fullmatch(ecosystem)):
        return f"Red Hat:{m.group(1)}"
    if ecosystem.startswith("SUSE:") and (m := _SUSE.fullmatch(ecosystem)):
        return f"SUSE:{m.group(1)}.{m.group(2) or 0}"
    return ecosystem


def query_ecosystems(ecosystem: str, version: str) -> tuple[str, ...]:
    """The canonical ecosystems an installed package of `ecosystem` at `version` is matched in."""
    canonical = canonical_ecosystem(ecosystem)
    if not canonical.startswith("Ubuntu:") or canonical.startswith("Ubuntu:Pro:"):
        return (canonical,)
    release = canonical.removeprefix("Ubuntu:")
    if "fips" in version:
        return (
            f"Ubuntu:Pro:FIPS-updates:{release}",
            f"Ubuntu:Pro:FIPS:{release}",
            f"Ubuntu:Pro:FIPS-preview:{release}",
        )
    return canonical, f"Ubuntu:Pro:{release}"


_RPM_DISTROS = {
    "rhel": "Red Hat",  # RHEL and UBI images
    "centos": "Red Hat",
    "almalinux": "AlmaLinux",
    "rocky": "Rocky Linux",
}
_SLES = frozenset({"sles", "sled", "sle_hpc", "sle-micro", "sles_sap"})


def os_release_ecosystem(distro_id: str, version_id: str) -> str | None:
    """os-release `ID` and `VERSION_ID` → the ecosystem of the distribution's packages:
    debian 12 → `Debian:12`, ubuntu 22.04 → `Ubuntu:22.04`, alpine 3.19.1 → `Alpine:v3.19`,
    rhel/centos 9.4 → `Red Hat:9`, almalinux 8.9 → `AlmaLinux:8`, rocky 9.3 → `Rocky Linux:9`,
    sles 15.5 → `SUSE:15.5`, opensuse-leap 15.5 → `openSUSE:Leap 15.5`, opensuse-tumbleweed →
    `openSUSE:Tumbleweed`, wolfi → `Wolfi`, chainguard → `Chainguard`, amzn 2 → `Amazon Linux:2`,
    amzn 2023 → `Amazon Linux:2023`, amzn 2018.03 → `Amazon Linux:1`; None when unknown."""
    parts = version_id.split(".")
    major = parts[0] if parts[0].isdigit() else ""
    if distro_id == "debian" and major:
        return f"Debian:{major}"
    if distro_id == "alpine" and major and len(parts) >= 2:
        return f"Alpine:v{major}.{parts[1]}"
    if distro_id == "ubuntu" and major and len(parts) >= 2:
        return f"Ubuntu:{major}.{parts[1]}"
    if distro_id in _RPM_DISTROS and major:
        return f"{_RPM_DISTROS[distro_id]}:{major}"
    if distro_id in _SLES and major:
        return f"SUSE:{major}.{parts[1] if len(parts) > 1 else 0}"
    if distro_id == "opensuse-leap" and version_id:
        return f"openSUSE:Leap {version_id}"
    if distro_id == "opensuse-tumbleweed":
        return "openSUSE:Tumbleweed"
    if distro_id in ("wolfi", "chainguard"):
        return distro_id.capitalize()
    if distro_id == "amzn" and major:
        return f"Amazon Linux:{'1' if len(major) == 4 and major < '2022' else major}"
    return None
