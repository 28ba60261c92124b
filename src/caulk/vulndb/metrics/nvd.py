"""NVD CVE records → CVSS metrics.

Shapes read: the API 2.0 response and the NVD 2.0 per-year feeds (`{"vulnerabilities":
[{"cve": {…}}]}`), one fkie-cad per-CVE file (the `cve` object itself), and the legacy 1.1 feed
(`{"CVE_Items": [{"cve": {"CVE_data_meta": …}, "impact": {…}}]}`). NVD's own score
(`type: Primary`, source `nvd@nist.gov`) gets origin `nvd`; the CNA scores NVD republishes
(`Secondary`) get `cna:<source>`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from caulk.vulndb.metrics.checked import CVE_ID, checked_metric
from caulk.vulndb.metrics.interface import CvssMetric
from caulk.vulndb.tally import Tally

__all__ = ["is_nvd_cve", "nvd_legacy_metrics", "nvd_metrics"]

_NVD_KEYS = ("cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2")


def is_nvd_cve(doc: object) -> bool:
    return isinstance(doc, dict) and "sourceIdentifier" in doc and "id" in doc


def _origin(entry: dict[str, Any]) -> str:
    return _origin_of(entry.get("type"), entry.get("source"))


@functools.lru_cache(maxsize=4096)
def _origin_of(kind: object, source: object) -> str:
    source = str(source or "")
    if kind == "Primary" and source in ("nvd@nist.gov", ""):
        return "nvd"
    return f"cna:{source}" if source else "nvd"


def nvd_metrics(cve: object, where: str, tally: Tally) -> list[CvssMetric] | None:
    """The metrics of one NVD `cve` object; None (counted) when it is not one."""
    if not isinstance(cve, dict) or not isinstance(cve.get("id"), str):
        tally.skip(where, "NVD record without an `id`")
        return None
    cve_id = cve["id"].strip()
    if not CVE_ID.match(cve_id):
        tally.skip(where, f"NVD record id {cve_id[:40]!r} is not a CVE id")
        return None
    metrics = cve.get("metrics") or {}
    if not isinstance(metrics, dict):
        tally.skip(where, f"{cve_id}: `metrics` is not an object")
        return None
    out = []
    for key in _NVD_KEYS:
        entries = metrics.get(key) or []
        if not isinstance(entries, list):
            tally.skip(where, f"{cve_id}: `metrics.{key}` is not a list")
            continue
        for entry in entries:
            data = entry.get("cvssData") if isinstance(entry, dict) else None
            if not isinstance(data, dict):
                tally.skip(where, f"{cve_id}: {key} entry without `cvssData`")
                continue
            metric = checked_metric(
                cve_id, _origin(entry), data.get("vectorString"), data.get("baseScore"), where,
                tally,
            )  # fmt: skip
            if metric is not None:
                out.append(metric)
    return out


def nvd_legacy_metrics(item: object, where: str, tally: Tally) -> Iterator[CvssMetric]:
    """One `CVE_Items[]` entry of the retired 1.1 feed (NVD's own scores only)."""
    try:
        assert isinstance(item, dict)
        cve_id = str(item["cve"]["CVE_data_meta"]["ID"])
        impact = item.get("impact") or {}
    except (AssertionError, KeyError, TypeError, AttributeError):
        tally.skip(where, "1.1 feed item without cve.CVE_data_meta.ID")
        return
    for key, inner in (("baseMetricV3", "cvssV3"), ("baseMetricV2", "cvssV2")):
        data = (impact.get(key) or {}).get(inner) if isinstance(impact, dict) else None
        if isinstance(data, dict):
            metric = checked_metric(
                cve_id, "nvd", data.get("vectorString"), data.get("baseScore"), where, tally
            )
            if metric is not None:
                yield metric
