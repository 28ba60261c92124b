"""Scoring CVSS vectors (v4.0, v3.x, v2) with the `cvss` package, and the qualitative scale."""

from __future__ import annotations

import functools
import logging

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

__all__ = ["kind_of_vector", "score_vector"]

log = logging.getLogger(__name__)


def kind_of_vector(vector: str) -> str:
    """`CVSS:4.0/…` → CVSS_V4, `CVSS:3.x/…` → CVSS_V3, a bare `AV:N/AC:L/Au:N…` → CVSS_V2."""
    if vector.startswith("CVSS:4"):
        return "CVSS_V4"
    if vector.startswith("CVSS:3"):
        return "CVSS_V3"
    return "CVSS_V2"


@functools.lru_cache(maxsize=1 << 16)  # a feed repeats few thousand distinct vectors
def score_vector(kind: str, vector: str) -> float | None:
    """The base score of `vector`, or None when it does not parse."""
    try:
        if kind == "CVSS_V4":
            return float(CVSS4(vector).base_score)
        if kind == "CVSS_V3":
            return float(CVSS3(vector).scores()[0])
        if kind == "CVSS_V2":
            return float(CVSS2(vector).scores()[0])
    except (CVSSError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        log.debug("cannot score %s %r: %s", kind, vector, exc)
    return None
