"""FIRST EPSS scores: `#model_version:…,score_date:…` (optional), then `cve,epss,percentile`."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from caulk.vulndb.metrics.checked import CVE_ID
from caulk.vulndb.metrics.interface import EpssScore
from caulk.vulndb.tally import Tally

__all__ = ["epss_scores"]


def _score_date(comment: str) -> str | None:
    for part in comment.lstrip("#").split(","):
        key, _, value = part.partition(":")
        if key.strip() == "score_date" and value.strip():
            return value.strip()[:10]
    return None


def _fraction(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0.0 <= value <= 1.0 else None


def epss_scores(lines: Iterable[str], where: str, tally: Tally) -> Iterator[EpssScore]:
    """Stream the CSV; a row that is not `CVE-…,fraction,fraction` is skipped and counted."""
    score_date: str | None = None
    header_seen = False
    for number, row in enumerate(csv.reader(lines), start=1):
        if not row or not "".join(row).strip():
            continue
        first = row[0].strip()
        if first.startswith("#"):
            score_date = _score_date(",".join(row)) or score_date
            continue
        if not header_seen and first.lower() == "cve":
            header_seen = True
            continue
        if len(row) < 3 or not CVE_ID.match(first):
            tally.skip(f"{where}:{number}", f"not an EPSS row: {','.join(row)[:80]!r}")
            continue
        epss, percentile = _fraction(row[1].strip()), _fraction(row[2].strip())
        if epss is None or percentile is None:
            tally.skip(f"{where}:{number}", f"{first}: EPSS values must be numbers in 0..1")
            continue
        yield EpssScore(first, epss, percentile, score_date)
