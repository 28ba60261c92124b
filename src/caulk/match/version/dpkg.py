"""Debian/Ubuntu versions, exactly as dpkg's `verrevcmp` orders them.

`[epoch:]upstream[-revision]`: epoch numeric; the revision is what follows the last `-`.
Within upstream and revision, runs of non-digits compare character by character with
`~` < end-of-run < letters < everything else (by ASCII), runs of digits compare numerically.
"""

from __future__ import annotations

import re

from caulk.match.version.interface import SortKey, VersionScheme
from caulk.match.version.keys import padded_key

__all__ = ["DpkgScheme", "encode_part"]

_UPSTREAM = re.compile(r"[0-9][A-Za-z0-9.+~:-]*\Z")
_REVISION = re.compile(r"[A-Za-z0-9.+~]*\Z")
_RUNS = re.compile(r"([^0-9]*)([0-9]*)")


def _order(char: str) -> int:
    if char == "~":
        return -1
    if char.isascii() and char.isalpha():
        return ord(char)
    return ord(char) + 256


_ORDER = {chr(c): _order(chr(c)) for c in range(128)}


def encode_part(text: str) -> tuple[object, ...]:
    """verrevcmp as a flat int sequence (chars, run end 0, number) compared with 0-padding."""
    flat: list[int] = []
    for letters, digits in _RUNS.findall(text):
        if not letters and not digits:
            continue
        flat.extend(_ORDER[c] for c in letters)
        flat.append(0)
        flat.append(int(digits) if digits else 0)
    return padded_key(flat, 0)


class DpkgScheme(VersionScheme):
    name = "dpkg"

    def _parse(self, text: str) -> SortKey:
        version = text.strip()
        epoch = 0
        head, colon, rest = version.partition(":")
        if colon:
            if not head.isdigit() or not head.isascii():
                raise self.error(text, "epoch is not a number")
            epoch = int(head)
            version = rest
        upstream, dash, revision = version.rpartition("-")
        if not dash:
            upstream, revision = version, ""
        elif not revision:
            raise self.error(text, "empty revision")
        if not upstream or not _UPSTREAM.match(upstream):
            raise self.error(text, "upstream must start with a digit and use [A-Za-z0-9.+~:-]")
        if not _REVISION.match(revision):
            raise self.error(text, "invalid character in revision")
        if ":" in upstream and not colon:
            raise self.error(text, "colon in upstream without an epoch")
        return (epoch, encode_part(upstream), encode_part(revision))
