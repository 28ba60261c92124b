"""The contract of `match/version/`: one `VersionScheme` per ecosystem's version rules.

    scheme = scheme_for("Debian:11")          # match.version.scheme_for
    scheme.key("1:2.31.1-0.4") < scheme.key("1:2.31.1-0.5")
    scheme.compare("1.36-2.1~deb10u2", "1.36-2.1")   # -1

`key(text)` returns a totally ordered, hashable-or-not sort key (tuples for most schemes, small
wrapper objects for Maven/Composer) and caches it; keys of different schemes never mix.
Text a scheme does not understand raises `VersionError`: callers report "version not understood",
never "not vulnerable".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Protocol

from caulk.errors import InputError

__all__ = ["SortKey", "VersionError", "VersionScheme"]

_CACHE_LIMIT = 65536


class VersionError(InputError):
    """A version string does not follow its scheme's grammar."""

    def __init__(
        self,
        scheme: str,
        text: str,
        why: str = "",
        *,
        where: str | None = None,
        message: str | None = None,
    ) -> None:
        detail = f": {why}" if why else ""
        default = f"{scheme} version not understood: {text!r}{detail}"
        super().__init__(message or default, where=where)
        self.scheme = scheme
        self.text = text


class SortKey(Protocol):
    """Anything ordered with `<` against keys of the same scheme."""

    def __lt__(self, other: Any, /) -> bool: ...


class VersionScheme(ABC):
    """Version rules of one ecosystem. Subclasses implement `_parse`; `key` caches its results."""

    name: str = ""
    semver_compatible: bool = False  # may evaluate OSV `SEMVER` ranges directly

    def __init__(self) -> None:
        self._cache: dict[str, SortKey] = {}

    @abstractmethod
    def _parse(self, text: str) -> SortKey:
        """The sort key of `text`, or `VersionError`."""

    def key(self, text: str) -> SortKey:
        """The cached sort key of `text`; raises `VersionError` for text the scheme rejects."""
        cache = self._cache
        found = cache.get(text)
        if found is None:
            if not isinstance(text, str) or not text:
                raise VersionError(self.name, str(text), "empty")
            found = self._parse(text)
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[text] = found
        return found

    def valid(self, text: str) -> bool:
        try:
            self.key(text)
        except VersionError:
            return False
        return True

    def compare(self, a: str, b: str) -> int:
        """-1, 0 or 1 as `a` sorts before, equal to, or after `b`."""
        ka, kb = self.key(a), self.key(b)
        if ka < kb:
            return -1
        if kb < ka:
            return 1
        return 0

    def error(self, text: str, why: str = "") -> VersionError:
        return VersionError(self.name, text, why)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
