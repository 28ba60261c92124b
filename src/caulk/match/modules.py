"""RHEL module streams (RHEL 8+, AlmaLinux, Rocky): an advisory for one stream of a module never
applies to another stream, nor to the non-modular package of the same name, and the reverse.

An installed modular rpm carries its modularity label (`nodejs:18:8070020230131090711:ad008a3a`,
read by the rpm cataloger); its release says so too (`….module+el8.7.0+…` on RHEL,
`….module_el8.7.0+…` on AlmaLinux/Rocky). The OSV records of these distributions name no module
field: a record is modular when its fixed versions are, and the streams it covers are the
`name:stream` tokens of its summary ("Moderate: nodejs:18 security update", "virt:rhel and
virt-devel:rhel security update"). Nothing in this rule ever *adds* a match: it only removes
comparisons between versions of different streams, which rpm ordering would get wrong
(nodejs 16.20 < 18.14 would read as "vulnerable, fixed in 18.14").
"""

from __future__ import annotations

import re

from caulk.catalog.interface import Package
from caulk.vulndb.interface import Advisory, Affected

__all__ = ["advisory_streams", "is_modular_version", "module_applies", "package_stream"]

_MODULAR = re.compile(r"\.module[+_]el\d")
_STREAM = re.compile(r"(?<![\w:.+-])([A-Za-z0-9][\w.+-]*):([A-Za-z0-9][\w.+-]*)(?![\w:])")


def is_modular_version(version: str) -> bool:
    return _MODULAR.search(version) is not None


def package_stream(package: Package) -> str | None:
    """`name:stream` of an installed modular rpm, from its modularity label."""
    if not package.module:
        return None
    name, _, rest = package.module.partition(":")
    stream = rest.partition(":")[0]
    return f"{name}:{stream}" if name and stream else None


def advisory_streams(advisory: Advisory) -> frozenset[str]:
    """The `name:stream` tokens an advisory's summary names (empty: it names none)."""
    return frozenset(f"{m.group(1)}:{m.group(2)}" for m in _STREAM.finditer(advisory.summary))


def _versions(affected: Affected) -> list[str]:
    out = list(affected.versions)
    for rng in affected.ranges:
        for event in rng.events:
            for value in (event.fixed, event.last_affected, event.introduced):
                if value and value != "0":
                    out.append(value)
    return out


def module_applies(package: Package, advisory: Advisory, affected: Affected) -> bool:
    """False when the advisory's entry is for another module stream (or modular vs not)."""
    versions = _versions(affected)
    if not versions:
        return True  # nothing says which build it is for: let the ranges decide
    advisory_modular = any(is_modular_version(v) for v in versions)
    installed_modular = bool(package.module) or is_modular_version(package.version)
    if advisory_modular != installed_modular:
        return False
    stream = package_stream(package)
    streams = advisory_streams(advisory) if advisory_modular else frozenset()
    return not (stream and streams and stream not in streams)
