"""RPM versions (Red Hat, Fedora, AlmaLinux, Rocky, SUSE…) as rpm's `rpmvercmp` orders them.

EVR: `[epoch:]version[-release]`. Each part splits into segments: runs of ASCII digits
(numeric, leading zeros ignored), runs of ASCII letters (byte order), `~` (sorts before
everything, even the end) and `^` (after the end, before any segment); every other character
only separates. A numeric segment is newer than an alphabetic one.

A missing release sorts before every release (`1.0 < 1.0-1`), as rpm 4.18's `rpm.vercmp` and
Trivy's go-rpm-version do (rpm's dependency matching instead ignores the release when one side
lacks it, which is not a total order).
"""

from __future__ import annotations

import re

from caulk.match.version.interface import SortKey, VersionScheme

__all__ = ["RpmScheme", "rpm_segments"]

_SEGMENT = re.compile(r"[0-9]+|[A-Za-z]+|~|\^")
_TILDE, _END, _CARET, _ALPHA, _NUM = 0, 1, 2, 3, 4
_NO_RELEASE: tuple[tuple[int, ...], ...] = ((-1,),)


def rpm_segments(text: str) -> tuple[tuple[object, ...], ...]:
    """rpmvercmp's segments as tuples ordered exactly as rpmvercmp compares them."""
    out: list[tuple[object, ...]] = []
    for seg in _SEGMENT.findall(text):
        if seg == "~":
            out.append((_TILDE,))
        elif seg == "^":
            out.append((_CARET,))
        elif seg[0].isdigit():
            out.append((_NUM, int(seg)))
        else:
            out.append((_ALPHA, seg))
    out.append((_END,))
    return tuple(out)


class RpmScheme(VersionScheme):
    name = "rpm"

    def _parse(self, text: str) -> SortKey:
        evr = text.strip()
        if not evr or any(c.isspace() for c in evr):
            raise self.error(text, "blank or contains spaces")
        epoch = 0
        head, colon, rest = evr.partition(":")
        if colon:
            if not head.isascii() or not head.isdigit():
                raise self.error(text, "epoch is not a number")
            epoch = int(head)
            evr = rest
        version, dash, release = evr.rpartition("-")
        if not dash:
            version, release = evr, ""
        if not version:
            raise self.error(text, "empty version")
        if ":" in evr or (dash and not release):
            raise self.error(text, "malformed epoch or release")
        rel = rpm_segments(release) if dash else _NO_RELEASE
        return (epoch, rpm_segments(version), rel)
