"""Python package versions (PyPI) by PEP 440, delegated to `packaging.version`.

Legacy (non-PEP 440) versions are rejected with `VersionError`, as pip does since pip 24.1.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from caulk.match.version.interface import SortKey, VersionScheme

__all__ = ["Pep440Scheme"]


class Pep440Scheme(VersionScheme):
    name = "pep440"

    def _parse(self, text: str) -> SortKey:
        try:
            return Version(text)
        except InvalidVersion as exc:
            raise self.error(text, "not a PEP 440 version") from exc
