"""CVE JSON 5.x records (cvelistV5, CISA vulnrichment) → CVSS metrics, SSVC decisions and KEV
entries, from the CNA container and every ADP container."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from caulk.vulndb.metrics.checked import CVE_ID, checked_metric
from caulk.vulndb.metrics.interface import CvssMetric, KevEntry, SsvcDecision
from caulk.vulndb.tally import Tally

__all__ = ["Cve5Signals", "cve5_signals", "is_cve5_record"]

_CVSS_KEYS = ("cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0")


@dataclass(slots=True)
class Cve5Signals:
    cve: str
    cvss: list[CvssMetric] = field(default_factory=list)
    ssvc: list[SsvcDecision] = field(default_factory=list)
    kev: list[KevEntry] = field(default_factory=list)


def is_cve5_record(doc: object) -> bool:
    return isinstance(doc, dict) and doc.get("dataType") == "CVE_RECORD"


def _short_name(container: dict[str, Any], fallback: str) -> str:
    meta = container.get("providerMetadata")
    name = meta.get("shortName") if isinstance(meta, dict) else None
    return str(name) if name else fallback


def _ssvc(cve: str, origin: str, content: object) -> SsvcDecision | None:
    if not isinstance(content, dict) or not isinstance(content.get("options"), list):
        return None
    options: dict[str, str] = {}
    for option in content["options"]:
        if isinstance(option, dict):
            options.update({str(k): str(v) for k, v in option.items()})
    return SsvcDecision(
        cve,
        origin,
        options.get("Exploitation", ""),
        options.get("Automatable", ""),
        options.get("Technical Impact", ""),
    )


def _container(out: Cve5Signals, container: object, origin: str, where: str, tally: Tally) -> None:
    if not isinstance(container, dict):
        tally.skip(where, f"{out.cve}: container is not an object")
        return
    metrics = container.get("metrics") or []
    if not isinstance(metrics, list):
        tally.skip(where, f"{out.cve}: {origin} `metrics` is not a list")
        return
    for metric in metrics:
        if not isinstance(metric, dict):
            continue
        for key in _CVSS_KEYS:
            data = metric.get(key)
            if isinstance(data, dict):
                found = checked_metric(
                    out.cve, origin, data.get("vectorString"), data.get("baseScore"), where, tally
                )
                if found is not None:
                    out.cvss.append(found)
        other = metric.get("other")
        if not isinstance(other, dict):
            continue
        if other.get("type") == "ssvc":
            decision = _ssvc(out.cve, origin, other.get("content"))
            if decision is not None:
                out.ssvc.append(decision)
        elif other.get("type") == "kev":
            content = other.get("content")
            if isinstance(content, dict) and isinstance(content.get("dateAdded"), str):
                out.kev.append(KevEntry(out.cve, content["dateAdded"], origin=origin))
            else:
                tally.skip(where, f"{out.cve}: KEV entry from {origin} without dateAdded")


def cve5_signals(doc: dict[str, Any], where: str, tally: Tally) -> Cve5Signals | None:
    meta = doc.get("cveMetadata")
    cve = meta.get("cveId") if isinstance(meta, dict) else None
    if not isinstance(cve, str) or not CVE_ID.match(cve.strip()):
        tally.skip(where, "CVE record without a valid cveMetadata.cveId")
        return None
    containers = doc.get("containers")
    if not isinstance(containers, dict):
        tally.skip(where, f"{cve}: CVE record without `containers`")
        return None
    out = Cve5Signals(cve.strip())
    if "cna" in containers:
        cna = containers["cna"]
        name = _short_name(cna, "cna") if isinstance(cna, dict) else "cna"
        _container(out, cna, f"cna:{name}", where, tally)
    adps = containers.get("adp") or []
    for adp in adps if isinstance(adps, list) else []:
        name = _short_name(adp, "adp") if isinstance(adp, dict) else "adp"
        _container(out, adp, f"adp:{name}", where, tally)
    return out
