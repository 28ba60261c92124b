"""One CVSS metric as a source states it → a `CvssMetric`, or a counted reason why not."""

from __future__ import annotations

import functools
import re

from caulk.vulndb.metrics.cvss import kind_of_vector, score_vector
from caulk.vulndb.metrics.interface import CvssMetric
from caulk.vulndb.tally import Tally

__all__ = ["CVE_ID", "checked_metric"]

CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,}$")
_TOLERANCE = 0.1  # CVSS 3.0 and 3.1 round differently; a wider gap is a different score


@functools.lru_cache(maxsize=1 << 16)  # a feed repeats a few thousand distinct vectors
def _scored(vector: str) -> tuple[str, float | None]:
    kind = kind_of_vector(vector)
    return kind, score_vector(kind, vector)


def checked_metric(
    cve: str, origin: str, vector: object, stated: object, where: str, tally: Tally
) -> CvssMetric | None:
    """Score `vector`; skip (and count) it when it does not parse or contradicts `stated`."""
    if not isinstance(vector, str) or not vector.strip():
        tally.skip(where, f"{cve}: CVSS metric from {origin} without a vector string")
        return None
    vector = vector.strip()
    kind, score = _scored(vector)
    if score is None:
        tally.skip(where, f"{cve}: CVSS vector {vector[:80]!r} from {origin} does not parse")
        return None
    numeric = isinstance(stated, int | float) and not isinstance(stated, bool)
    if numeric and abs(float(stated) - score) > _TOLERANCE:  # type: ignore[arg-type]
        tally.skip(
            where,
            f"{cve}: {origin} states base score {stated} but its vector {vector} scores "
            f"{score}; metric not used",
        )
        return None
    return CvssMetric(cve, origin, kind, vector, score)
