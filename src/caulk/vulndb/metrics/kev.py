"""The CISA Known Exploited Vulnerabilities catalog (JSON) → `KevEntry` values."""

from __future__ import annotations

from caulk.vulndb.metrics.checked import CVE_ID
from caulk.vulndb.metrics.interface import KevEntry
from caulk.vulndb.tally import Tally

__all__ = ["kev_entry"]


def kev_entry(raw: object, where: str, tally: Tally) -> KevEntry | None:
    """One `vulnerabilities[]` item; None (counted) without a CVE id or a date added."""
    if not isinstance(raw, dict):
        tally.skip(where, "KEV entry is not an object")
        return None
    cve = raw.get("cveID")
    if not isinstance(cve, str) or not CVE_ID.match(cve.strip()):
        tally.skip(where, f"KEV entry without a valid cveID ({str(cve)[:40]!r})")
        return None
    added = raw.get("dateAdded")
    if not isinstance(added, str) or not added:
        tally.skip(where, f"KEV entry {cve} without dateAdded")
        return None
    due = raw.get("dueDate")
    ransomware = raw.get("knownRansomwareCampaignUse")
    return KevEntry(
        cve.strip(),
        added,
        due if isinstance(due, str) else None,
        ransomware if isinstance(ransomware, str) else None,
    )
