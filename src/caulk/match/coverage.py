"""Which packages a scan could check, and why the others could not be: no advisory data for
their ecosystem or release, an end-of-life release (its feeds stopped), or a version the rules
cannot read.

A package is checked when its ecosystem has version rules, the advisory store holds data for that
ecosystem (release included: "Debian:12", not just "Debian"), and every advisory naming it could be
evaluated. The rest are `Unchecked`, so "0 vulnerabilities" never hides "nothing was looked at".
"""

from __future__ import annotations

from collections.abc import Mapping

from caulk.catalog.interface import Inventory, Package
from caulk.match.interface import Coverage, Unchecked
from caulk.match.version import VersionError, scheme_for
from caulk.model import Location
from caulk.vulndb.interface import AdvisoryStore

__all__ = ["coverage_of"]


def _unchecked(package: Package, reason: str, detail: str) -> Unchecked:
    return Unchecked(
        name=package.name,
        version=package.version,
        purl=package.purl,
        ecosystem=package.ecosystem,
        reason=reason,
        detail=detail,
        location=package.locations[0] if package.locations else Location(),
    )


def _has_rules(ecosystem: str) -> bool:
    try:
        scheme_for(ecosystem)
    except VersionError:
        return False
    return True


def coverage_of(
    inventory: Inventory, store: AdvisoryStore, not_understood: Mapping[int, str]
) -> Coverage:
    """`not_understood` maps the index of a package in `inventory.packages` to the reason the
    matcher could not evaluate some advisory for it."""
    known = frozenset(store.ecosystems())
    distro = inventory.distro
    eol = distro.ecosystem if distro is not None and distro.is_eol else None
    unchecked = []
    for index, package in enumerate(inventory.packages):
        ecosystem = package.ecosystem
        if not ecosystem or not _has_rules(ecosystem):
            detail = (
                f"caulk has no version rules or advisory data for ecosystem {ecosystem!r}"
                if ecosystem
                else "no advisory ecosystem is known for this package (distribution not recognised)"
            )
            unchecked.append(_unchecked(package, "no-data", detail))
        elif ecosystem not in known and ecosystem == eol and distro is not None:
            detail = (
                f"{distro.pretty_name or ecosystem} reached end of life on {distro.eol}; "
                f"the advisory database has no {ecosystem} data"
            )
            unchecked.append(_unchecked(package, "end-of-life", detail))
        elif ecosystem not in known:
            detail = f"the advisory database has no {ecosystem} data"
            unchecked.append(_unchecked(package, "no-data", detail))
        elif index in not_understood:
            unchecked.append(_unchecked(package, "version-not-understood", not_understood[index]))
    return Coverage(packages=len(inventory.packages), unchecked=tuple(unchecked))
